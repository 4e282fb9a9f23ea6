"""A wrong key or value in a dict argument: both checkers point at it. Each line with a KEY comment
must be an error that mypy names by that key and pyright points at (the key, or its value).

Before the arguments were typed dicts alone (`Model | ModelParam`), mypy said only `Argument
"body" ... has incompatible type "dict[str, object]"` and pyright `... is not assignable to
"CreateEnvironmentBody | CreateEnvironmentBodyParam"`, naming no key. A nested object that may be
null (`about: EnvironmentAboutParam | None`) is named by mypy at that key, not the one inside it.
"""

# One call a line: the checkers report an error on the line it is marked on.
# ruff: noqa: E501
# fmt: off

import cycle_sdk

c = cycle_sdk.Client()
env = c.environments

env.create_environment(body={"name": 5, "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}})  # KEY name
env.create_environment(body={"name": "w", "cluster": "c", "about": {"description": 3}, "features": {"legacy_networking": False}})  # KEY description
env.create_environment(body={"name": "w", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": "no"}})  # KEY legacy_networking
env.create_environment(body={"nmae": "w", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}})  # KEY nmae
env.create_environment(body={"name": "w", "cluster": "c", "about": {"description": ""}, "features": {}})  # KEY legacy_networking
env.update_environment("e1", body={"name": 5})  # KEY name
env.update_environment("e1", body={"about": {"description": 3}})  # KEY about
env.get_environments(filter={"state": 1})  # KEY state
env.get_environments(filter={"stat": "live"})  # KEY stat
env.get_environments(page={"number": "1"})  # KEY number
c.invoices.get_invoices(filter={"range-start": 2026})  # KEY range-start
