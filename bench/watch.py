"""The cost of one `dcalab watch` cycle on the solved registry lab, on the embedded cluster.

A cycle is what the watch does each second but its sleep: session.again() (the last grade's commands asked
afresh, one round trip per node, on the shells kept open), the grade, and the frame drawn.

    python bench/watch.py [--cycles 20] [--as-is]

By default the lab is started and solved first (about a minute); --as-is watches the cluster as it is.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from dcalab.backends import get_cluster
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import find_lab
from dcalab.labrun import run_lab
from dcalab.session import LabSession
from dcalab.start import start_lab
from dcalab.watch import Watch

TARGET = 0.15  # seconds per cycle, issue 20


def cycles(count: int) -> tuple[float, list[float]]:
    """(the first grade, which opens the shells; each next cycle) in seconds."""
    lab = find_lab("registry")
    session = LabSession(lab, get_cluster("embedded", read_only=True))
    seen = Watch(session, io.StringIO())
    try:
        started = time.monotonic()
        seen.grade()
        first = time.monotonic() - started
        timings = []
        for _ in range(count):
            started = time.monotonic()
            session.again()
            seen.grade()
            seen.frame()
            timings.append(time.monotonic() - started)
            assert seen.all_pass, seen.frame()
    finally:
        session.cluster.reconnect()
    return first, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--as-is", action="store_true", help="watch the cluster as it is (solved already)")
    args = parser.parse_args()
    if not args.as_is:
        lab = find_lab("registry")
        start_lab(EmbeddedCluster(), lab)
        run_lab(lab.folder, "--lab-mode=solve")
    first, timings = cycles(args.cycles)
    print(f"{'figure (registry lab, solved)':<44} {'seconds':>8}")
    print(f"{'first grade (opens a shell per node)':<44} {first:>8.3f}")
    print(f"{f'watch cycle, median of {args.cycles}':<44} {statistics.median(timings):>8.3f}  target <= {TARGET}")
    print(f"{'watch cycle, slowest':<44} {max(timings):>8.3f}")


if __name__ == "__main__":
    main()
