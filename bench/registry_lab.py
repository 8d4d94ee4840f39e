"""Benchmark of the registry lab on the embedded cluster: one solve from the lab's start, one grade of the
solved cluster (median of several), printed beside their targets.

    python bench/registry_lab.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import find_lab
from dcalab.labrun import run_lab
from dcalab.start import start_lab

LAB = Path(__file__).parent.parent / "labs" / "registry"


def timed_lab(*options: str) -> float:
    return run_lab(LAB, *options).wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cluster = EmbeddedCluster()
    start_lab(cluster, find_lab("registry"))
    solve = timed_lab("--lab-mode=solve")
    grades = [timed_lab() for _ in range(args.repeat)]
    print(f"{'figure':<44} {'measured':>9} {'target':>8} {'ratio':>6}")
    print(f"{'solve from the lab start (pytest wall time)':<44} {solve:>7.1f} s {60:>6} s {solve / 60:>6.2f}")
    median = statistics.median(grades)
    print(f"{'grade of the solved lab, median of ' + str(args.repeat):<44} {median:>7.1f} s {'-':>8}")


if __name__ == "__main__":
    main()
