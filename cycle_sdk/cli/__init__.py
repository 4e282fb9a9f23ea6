"""`cycle`: the Cycle API from the command line, generated from the SDK's operation index.

    cycle environments get-environments --filter state=live --page-size 20
    cycle containers create-container-job CONTAINER_ID --body '{"action": "stop"}' --wait
    cycle auth login --hub HUB_ID

`main(argv)` returns the exit status (see EXIT_CODES); the console script and
`python -m cycle_sdk` call it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._errors import (
    EXIT_AUTH,
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_JOB_FAILED,
    EXIT_NETWORK,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    EXIT_VALIDATION,
    Exit,
    Failure,
    UsageError,
    exit_code,
    hint_for,
    report,
)

# Global options that take a value: skipped when looking for the command's words.
GLOBAL_VALUE_OPTIONS = frozenset({"--hub", "--team", "--base-url", "--timeout", "--max-retries", "--output", "-o"})


def split_words(argv: Sequence[str], count: int) -> tuple[list[str], list[str]]:
    """The first `count` command words, and the command line without them."""
    words: list[str] = []
    rest: list[str] = []
    skip = False
    for arg in argv:
        if skip or len(words) >= count:
            rest.append(arg)
            skip = False
            continue
        if arg in GLOBAL_VALUE_OPTIONS:
            skip = True
            rest.append(arg)
        elif arg.startswith("-"):
            rest.append(arg)
        else:
            words.append(arg)
    return words, rest


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(word, choices, n=3)
    return f"did you mean: {', '.join(close)}?" if close else None


def _unknown(kind: str, word: str, choices: Sequence[str], help_cmd: str) -> int:
    hint = _suggest(word, choices) or f"`{help_cmd}` lists them"
    report("0.usage", f"Unknown {kind}", repr(word), hint=hint)
    return EXIT_USAGE


def _dispatch(argv: list[str]) -> int:
    words, rest = split_words(argv, 2)
    wants_help = "-h" in rest or "--help" in rest
    if not words:
        # The command list comes from the namespace names `import cycle_sdk` has loaded already.
        from cycle_sdk import __version__

        if "--version" in rest:
            sys.stdout.write(f"cycle {__version__}\n")
            return EXIT_OK
        from ._top import top_help

        (sys.stdout if wants_help else sys.stderr).write(top_help(__version__))
        return EXIT_OK if wants_help else EXIT_USAGE
    from ._index import namespaces
    from ._top import EXTRA_COMMANDS, TOP_COMMANDS

    first = words[0]
    if first == "emulator":
        return _emulator(argv)
    if first == "auth":
        from ._commands import auth

        return auth(words[1:], rest)
    if first == "completion":
        from ._completion import COMPLETION_HELP, SHELLS

        shell = words[1] if len(words) > 1 else None
        if shell not in SHELLS:
            (sys.stdout if wants_help else sys.stderr).write(COMPLETION_HELP)
            return EXIT_OK if wants_help else EXIT_USAGE
        sys.stdout.write(SHELLS[shell]())
        return EXIT_OK
    groups = namespaces()
    if first == "help":
        return _dispatch([*words[1:], "--help"])
    if first not in groups:
        return _unknown("command", first, [*groups, *TOP_COMMANDS], "cycle --help")
    if len(words) == 1:
        from ._help import namespace_help

        (sys.stdout if wants_help else sys.stderr).write(namespace_help(first))
        return EXIT_OK if wants_help else EXIT_USAGE
    name = words[1]
    if name in EXTRA_COMMANDS.get(first, {}):
        if first == "jobs":
            from ._jobs import jobs_wait

            return jobs_wait(rest)
        from ._commands import listen

        return listen(rest)
    entry = groups[first].get(name)
    if entry is None:
        return _unknown("operation", name, [*groups[first], *EXTRA_COMMANDS.get(first, {})], f"cycle {first} --help")
    from ._index import operation
    from ._run import run_operation

    return run_operation(operation(entry), rest)


def _emulator(argv: list[str]) -> int:
    from ._commands import emulator

    index = argv.index("emulator")
    return emulator(argv[:index] + argv[index + 1 :])


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `cycle` command line; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    _never_fail_to_write()
    try:
        return _dispatch(args)
    except UsageError as exc:
        report("0.usage", str(exc), hint="cycle --help")
        return EXIT_USAGE
    except Failure as exc:
        status = exit_code(0, exc.code)
        report(exc.code, exc.title, exc.detail, hint=exc.hint or hint_for(status))
        return status
    except Exit as exc:
        return exc.status
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `cycle ... | head`: the reader went away; say nothing more.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
    finally:
        # Only a command that built a client can have turned --verbose on (and imported _app).
        app = sys.modules.get("cycle_sdk.cli._app")
        if app is not None:
            app.end_verbose_logging()


def _never_fail_to_write() -> None:
    """What the output sanitiser misses, or a terminal that cannot show (an ASCII locale), is
    written as backslash escapes instead of ending the command with a UnicodeEncodeError."""
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot change (closed)
                reconfigure(errors="backslashreplace")


def console() -> None:
    """The `cycle` console script."""
    sys.exit(main())


__all__ = [
    "EXIT_AUTH",
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_JOB_FAILED",
    "EXIT_NETWORK",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "EXIT_VALIDATION",
    "console",
    "exit_code",
    "main",
    "split_words",
]
