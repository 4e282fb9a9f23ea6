"""cycle_sdk: the typed Python SDK for the Cycle (cycle.io) Platform API.

    import cycle_sdk

    client = cycle_sdk.Client(api_key="...", team="HUB_ID")
    res = client.environments.get_environments(filter={"state": "live"})
    if res.ok is True:                    # `is True`/`is False` narrow in mypy and pyright alike
        for env in res.value.data:
            print(env.id, env.name)
    else:
        print(res.error.code, res.error.title)

Or in the seed style, on the module-level default client:

    cycle_sdk.settings.team = "HUB_ID"
    cycle_sdk.auth.api_key_auth(secret="...")
    res = cycle_sdk.environments.get_environments()   # typed as on Client; loaded on first use

Request bodies and filter/page objects take a generated model or its typed dict, named after the
model + `Param` (`cycle_sdk.params.CreateEnvironmentBodyParam`), which type checkers verify.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ._generated.namespaces import NAMESPACES
from ._version import API_SPEC_VERSION, __version__

if TYPE_CHECKING:
    from . import auth, models, params, utils
    from ._cache import CacheSettings
    from ._client import AsyncClient, BaseClient, Client
    from ._clock import Clock
    from ._config import (
        DEFAULT_BASE_URL,
        DEFAULT_MAX_BODY_SIZE,
        DEFAULT_MAX_RETRIES,
        DEFAULT_TIMEOUT,
        DEFAULT_TOTAL_TIMEOUT,
        Settings,
    )
    from ._decode import DecodeError, UnknownVariant, raw_json
    from ._exceptions import (
        APIConnectionError,
        APIResponseValidationError,
        APIResultError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConflictError,
        CycleError,
        InternalServerError,
        JobFailedError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResultAccessError,
        SDKError,
        UnprocessableEntityError,
    )

    # `cycle_sdk.environments` etc. (seed style): declared with the types of Client().<namespace>,
    # by the generated package, and by _seed_namespaces for those the Client replaces (`jobs`...).
    from ._generated.namespaces.module_namespaces import *  # noqa: F403
    from ._jobs import JobProgress
    from ._keyring import KeyringStorage
    from ._notifications import Reconnected
    from ._request import Operation, RequestOptions, RequestSpec
    from ._result import APIError, APIResult, Err, Ok, RawResponse, ResponseHeaders
    from ._seed_namespaces import *  # noqa: F403
    from ._tokens import FileStorage, MemoryStorage, Token, TokenStorage
    from ._types import UNSET, Unset, full_repr

    # The module-level settings of the default client (seed style); read from CYCLE_* on first use.
    settings: Settings

# Every public name loads its module on first use, so `import cycle_sdk` (and `cycle --help`,
# which needs only the version and the namespace names) stays cheap: module -> its names.
_MODULES: dict[str, tuple[str, ...]] = {
    "._tokens": ("FileStorage", "MemoryStorage", "Token", "TokenStorage"),
    "._cache": ("CacheSettings",),
    "._client": ("AsyncClient", "BaseClient", "Client"),
    "._clock": ("Clock",),
    "._config": (
        "DEFAULT_BASE_URL",
        "DEFAULT_MAX_BODY_SIZE",
        "DEFAULT_MAX_RETRIES",
        "DEFAULT_TIMEOUT",
        "DEFAULT_TOTAL_TIMEOUT",
        "Settings",
    ),
    "._decode": ("DecodeError", "UnknownVariant", "raw_json"),
    "._exceptions": (
        "APIConnectionError",
        "APIResponseValidationError",
        "APIResultError",
        "APIStatusError",
        "APITimeoutError",
        "AuthenticationError",
        "BadRequestError",
        "ConfigurationError",
        "ConflictError",
        "CycleError",
        "InternalServerError",
        "JobFailedError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "ResultAccessError",
        "SDKError",
        "UnprocessableEntityError",
    ),
    "._jobs": ("JobProgress",),
    "._keyring": ("KeyringStorage",),
    "._notifications": ("Reconnected",),
    "._request": ("Operation", "RequestOptions", "RequestSpec"),
    "._result": ("APIError", "APIResult", "Err", "Ok", "RawResponse", "ResponseHeaders"),
    "._types": ("UNSET", "Unset", "full_repr"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}
_SUBMODULES = ("auth", "models", "params", "utils", "internal", "scheduler")
_settings_lock = threading.Lock()


def _make_settings() -> Any:
    with _settings_lock:
        found = globals().get("settings")
        if found is None:
            from ._config import Settings

            found = globals()["settings"] = Settings.from_env()
        return found


def __getattr__(name: str) -> Any:
    # `cycle_sdk.environments` etc.: the namespaces of the default client, built on `settings`.
    if name in NAMESPACES:
        from ._default import default_client

        return getattr(default_client(), name)
    if name == "settings":
        return _make_settings()
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # Tab completion on `cycle_sdk.` offers the namespaces and lazy names too.
    return sorted({*globals(), *__all__, *NAMESPACES, *_LAZY, *_SUBMODULES})


__all__ = [
    "API_SPEC_VERSION",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOTAL_TIMEOUT",
    "UNSET",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIResult",
    "APIResultError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "BaseClient",
    "CacheSettings",
    "Client",
    "Clock",
    "ConfigurationError",
    "ConflictError",
    "CycleError",
    "DecodeError",
    "Err",
    "FileStorage",
    "InternalServerError",
    "JobFailedError",
    "JobProgress",
    "KeyringStorage",
    "MemoryStorage",
    "NotFoundError",
    "Ok",
    "Operation",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "Reconnected",
    "RequestOptions",
    "RequestSpec",
    "ResponseHeaders",
    "ResultAccessError",
    "SDKError",
    "Settings",
    "Token",
    "TokenStorage",
    "UnknownVariant",
    "UnprocessableEntityError",
    "Unset",
    "__version__",
    "auth",
    "full_repr",
    "models",
    "params",
    "raw_json",
    "settings",
    "utils",
]
# The namespaces of the default client (`cycle_sdk.environments`...): for type checkers, the
# generated declarations' and _seed_namespaces' own lists; at run time, every namespace name.
if TYPE_CHECKING:
    from . import _seed_namespaces
    from ._generated.namespaces import module_namespaces

    __all__ += module_namespaces.__all__
    __all__ += _seed_namespaces.__all__
else:
    __all__ += sorted(NAMESPACES)
