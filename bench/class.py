"""`dcalab class grade` of N learners against their N single grades one after the other, side by side.

    python bench/class.py [--learners 1,2,4,8] [--runs 3] [--roster FILE]

Without --roster, each learner has a named cluster of their own (bench-1 ... bench-N, made by one `dcalab class
start` and each solved; removed at the end), and the bench prints what one learner's cluster costs: its start in
that class start and the memory the machine gave up for it (MemAvailable before and after, divided by N). With
--roster, the first N learners of that roster, as they are. A single grade is `pytest labs/registry` as the
learner (or the trainer for them) runs it; the class grade is one `dcalab class grade` process for all N.
Goal (issue 29): N = 8 graded in under 3 s wall.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import find_lab
from dcalab.labrun import run_lab
from dcalab.roster import EMBEDDED, Learner, read_roster

ROOT = Path(__file__).resolve().parent.parent
GOAL = (8, 3.0)  # learners, seconds


def made_roster(folder: Path, count: int) -> Path:
    """count learners, each on a named cluster of their own."""
    path = folder / "class.toml"
    path.write_text("".join(f'[[learners]]\nname = "bench-{number}"\ncluster_name = "bench-{number}"\n'
                            for number in range(1, count + 1)))
    return path


def available_mib() -> float:
    fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return int(fields["MemAvailable"].split()[0]) / 1024


def made_class(roster: Path) -> tuple[float, float]:
    """`dcalab class start registry` of the roster, then each cluster solved: (seconds of the start, MiB given up
    per cluster, read after the solves)."""
    count, before, began = len(read_roster(roster).learners), available_mib(), time.monotonic()
    done = subprocess.run([sys.executable, "-m", "dcalab", "class", "start", "registry", "--roster", str(roster)],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800)
    seconds = time.monotonic() - began
    assert done.returncode == 0, done.stdout + done.stderr
    for learner in read_roster(roster).learners:
        solved = run_lab(find_lab("registry").folder, "--lab-mode=solve", *single_options(learner))
        assert solved.report is not None, solved.output
    return seconds, (before - available_mib()) / count


def single_options(learner: Learner) -> list[str]:
    """The options of `pytest labs/LAB` that grade this learner's cluster alone."""
    if learner.cluster == EMBEDDED:
        return [f"--cluster-name={learner.cluster_name}"] if learner.cluster_name else []
    return ["--cluster=ssh", f"--lab-ssh-config={learner.ssh_config}"]


def singles(learners: list[Learner]) -> float:
    """Seconds to grade every learner alone, one after the other."""
    lab = find_lab("registry")
    began = time.monotonic()
    for learner in learners:
        graded = run_lab(lab.folder, *single_options(learner))
        assert graded.report is not None, graded.output
    return time.monotonic() - began


def class_grade(roster: Path, folder: Path) -> float:
    """Seconds for one `dcalab class grade registry` of the whole roster."""
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "dcalab", "class", "grade", "registry", "--roster", str(roster),
                           "--out", str(folder / "out"), "--history", str(folder / "class.sqlite3")],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    seconds = time.monotonic() - began
    assert done.returncode == 0, done.stdout + done.stderr  # every learner graded
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", default="1,2,4,8", help="the class sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, the median printed")
    parser.add_argument("--roster", type=Path, help="the first N learners of this roster (default: see above)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.learners.split(",")]
    scratch = Path(tempfile.mkdtemp(prefix="dcalab-bench-class-"))  # kept: the class's reports, to look at
    made = None if args.roster else made_roster(scratch, max(sizes))
    if made is not None:
        seconds, memory = made_class(made)
        print(f"{max(sizes)} named clusters: one class start in {seconds:.1f} s ({seconds / max(sizes):.1f} s per "
              f"learner); {memory:.0f} MiB of memory per learner's cluster, solved\n")
    print(f"{'learners':>8}  {'class grade':>11}  {'single grades':>13}  {'faster':>6}")
    try:
        for size in sizes:
            roster = scratch / f"class-{size}.toml"
            learners = list(read_roster(args.roster or made).learners[:size])
            roster.write_text("".join(f'[[learners]]\nname = "{learner.name}"\n' + (
                f'ssh_config = "{learner.ssh_config}"\n' if learner.ssh_config else
                f'cluster_name = "{learner.cluster_name}"\n' if learner.cluster_name else "")
                for learner in learners))
            together = statistics.median(class_grade(roster, scratch) for _ in range(args.runs))
            alone = statistics.median(singles(learners) for _ in range(args.runs))
            print(f"{size:>8}  {together:>9.2f} s  {alone:>11.2f} s  {alone / together:>5.1f}x", flush=True)
            if size == GOAL[0]:
                print(f"{'':>8}  goal: {GOAL[0]} learners under {GOAL[1]:g} s: "
                      f"{'met' if together < GOAL[1] else 'not met'}")
    finally:
        if made is not None:
            for learner in read_roster(made).learners:
                EmbeddedCluster(cluster_name=learner.cluster_name).down()


if __name__ == "__main__":
    main()
