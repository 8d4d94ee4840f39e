"""What each of dcalab's own time bounds costs, on local processes (no node, no engine): the figures the fast subset's
tests no longer assert, since a loaded 2-core machine would flake a wall-clock bound.

    python bench/timeouts.py [--repeat 3]

Each line is the median of `--repeat` rounds, next to the bound it is meant to keep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext, suppress
from types import SimpleNamespace

from checks import verdict
from dcalab import daemons
from dcalab.backends.shell import PersistentShell
from dcalab.errors import NodeTimeout
from dcalab.lab import find_lab
from dcalab.runner import SETTLE_INTERVAL, TaskRun

IGNORES_TERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(flush=True); time.sleep(60)"


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def timed_out_shell(shell: PersistentShell, command: str) -> None:
    with suppress(NodeTimeout):
        shell.run(command, timeout=1)


def timeout_then_five_more() -> tuple[float, float]:
    """A command past its 1 s timeout, then five commands on the same frozen shell."""
    shell = PersistentShell(["/bin/sh"], "local")
    try:
        first = seconds(lambda: timed_out_shell(shell, "sleep 30"))
        later = seconds(lambda: [timed_out_shell(shell, "echo again") for _ in range(5)])
    finally:
        shell.close()
    return first, later


def unread_large_command() -> float:
    """A 5 MB command to a shell that never reads it, with a 1 s timeout."""
    shell = PersistentShell(["sh", "-c", "sleep 60"], "local")
    try:
        return seconds(lambda: timed_out_shell(shell, "echo " + "x" * 5_000_000))
    finally:
        shell.close()


def stubborn_daemon_stopped() -> float:
    """A daemon that ignores SIGTERM, stopped with STOP_TIMEOUT at 0.3 s: until it is gone."""
    daemons.STOP_TIMEOUT = 0.3
    stubborn = subprocess.Popen([sys.executable, "-c", IGNORES_TERM], stdout=subprocess.PIPE)
    try:
        stubborn.stdout.readline()  # its SIGTERM handler is set
        daemons.record("bench-daemon", stubborn.pid)

        def stop() -> None:
            daemons.stop_recorded("bench-daemon", "Stopping a daemon that ignores SIGTERM")
            stubborn.wait(timeout=5)

        return seconds(stop)
    finally:
        stubborn.kill()
        stubborn.wait()
        stubborn.stdout.close()


def until_gives_up() -> float:
    """TaskRun.until on a state that never settles, with a 0.2 s deadline."""
    lab = find_lab("registry")
    never = TaskRun(lab, lab.task("catalog"), SimpleNamespace(fresh=nullcontext), solving=False)
    return seconds(lambda: never.until(lambda: verdict(False, "settled", "not yet"), seconds=0.2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["DCALAB_STATE"] = tempfile.mkdtemp(prefix="dcalab-bench-")  # the daemon record: never the learner's
    rounds = [timeout_then_five_more() for _ in range(args.repeat)]
    figures = [
        ("a command past its 1 s timeout", [first for first, _ in rounds], "about 1 s"),
        ("five more commands on that node", [later for _, later in rounds], "at once"),
        ("a 5 MB command to a shell that does not read, 1 s timeout", [unread_large_command()
                                                                        for _ in range(args.repeat)], "about 1 s"),
        ("a daemon that ignores SIGTERM, 0.3 s stop timeout", [stubborn_daemon_stopped()
                                                               for _ in range(args.repeat)], "about 0.3 s"),
        ("until() on a state that never settles, 0.2 s deadline", [until_gives_up() for _ in range(args.repeat)],
         f"0.2 s and at most one settle interval ({SETTLE_INTERVAL} s) more"),
    ]
    for name, times, bound in figures:
        print(f"{name}: {statistics.median(times):.2f} s (median of {len(times)}; meant: {bound})")


if __name__ == "__main__":
    main()
