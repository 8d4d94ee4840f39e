"""Grading speed of the registry lab: the persistent-shell transport against one `docker exec` per
command (testinfra's docker backend), on the same warm solved embedded cluster, in the same run.
Also: a grade of the pristine cluster (every task fails), the first grade after the learner changed the state
(the registry container stopped, or started again: the previous grade's plan then asks partly the wrong
commands), grades in-process through the grading API (the second one reusing the open shells), the same nodes
graded over SSH (the ssh backend, as for VMs), and one with a node down.

    python bench/grading.py [--repeat 5]

`grade` is the pytest session's own time (the JSON report's execution_time: collection, the eight
tasks, reports); `wall` adds the interpreter's start, pytest's and the plugin's imports and the exit: the
solved row says how much of its wall that is (outside the session). The runs keep Python's bytecode cache, as
a learner's do: with PYTHONDONTWRITEBYTECODE each run compiles dcalab's modules and rewrites the lab's tests
again (about 0.15 s more wall here), so the bench unsets it for its runs and says so.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from checks.registry_server import wait_answering
from dcalab.backends import get_cluster
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import find_lab
from dcalab.labrun import run_lab
from dcalab.session import LabSession
from dcalab.start import start_lab

LAB = Path(__file__).parent.parent / "labs" / "registry"


def grade(*options: str) -> tuple[float, float, list[str]]:
    """(session seconds, wall seconds, verdicts) of one grade."""
    run = run_lab(LAB, *options)
    return run.report["execution_time"], run.wall, [test["verdict"] for test in run.report["tests"]]


def medians(repeat: int, *options: str) -> tuple[float, float, list[str]]:
    runs = [grade(*options) for _ in range(repeat)]
    assert len({tuple(run[2]) for run in runs}) == 1, "the same cluster graded differently"
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[0][2]


def in_process_grades(repeat: int) -> tuple[float, float]:
    """A grade through dcalab.session in this process, then the next ones on the same open shells."""
    session = LabSession(find_lab("registry"), get_cluster("embedded", read_only=True))
    timings = []
    for _ in range(repeat + 1):
        started = time.monotonic()
        session.again()  # asks the nodes afresh what the last grade asked: one round trip per node
        results = session.run_all()
        timings.append(time.monotonic() - started)
        assert {result.status for result in results.values()} == {"PASS"}
    session.cluster.reconnect()
    return timings[0], statistics.median(timings[1:])


def first_after_change(cluster: EmbeddedCluster, repeat: int) -> tuple[float, float]:
    """Medians of (session, wall) of grades that each follow a change: the registry container stopped, then
    started again, and so on (each change made out of the timing; the lab is left solved)."""
    registry, runs = cluster.host("registry"), []
    for change in ["stop", "start"] * repeat:
        registry.check_output(f"docker {change} registry")
        if change == "start":
            wait_answering(registry, "registry", 5000)
        run = run_lab(LAB)
        runs.append((run.report["execution_time"], run.wall))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def row(name: str, seconds: float, wall: float | None = None, note: str = "") -> None:
    walled = f"{wall:>7.2f} s" if wall is not None else " " * 9
    print(f"{name:<46} {seconds:>7.2f} s {walled}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        print("PYTHONDONTWRITEBYTECODE is unset for these runs: they keep Python's bytecode cache, as a learner's do.")
    cluster = EmbeddedCluster()
    start_lab(cluster, find_lab("registry"))
    print(f"{'figure (median of ' + str(args.repeat) + ')':<46} {'grade':>9} {'wall':>9}")
    pristine = medians(args.repeat)
    row("pristine cluster, shell transport", pristine[0], pristine[1], f"verdicts {sorted(set(pristine[2]))}")
    run_lab(LAB, "--lab-mode=solve")
    fast = medians(args.repeat, "--lab-transport=shell")
    slow = medians(args.repeat, "--lab-transport=exec")
    assert fast[2] == slow[2] == ["PASS"] * 8, (fast[2], slow[2])
    row("solved cluster, (a) shell transport", fast[0], fast[1],
        f"target grade <= 1.5 s, wall <= 0.5 s; {fast[1] - fast[0]:.2f} s outside the session")
    changed = first_after_change(cluster, args.repeat)
    row("solved cluster, first grade after a change", *changed, note="target wall <= 0.6 s; registry stopped or "
        "started before each")
    first, second = in_process_grades(args.repeat)
    row("in-process (grading API): first grade", first, note="opens a shell per node")
    row("in-process: next grade, shells kept open", second, note=f"median of {args.repeat}")
    row("solved cluster, (b) one docker exec per command", slow[0], slow[1])
    print(f"{'ratio (b)/(a)':<46} {slow[0] / fast[0]:>7.1f} x {slow[1] / fast[1]:>7.1f} x  target >= 10x")
    with tempfile.NamedTemporaryFile("w", suffix=".ssh") as config:
        config.write(cluster.ssh_config())
        config.flush()
        over_ssh = medians(args.repeat, "--cluster=ssh", f"--lab-ssh-config={config.name}")
        ssh_slow = medians(args.repeat, "--cluster=ssh", f"--lab-ssh-config={config.name}", "--lab-transport=exec")
    assert over_ssh[2] == ssh_slow[2] == fast[2]
    row("same nodes over SSH, shell transport", over_ssh[0], over_ssh[1])
    row("same nodes over SSH, testinfra ssh:// per command", ssh_slow[0], ssh_slow[1])
    cluster.client.containers.get("dcalab-worker1").stop(timeout=1)
    try:
        down = medians(1)
        row("solved cluster with worker1 stopped", down[0], down[1], f"verdicts {down[2]}")
    finally:
        cluster.up()


if __name__ == "__main__":
    main()
