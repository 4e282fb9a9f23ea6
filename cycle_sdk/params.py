"""Typed dicts of the request bodies and the filter/page objects, for type checkers.

Naming rule (as openai-python's `...Param`): the generated model's class name + `Param`, for a
body, a filter or page object, and every object nested in them alike:

    import cycle_sdk
    from cycle_sdk.params import CreateEnvironmentBodyParam

    body: CreateEnvironmentBodyParam = {
        "name": "web",
        "cluster": "production",
        "about": {"description": ""},
        "features": {"legacy_networking": False},
    }
    res = cycle_sdk.Client().environments.create_environment(body=body)

Keys are the wire names; `Required` keys follow the spec; enums are `Literal`s; oneOf is a union.
Wherever a typed dict is accepted, the model is too. Importing this module builds every typed dict
(namespace methods refer to them only for type checking, so `import cycle_sdk` does not).
"""

from ._generated.params import *  # noqa: F403
from ._generated.params import __all__ as __all__
