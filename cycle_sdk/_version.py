"""The SDK's version and the Cycle API spec state it speaks.

`__version__` is the SDK's own public PEP 440 semver (no local segment, so package
indexes accept it). It is a literal so that setuptools reads it without importing the
package; `make update-spec` bumps it (rule in the CHANGELOG preamble). The API spec
state is `API_SPEC_VERSION`, also in the User-Agent, each release's CHANGELOG heading
and the wheel's `cycle-api-<state>` keyword.
"""

from ._generated import SPEC_STATE

__version__ = "0.1.0"
API_SPEC_VERSION: str = SPEC_STATE


__all__ = ["API_SPEC_VERSION"]
