"""Request bodies and filters as typed dicts: a misspelled key, a missing required key and a wrong
value type are errors in mypy --strict and pyright. The arguments are typed dicts alone (as
openai-python's params), so a model where a typed dict goes is a type error (it works at run time)."""

# fmt: off  (one call a line: the checkers report an error on the line it is marked on)

import cycle_sdk
from cycle_sdk.models import ContainerConfig, CreateEnvironmentBody
from cycle_sdk.params import ContainerConfigParam, CreateEnvironmentBodyParam

c = cycle_sdk.Client()
env = c.environments.create_environment
new_container = c.containers.create_container
task = c.containers.create_container_job

# createEnvironment
body: CreateEnvironmentBodyParam = {"name": "w", "cluster": "c", "about": {"description": ""}, "features": {}}  # ERROR
env(body={"name": "w", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}})
env(body={"nmae": "w", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": True}})  # ERROR
env(body={"cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}})  # ERROR
env(body={"name": 1, "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}})  # ERROR
env()  # ERROR: the body is required


def models(body: CreateEnvironmentBody, config: ContainerConfig) -> None:
    env(body=body)  # ERROR: a model, where the typed dict goes
    new_container(body={"name": "", "environment_id": "", "image_id": "", "stateful": False, "config": config})  # ERROR


# createContainer, with a typed dict inside the dict
def containers(config: ContainerConfigParam) -> None:
    new_container(body={"name": "w", "environment_id": "e", "image_id": "i", "stateful": False, "config": config})
    new_container(body={"name": "w", "environment_id": "e", "image_id": "i", "stateful": 0, "config": config})  # ERROR
    new_container(body={"name": "w", "environment_id": "e", "image_id": "i", "config": config})  # ERROR
    new_container(body={"name": "w", "environment": "e", "image_id": "i", "stateful": False, "config": config})  # ERROR


# a container task: scale
task("c1", body={"action": "scale", "contents": {"instances": 2}})
task("c1", body={"action": "scale", "contents": {"instances": "2"}})  # ERROR
task("c1", body={"action": "scale", "contents": {"instanses": 2}})  # ERROR
task("c1", body={"action": "scale"})  # ERROR
task("c1", body={"action": "scael", "contents": {"instances": 2}})  # ERROR

# get_environments(filter=...)
c.environments.get_environments(filter={"state": "live"}, page={"number": 1, "size": 20})
c.environments.get_environments(filter={"stat": "live"})  # ERROR
c.environments.get_environments(filter={"state": 1})  # ERROR
c.environments.get_environments(page={"number": "1"})  # ERROR
c.invoices.get_invoices(filter={"range-start": "2026-01-01T00:00:00Z", "state": "paid"})  # keys that are no identifiers
c.invoices.get_invoices(filter={"range-start": 2026})  # ERROR
