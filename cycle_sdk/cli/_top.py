"""The top-level help: from the namespace names alone (no index, no spec, no argparse), so
`cycle --help` costs little more than `import cycle_sdk`."""

from __future__ import annotations

from cycle_sdk._generated.namespaces import NAMESPACES

# Commands the CLI adds beside the generated operations, per namespace.
EXTRA_COMMANDS: dict[str, dict[str, str]] = {
    "jobs": {"wait": "Wait for a job to complete; the exit status tells how it ended"},
    "hub-notifications": {"listen": "Print each hub notification as one JSON line, until interrupted"},
}


TOP_COMMANDS = {
    "auth": "Log in with an API key (login), show (status) or forget it (logout)",
    "emulator": "Start the bundled Cycle API emulator (needs the [emulator] extra)",
    "completion": "Print a bash or zsh completion script: cycle completion bash|zsh",
}
GLOBAL_OPTIONS_HELP = """\
global options (anywhere on the line):
  --hub, --team HUB_ID   the hub (X-Hub-Id); default CYCLE_HUB_ID, or the hub saved by `auth login`
  --base-url URL         the API's URL; default CYCLE_BASE_URL, or https://api.cycle.io
  --timeout SECONDS      per attempt, body included (default: 30 s per read, 60 s in all)
  --max-retries N        retries of transient failures (default 2)
  -o, --output FORMAT    json (default: the API's document, as sent), table, or yaml
                         (yaml needs PyYAML: the [cli] extra)
  -v, --verbose          log each request (method, path, status) on stderr; never secrets
  -h, --help             help for the command
"""
EXIT_STATUS_HELP = """\
exit status: 0 ok, 1 other error, 2 usage, 3 auth, 4 not found, 5 validation,
  6 network, 7 timeout, 8 job failed, 130 interrupted
"""


def top_help(version: str) -> str:
    lines = [
        f"usage: cycle <namespace> <operation> [PATH_ARGS...] [options]    (cycle-sdk {version})",
        "",
        "The Cycle (cycle.io) API from the command line: every operation of the SDK, named",
        "as the SDK names it in kebab-case. `cycle <namespace> --help` lists its operations.",
        "",
        "namespaces:",
    ]
    names = sorted(name.replace("_", "-") for name in NAMESPACES)
    width = max(len(n) for n in names) + 2
    per_line = max(1, 88 // width)
    for i in range(0, len(names), per_line):
        lines.append("  " + "".join(n.ljust(width) for n in names[i : i + per_line]).rstrip())
    lines += ["", "other commands:"]
    lines += [f"  {name.ljust(12)}{text}" for name, text in TOP_COMMANDS.items()]
    lines += [
        "",
        GLOBAL_OPTIONS_HELP,
        EXIT_STATUS_HELP,
        "example:",
        "  cycle environments get-environments --filter state=live --page-size 20",
        "  cycle environments get-environments --all --output table",
        "",
        "environment: CYCLE_API_KEY, CYCLE_HUB_ID, CYCLE_BASE_URL",
    ]
    return "\n".join(lines) + "\n"


__all__ = ["EXIT_STATUS_HELP", "EXTRA_COMMANDS", "GLOBAL_OPTIONS_HELP", "TOP_COMMANDS", "top_help"]
