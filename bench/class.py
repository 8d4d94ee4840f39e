"""`dcalab class grade` of N learners against their N single grades one after the other, side by side.

    python bench/class.py [--learners 1,2,4,8] [--runs 3] [--roster FILE] [--as-is]

Without --roster, learner 1 is the embedded cluster and every other learner the same embedded nodes reached over
SSH (`dcalab cluster ssh-config`): N learners' grades on one machine's nodes, until named clusters give each learner
nodes of their own. With --roster, the first N learners of that roster. A single grade is `pytest labs/registry` as
the learner (or the trainer for them) runs it; the class grade is one `dcalab class grade` process for all N. By
default the registry lab is started and solved first (about a minute); --as-is grades the cluster as it is.
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
from dcalab.start import start_lab

ROOT = Path(__file__).resolve().parent.parent
GOAL = (8, 3.0)  # learners, seconds


def made_roster(folder: Path, count: int) -> Path:
    """The embedded cluster, and count - 1 learners on its nodes over SSH."""
    config = folder / "nodes.ssh"
    config.write_text(EmbeddedCluster().ssh_config())
    entries = ['[[learners]]\nname = "learner1"\ncluster = "embedded"\n']
    entries += [f'[[learners]]\nname = "learner{number}"\nssh_config = "{config}"\n' for number in range(2, count + 1)]
    path = folder / "class.toml"
    path.write_text("".join(entries))
    return path


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
    parser.add_argument("--as-is", action="store_true", help="grade the cluster as it is (solved already)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.learners.split(",")]
    if not args.as_is:
        lab = find_lab("registry")
        start_lab(EmbeddedCluster(), lab)
        run_lab(lab.folder, "--lab-mode=solve")
    print(f"{'learners':>8}  {'class grade':>11}  {'single grades':>13}  {'faster':>6}")
    with tempfile.TemporaryDirectory(prefix="dcalab-bench-class-") as scratch:
        folder = Path(scratch)
        for size in sizes:
            if args.roster:
                learners = list(read_roster(args.roster).learners[:size])
                roster = folder / "class.toml"
                roster.write_text("".join(f'[[learners]]\nname = "{learner.name}"\n' + (
                    f'ssh_config = "{learner.ssh_config}"\n' if learner.ssh_config else
                    f'cluster_name = "{learner.cluster_name}"\n' if learner.cluster_name else "")
                    for learner in learners))
            else:
                roster = made_roster(folder, size)
                learners = list(read_roster(roster).learners)
            together = statistics.median(class_grade(roster, folder) for _ in range(args.runs))
            alone = statistics.median(singles(learners) for _ in range(args.runs))
            print(f"{size:>8}  {together:>9.2f} s  {alone:>11.2f} s  {alone / together:>5.1f}x", flush=True)
            if size == GOAL[0]:
                print(f"{'':>8}  goal: {GOAL[0]} learners under {GOAL[1]:g} s: "
                      f"{'met' if together < GOAL[1] else 'not met'}")


if __name__ == "__main__":
    main()
