"""Deploy a container on Cycle with cycle_sdk: the README's main job (`make demo`).

Against the bundled emulator (make demo starts one), or against the real API when
CYCLE_API_KEY and CYCLE_HUB_ID are set (CYCLE_BASE_URL defaults to https://api.cycle.io;
CYCLE_CLUSTER names the cluster, default "production"; CYCLE_IMAGE_ID reuses an image).

    python examples/deploy.py
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import cycle_sdk
from cycle_sdk import APIResult


def check(step: str, res: APIResult[Any]) -> Any:
    """Every result is checked before its value is used; a failed step ends the demo."""
    if res.ok is False:
        print(f"  ✗ {step}: {res.error}", file=sys.stderr)
        raise SystemExit(1)
    print(f"  ✓ {step}")
    return res.value


def image_id(client: cycle_sdk.Client) -> str:
    if os.environ.get("CYCLE_IMAGE_ID"):
        return os.environ["CYCLE_IMAGE_ID"]
    source = check(
        "create image source nginx:latest",
        client.image_sources.create_image_source(
            body={
                "name": "nginx",
                "type": "direct",
                "origin": {"type": "docker-hub", "details": {"target": "nginx:latest"}},
            }
        ),
    )
    image = check("create image", client.images.create_image(body={"source_id": source.data.id, "name": "nginx"}))
    return str(image.data.id)


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # interleave with stderr progress
    secret = os.environ.get("CYCLE_API_KEY")
    hub = os.environ.get("CYCLE_HUB_ID")
    if not secret or not hub:
        print("set CYCLE_API_KEY and CYCLE_HUB_ID (make demo does, for its emulator)", file=sys.stderr)
        return 2
    base_url = os.environ.get("CYCLE_BASE_URL", cycle_sdk.DEFAULT_BASE_URL)
    print(f"Cycle API at {base_url}, hub {hub}")

    # 1. Seed-style settings and auth: the key is checked against the API, then stored.
    cycle_sdk.settings.base_url = base_url
    cycle_sdk.settings.team = hub
    token = check("api_key_auth", cycle_sdk.auth.api_key_auth(secret=secret))
    print(f"    token stored: {token!r}")

    with cycle_sdk.Client(team=hub, base_url=base_url, storage=cycle_sdk.settings.storage) as client:
        # 2. An environment.
        stamp = time.strftime("%H%M%S")
        env = check(
            "create environment",
            client.environments.create_environment(
                body={
                    "name": f"sdk-demo-{stamp}",
                    "cluster": os.environ.get("CYCLE_CLUSTER", "production"),
                    "about": {"description": "made by cycle_sdk's demo"},
                    "features": {"legacy_networking": False},
                }
            ),
        ).data
        print(f"    environment {env.id} ({env.name})")

        # 3. A container in it, then start it and wait for the job with a progress display.
        container = check(
            "create container",
            client.containers.create_container(
                body={
                    "name": "web",
                    "environment_id": env.id,
                    "image_id": image_id(client),
                    "stateful": False,
                    "config": {
                        "network": {"public": "enable", "hostname": "web"},
                        "deploy": {"instances": 1},
                    },
                }
            ),
        ).data
        print(f"    container {container.id} ({container.name})")
        task = client.containers.create_container_job(container.id, body={"action": "start"})
        check("start container", task)
        job = check("wait for the start job", client.jobs.wait(task, delay=0.2, progress_bar=True)).data
        print(f"    job {job.id} ended {job.state.current}")

        # 4. Lists with paging and filters.
        page = check(
            "list environments (filter, sort, page)",
            client.environments.get_environments(
                filter={"search": "sdk-demo"}, sort=["-id"], page={"number": 1, "size": 5}
            ),
        )
        print(f"    page 1: {[e.name for e in page.data]}")
        names = [
            c.name for c in client.containers.iter_get_containers(filter={"environment": env.id}, page={"size": 2})
        ]
        print(f"    containers in {env.id} (auto-paginated): {names}")

    # 5. A cached read: the second identical GET within cache.refresh is served from memory.
    cycle_sdk.settings.cache.use = True
    cycle_sdk.settings.cache.refresh = 5.0
    started = time.perf_counter()
    check("read container (network)", cycle_sdk.containers.get_container(container.id))
    first = time.perf_counter() - started
    started = time.perf_counter()
    cached = check("read container again (cache)", cycle_sdk.containers.get_container(container.id))
    second = time.perf_counter() - started
    print(f"    network {first * 1e3:.2f} ms, cached {second * 1e6:.1f} µs; state {cached.data.state.current}")

    print(
        f"\nSummary: environment {env.name} ({env.id}) with container {container.name} ({container.id}), "
        f"start job {job.state.current}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
