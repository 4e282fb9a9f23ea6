"""`make bench`: performance figures of cycle_sdk against raw httpx/json, written to BENCHMARKS.md.

Not part of `make test`. Every figure is a ratio against a baseline measured in the same
run (interleaved, medians of repeated runs), with the absolute numbers beside it.
"""
