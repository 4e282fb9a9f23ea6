"""Tasks that change state the way they say, once their job completes (a failed job changes nothing).

- containers: `start`/`stop`/`restart` move the container and its instances (starting -> running,
  stopping -> stopped; `events.started` at the job's end); `scale` sets `config.deploy.instances`
  and the number of instances (`container.instances` counts them); `reconfigure` lays its config
  over the container's; `reimage` makes it run the image it names;
- environments: `start`/`stop`/`restart` do the same to every container of the environment;
  `initialize` makes a new one live (the platform starts it itself for every new environment);
- images: `import` goes downloading -> live;
- stack builds: `generate` (building -> live) fills the build's `spec` from its stack's raw source,
  its `instructions` (the stack's variables, then the build's own) and its images (one per
  container of the spec, live); `deploy` (deploying -> live) generates first if needed, then
  creates the spec's containers on those images in the environment it names (each container's
  `stack` says which stack, build and identifier it comes from, `deployment` what the deploy
  gave), and the services the environment does not run yet (recorded in its `services`).

Virtual machines `start`/`stop`/`restart` as containers do, and a pipeline `trigger` makes a run.
Every other accepted task completes without changing state (the README lists them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._model import not_found
from ._schema import JSON
from ._spec import CONTAINER_KIND, ENVIRONMENT_KIND, INSTANCE_KIND, Kind
from ._store import Record

if TYPE_CHECKING:
    from ._state import EmulatorState

BUILD_KIND: Final = "stacks/builds"
IMAGE_KIND: Final = "images"
# (kind, action) -> (state while the job runs, None: as it was; state once it completed), besides
# start/stop/restart.
KIND_ACTION_STATES: Final[Mapping[tuple[str, str], tuple[str | None, str]]] = {
    (IMAGE_KIND, "import"): ("downloading", "live"),
    (ENVIRONMENT_KIND, "initialize"): (None, "live"),
    (BUILD_KIND, "generate"): ("building", "live"),
    (BUILD_KIND, "deploy"): ("deploying", "live"),
}
# What the emulator models, for the README: every other accepted task leaves the state as it was.
MODELLED: Final[Mapping[str, tuple[str, ...]]] = {
    CONTAINER_KIND: ("start", "stop", "restart", "scale", "reconfigure", "reimage"),
    ENVIRONMENT_KIND: ("start", "stop", "restart", "initialize"),
    IMAGE_KIND: ("import",),
    BUILD_KIND: ("generate", "deploy"),
    "virtual-machines": ("start", "stop", "restart"),  # as containers (their own states)
    "pipelines": ("trigger",),  # a run, which completes with the job
}
_SERVICES: Final = ("loadbalancer", "discovery", "vpn", "scheduler", "gateway")
_VARIABLE: Final = re.compile(r"\{\{\$?([a-z0-9-]+)\}\}")


def plan_task(
    state: EmulatorState, kind: Kind, record: Record, action: str, contents: Mapping[str, JSON]
) -> list[dict[str, JSON]]:
    """The effects (applied by `apply_task` on completion) of a task on an item, set in motion now
    (the item's own state while the job runs is `EmulatorState.job_effects_for_action`'s)."""
    where = {"kind": kind.key, "scope": record.scope, "id": record.id}
    if kind.key == ENVIRONMENT_KIND and action in ("start", "stop", "restart"):
        container_kind = state.kind(CONTAINER_KIND)
        effects: list[dict[str, JSON]] = []
        for container in state.store.records(record.scope, CONTAINER_KIND):
            environment = container.doc.get("environment")
            if isinstance(environment, dict) and environment.get("id") == record.id:
                effects += state.job_effects_for_action(container_kind, container, action)
        return effects
    if kind.key == CONTAINER_KIND and action == "scale":
        instances = contents.get("instances")
        if isinstance(instances, int) and not isinstance(instances, bool) and instances >= 0:
            return [{"op": "scale", **where, "instances": instances}]
    if kind.key == CONTAINER_KIND and action == "reconfigure" and contents:
        return [{"op": "reconfigure", **where, "config": dict(contents)}]
    if kind.key == CONTAINER_KIND and action == "reimage" and isinstance(contents.get("image_id"), str):
        return [{"op": "reimage", **where, "image_id": contents["image_id"]}]  # checked to exist (_references)
    if kind.key == BUILD_KIND and action in ("generate", "deploy"):
        if action == "generate":
            return [{"op": "generate", **where}]
        environment_id = str(contents.get("environment_id", ""))
        environment_kind = state.kind(ENVIRONMENT_KIND)
        if state.store.get(record.scope, ENVIRONMENT_KIND, environment_id) is None:
            raise not_found(environment_kind.not_found, "environment", environment_id, source="/body/contents")
        variables = contents.get("variables")
        deploy: dict[str, JSON] = {
            "environment_id": environment_id,
            "variables": variables if isinstance(variables, dict) else {},
            "deployment": contents.get("deployment") if isinstance(contents.get("deployment"), dict) else None,
        }
        return [{"op": "deploy", **where, **deploy}]
    return []


def apply_task(state: EmulatorState, kind: Kind, record: Record, effect: Mapping[str, Any]) -> None:
    """Apply one effect of `plan_task` (the job completed)."""
    op = effect["op"]
    if op == "scale":
        _scale(state, kind, record, int(effect["instances"]))
    elif op == "reconfigure":
        config_schema = state.tools.property(kind.schema, "config")
        if config_schema is not None:
            config = state.tools.merge(record.doc.get("config", {}), effect["config"], config_schema)
            state.update_resource(kind, record, {"config": config}, record.scope)
    elif op == "reimage":
        # "Each container has a base image that can be updated ... all instances of the container
        # will be updated" (https://cycle.io/docs/platform/container-management): the container
        # names its new image (its instances name none of their own).
        state.update_resource(kind, record, {"image": {"id": str(effect["image_id"])}}, record.scope)
    elif op == "generate":
        _generate(state, kind, record)
    elif op == "deploy":
        _deploy(state, kind, record, str(effect["environment_id"]), effect)


def _scale(state: EmulatorState, kind: Kind, container: Record, count: int) -> None:
    """`config.deploy.instances` becomes `count`, and so does the number of instances: the last
    ones go, new ones run if the container does."""
    doc = container.doc
    config = _object(doc.get("config"))
    deploy = _object(config.get("deploy"))
    state.update_resource(kind, container, {"config": {**config, "deploy": {**deploy, "instances": count}}}, None)
    instance_kind = state.spec.kinds.get(INSTANCE_KIND)
    if instance_kind is None:
        return
    instances = state.instances_of(container)
    for surplus in instances[count:]:
        state.remove_resource(instance_kind, surplus)
    if _object(doc.get("state")).get("current") == "running":
        for instance in state.add_instances(container, count - len(instances)):
            state.set_state(instance_kind, instance, "running")
    else:
        state.add_instances(container, count - len(instances))
    state.count_instances(container)


def _stack_of(state: EmulatorState, build: Record) -> Record | None:
    stack_id = build.parents.get("stackId") or build.doc.get("stack_id")
    return state.store.get(build.scope, "stacks", str(stack_id)) if stack_id else None


def _generate(state: EmulatorState, kind: Kind, build: Record) -> None:
    """The build's `spec` from its stack's raw source, its `instructions` (the stack's variables,
    then the build's own), and its images: one per container of the spec, built (live), as "a
    stack build ... contains all the built images" (Cycle's docs)."""
    stack = _stack_of(state, build)
    fields: dict[str, JSON] = {}
    source = stack.doc.get("source") if stack is not None else None
    if isinstance(source, dict) and source.get("type") == "raw" and isinstance(source.get("details"), dict):
        fields["spec"] = source["details"]
    instructions = _object(build.doc.get("instructions"))
    own = _object(instructions.get("variables"))
    defaults = _object(stack.doc.get("variables")) if stack is not None else {}
    variables = {**defaults, **own}
    fields["instructions"] = {**instructions, "variables": variables}
    state.update_resource(kind, build, fields, build.scope)
    spec = build.doc.get("spec")
    containers = spec.get("containers") if isinstance(spec, dict) else None
    images: dict[str, str] = {}
    for identifier, template in containers.items() if isinstance(containers, dict) else ():
        image = _substitute(_object(template).get("image"), variables) if isinstance(template, dict) else None
        images[identifier] = _build_image(state, build, identifier, _object(image)).id
    build.extra["images"] = images
    state.store.save(build)


def _build_image(state: EmulatorState, build: Record, identifier: str, image: Mapping[str, Any]) -> Record:
    """The image a build makes for one of its containers (source `stack-build`), live."""
    details = {
        "id": build.id,
        "stack_id": build.parents.get("stackId") or build.doc.get("stack_id"),
        "containers": [identifier],
        "origin": image.get("origin"),
    }
    name = image.get("name")
    fields = {
        "name": name if isinstance(name, str) else identifier,
        "source": {"type": "stack-build", "details": details},
    }
    record = state.create_resource(
        state.kind(IMAGE_KIND), build.scope, fields, principal=state.auth.default_principal, state="live"
    )
    return record


def _deploy(state: EmulatorState, kind: Kind, build: Record, environment_id: str, contents: Mapping[str, Any]) -> None:
    if not isinstance(build.doc.get("spec"), dict) or not build.extra.get("images"):
        _generate(state, kind, build)
    environment = state.store.get(build.scope, ENVIRONMENT_KIND, environment_id)
    spec = build.doc.get("spec")
    if environment is None or not isinstance(spec, dict):
        return
    instructions = _object(build.doc.get("instructions"))
    known = _object(instructions.get("variables"))
    spec = _substitute(spec, {**known, **_object(contents.get("variables"))})
    stack = {"id": build.parents.get("stackId") or build.doc.get("stack_id"), "build_id": build.id}
    deployment = contents.get("deployment")
    images = _object(build.extra.get("images"))
    container_kind = state.kind(CONTAINER_KIND)
    containers = spec.get("containers")
    for identifier, template in containers.items() if isinstance(containers, dict) else ():
        if isinstance(template, dict):
            body = {
                **{k: template[k] for k in ("name", "stateful", "config", "annotations") if k in template},
                "identifier": identifier,
                "environment_id": environment_id,
                "stack": {**stack, "identifier": identifier},
            }
            if isinstance(images.get(identifier), str):
                body["image_id"] = images[identifier]  # the image this build made for it
            if isinstance(deployment, dict):
                body["deployment"] = deployment
            state.create_resource(container_kind, build.scope, body, principal=state.auth.default_principal)
    services = spec.get("services")
    enabled: dict[str, JSON] = {}
    for name in _SERVICES:
        if state.service_container(environment, name) is not None:
            continue  # the environment runs it already (discovery and the load balancer, from the start)
        if isinstance(services, dict) and isinstance(services.get(name), dict):
            body = {
                "name": name,
                "identifier": name,
                "environment_id": environment_id,
                "stack": dict(stack),
                "image": {"service": name},  # a service container says which service it is
            }
            service = state.create_resource(container_kind, build.scope, body, principal=state.auth.default_principal)
            enabled[name] = {"enable": True, "container_id": service.id, "high_availability": False}
    if enabled:
        current = _object(environment.doc.get("services"))
        state.update_resource(state.kind(ENVIRONMENT_KIND), environment, {"services": {**current, **enabled}}, None)


def _object(value: JSON) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _substitute(value: JSON, variables: Mapping[str, Any]) -> JSON:
    """`{{name}}` replaced by the variable's value wherever a string holds it."""
    if isinstance(value, str):
        whole = _VARIABLE.fullmatch(value.strip('"'))
        if whole is not None and whole.group(1) in variables:
            return variables[whole.group(1)]
        return _VARIABLE.sub(lambda m: str(variables.get(m.group(1), m.group(0))), value)
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    return value


__all__ = ["BUILD_KIND", "IMAGE_KIND", "KIND_ACTION_STATES", "MODELLED", "apply_task", "plan_task"]
