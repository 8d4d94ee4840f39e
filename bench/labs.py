"""Benchmark of each lab on the embedded cluster: one solve from the lab's start, then grades of the solved
cluster (median of several), printed beside their targets.

    python bench/labs.py [--lab registry --lab orchestration] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import find_lab
from dcalab.labrun import run_lab
from dcalab.start import start_lab

TARGETS = {  # lab -> (solve, grade of the solved lab) in seconds of pytest wall time, from the labs' issues
    "registry": (60.0, None),
    "orchestration": (120.0, 1.5),
    "images-storage": (120.0, 1.5),
    "networking-engine": (120.0, 1.5),
    "registry-secure": (120.0, 1.5),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", action="append", choices=sorted(TARGETS), help="a lab to measure (default: all)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cluster = EmbeddedCluster()
    print(f"{'figure':<52} {'measured':>9} {'target':>8} {'ratio':>6}")
    for name in args.lab or sorted(TARGETS):
        lab = find_lab(name)
        start_lab(cluster, lab)
        solve = run_lab(lab.folder, "--lab-mode=solve").wall
        grade = statistics.median(run_lab(lab.folder).wall for _ in range(args.repeat))
        for figure, measured, target in ((f"{name}: solve from the lab's start", solve, TARGETS[name][0]),
                                         (f"{name}: grade of the solved lab, median of {args.repeat}", grade,
                                          TARGETS[name][1])):
            ratio = f"{measured / target:>6.2f}" if target else f"{'-':>6}"
            shown = f"{target:>6g} s" if target else f"{'-':>8}"
            print(f"{figure:<52} {measured:>7.2f} s {shown} {ratio}")


if __name__ == "__main__":
    main()
