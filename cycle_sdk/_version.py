"""The SDK's version: its own semver, plus the API spec state it was generated from."""

__version__ = "0.1.0"
# The Cycle Platform API spec state the generated code comes from (spec/platform.yaml `state`).
API_SPEC_VERSION = "2026-03-26"
