"""Two grades the same but for timings and random IDs: a start restored from its snapshot is graded as the replayed
start, before and after a solve. Used by tests/test_start_snapshots.py and .ci/check-the-checkers:

    python -m tests.same_grades REPLAYED.json RESTORED.json   # reports of --lab-report-json; exit 1 when they differ
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def comparable(graded: dict[str, dict]) -> dict[str, dict]:
    """A grade's entries (task -> entry) without timings and random IDs: curl's time to a refused connection ("after
    2 ms") and the ID docker gives what a solve makes (an anonymous volume's name) are in what a check found."""
    return {task: {**entry, "output": re.sub(r"\b[0-9a-f]{64}\b", "ID", re.sub(r"after \d+ ms", "after N ms",
                                                                               entry["output"]))}
            for task, entry in graded.items()}


def differences(first: dict[str, dict], second: dict[str, dict]) -> list[str]:
    """One paragraph per task graded otherwise in `second` than in `first` (timings aside)."""
    first, second = comparable(first), comparable(second)
    return [f"{task}:\n  first:  {first.get(task)}\n  second: {second.get(task)}"
            for task in sorted(set(first) | set(second)) if first.get(task) != second.get(task)]


def _graded(report: Path) -> dict[str, dict]:
    return {entry["task"]: entry for entry in json.loads(report.read_text())["tests"]}


def main(arguments: list[str]) -> int:
    first, second = map(Path, arguments)
    found = differences(_graded(first), _graded(second))
    if found:
        print(f"{second} grades otherwise than {first}:", *found, sep="\n", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
