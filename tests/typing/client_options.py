"""Client options are typed once (ClientOptions) for both clients: a wrong name or type is an error."""

from __future__ import annotations

import httpx

import cycle_sdk

ok = cycle_sdk.Client(api_key="k", team="h", base_url="http://x", timeout=5, cache=True, max_retries=1)
ok_async = cycle_sdk.AsyncClient(hub_id="h", timeout=httpx.Timeout(3.0), auto_refresh=True, max_body_size=10)
bad_name = cycle_sdk.Client(api_keyy="k")  # ERROR
bad_type = cycle_sdk.Client(max_retries="2")  # ERROR
bad_async = cycle_sdk.AsyncClient(cache="yes")  # ERROR
bad_transport = cycle_sdk.AsyncClient(transport=httpx.HTTPTransport())  # ERROR
