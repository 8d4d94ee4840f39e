"""Reusable checks: plain functions over a testinfra host that return a Verdict.

Each resource module also offers idempotent `ensure_*` actions that the lab's solve mode uses.
Checks never change a node; a check that cannot look raises EnvironmentFault instead of failing
(dcalab.errors holds the one error hierarchy).
"""

from __future__ import annotations

from dataclasses import dataclass

from dcalab.errors import EnvironmentFault, SolveError
from dcalab.shown import redact

__all__ = ["EnvironmentFault", "SolveError", "Verdict", "redact", "retried", "run_or_raise", "verdict"]


@dataclass(frozen=True)
class Verdict:
    """One sub-check's outcome on one node: what was expected and what was found."""

    passed: bool
    expected: str
    found: str


def verdict(passed: bool, expected: str, found: str) -> Verdict:
    return Verdict(bool(passed), expected, found)


def run_or_raise(host, command: str, *args: str) -> str:  # host: testinfra Host
    """Run a solve command on a host; raise SolveError with its output when it fails."""
    result = host.run(command, *args)
    if result.rc != 0:
        ran = result.command.decode(errors="replace") if isinstance(result.command, bytes) else result.command
        raise SolveError(f"`{ran}` failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout.strip()


def retried(command: str, tries: int, pause: float = 1) -> str:
    """A shell command that runs `command` until it succeeds, for state that settles (a swarm after a restart, a
    port about to listen): `tries` quiet tries `pause` seconds apart, then one last try whose error shows and
    whose exit status is the command's. A command that succeeds runs once."""
    return (f"{{ ok=; for try in $(seq {tries}); do {command} 2>/dev/null && {{ ok=1; break; }}; sleep {pause}; "
            f"done; [ -n \"$ok\" ] || {command}; }}")
