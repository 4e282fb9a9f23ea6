"""The SDK's version: its own semver, plus the API spec state it was generated from.

`__version__` is PEP 440 with the spec state as a local label, e.g. `0.1.0+api.20260326`,
so a wheel says which API it speaks; `API_SPEC_VERSION` is the state itself.
"""

from ._generated import SPEC_STATE

SDK_VERSION = "0.1.0"
API_SPEC_VERSION: str = SPEC_STATE
__version__ = f"{SDK_VERSION}+api.{SPEC_STATE.replace('-', '')}"
