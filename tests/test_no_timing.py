"""No test sleeps for timing or reads an elapsed-time clock, outside a short list with reasons.

Tests wait on the thing they wait for (an event, a queue, `FaultServer.wait_until`, the
emulator's `wait_until`) and put time under test on the injectable clocks (`cycle_sdk.Clock`,
`tests/support/clock.py`); speed is measured in `make bench`. This reads every Python file under
tests/ as a syntax tree, so a mention in a comment or a string is not a use, and an aliased
import (`from time import sleep as nap`) is.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
ROOT = TESTS.parent

# Sleeping for real, or reading a clock made for measuring elapsed time (and, below, a loop paced
# by `Event.wait(timeout)`).
TIMING = frozenset(
    {
        "time.sleep",
        "asyncio.sleep",
        "anyio.sleep",
        "trio.sleep",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "time.process_time",
    }
)

# (file, function) -> why it may. Each entry must still be needed (checked below).
ALLOWED = {
    ("tests/emulator/helpers.py", "wait_for"): "polls an emulator subprocess, which gives no signal; the deadline "
    "is a hang guard",
    ("tests/test_release.py", "_running_index"): "waits for a pypiserver subprocess to listen, which gives no "
    "signal; the deadline is a hang guard",
    ("tests/support/fault_server.py", "FaultServer._handle"): "a slow peer (a late response head); tests assert "
    "the call's outcome, not a time",
    ("tests/support/fault_server.py", "FaultServer._answer"): "a slow peer (trickles, endless 100 Continue, "
    "stalls); tests assert the call's outcome, not a time",
}


class _Uses(ast.NodeVisitor):
    """Every reference to a TIMING name in one module, with the function it is in."""

    def __init__(self, tree: ast.Module) -> None:
        self.modules: dict[str, str] = {}  # local name -> module (import time as t)
        self.names: dict[str, str] = {}  # local name -> dotted (from time import sleep)
        for node in ast.walk(tree):  # every import first, wherever it is in the file
            if isinstance(node, ast.Import):
                self.modules.update((alias.asname or alias.name, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                self.names.update((alias.asname or alias.name, f"{node.module}.{alias.name}") for alias in node.names)
        self.scope: list[str] = []
        self.found: list[tuple[str, int, str]] = []  # (function, line, dotted name)
        self.visit(tree)

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def _use(self, node: ast.expr, dotted: str | None) -> None:
        if dotted in TIMING:
            self.found.append((".".join(self.scope), node.lineno, dotted))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and node.value.id in self.modules:
            self._use(node, f"{self.modules[node.value.id]}.{node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self._use(node, self.names.get(node.id))

    def visit_While(self, node: ast.While) -> None:
        # `while not stop.wait(0.2):` is a sleep by another name: a loop paced by a timer.
        test = node.test.operand if isinstance(node.test, ast.UnaryOp) else node.test
        waits = isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "wait"
        if waits and isinstance(test, ast.Call) and (test.args or test.keywords):
            self.found.append((".".join(self.scope), node.lineno, "a loop paced by wait(timeout)"))
        self.generic_visit(node)


def _timing_uses() -> dict[tuple[str, str], list[str]]:
    uses: dict[tuple[str, str], list[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        for function, line, dotted in _Uses(ast.parse(path.read_text(), filename=str(path))).found:
            uses.setdefault((path.relative_to(ROOT).as_posix(), function), []).append(f"line {line}: {dotted}")
    return uses


def test_no_test_sleeps_or_reads_an_elapsed_time_clock_outside_the_allowed_list() -> None:
    uses = _timing_uses()
    unexpected = {where: found for where, found in uses.items() if where not in ALLOWED}
    assert unexpected == {}, (
        "wait on the condition itself (an event, a queue, FaultServer.wait_until, emu.wait_until) or put "
        "the time on a FakeClock; a sleep with a reason that holds goes in ALLOWED"
    )
    stale = [where for where in ALLOWED if where not in uses]
    assert stale == [], "these no longer sleep or read the clock: drop them from ALLOWED"
