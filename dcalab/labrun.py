"""Grading or solving a lab in a separate pytest process, as a learner's `pytest labs/<lab>` does,
and reading back its JSON report: the exam, the benchmarks and the project's tests all go through here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LabRun:
    report: dict | None  # the --lab-report-json content, None if pytest wrote none
    output: str  # pytest's own output (stdout and stderr)
    wall: float  # seconds, process start to end

    @property
    def tasks(self) -> dict[str, dict]:
        """Each graded task's report entry, by task id."""
        return {test["task"]: test for test in (self.report or {}).get("tests", [])}


def run_lab(folder: Path, *options: str, history: Path | None = None, timeout: float = 900) -> LabRun:
    """`pytest FOLDER OPTIONS` with a JSON report; its history goes to `history` (a throw-away file by default)."""
    with tempfile.TemporaryDirectory(prefix="dcalab-run-") as scratch:
        report = Path(scratch) / "report.json"
        env = {**os.environ, "DCALAB_HISTORY": str(history or Path(scratch) / "history.sqlite3")}
        command = [sys.executable, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider",
                   f"--lab-report-json={report}", *options]
        started = time.monotonic()
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                                  timeout=timeout, cwd=folder.parent.parent)
            output = (done.stdout + done.stderr).strip()
        except subprocess.TimeoutExpired:
            output = f"the run took longer than {timeout:.0f} s"
        wall = time.monotonic() - started
        return LabRun(json.loads(report.read_text()) if report.exists() else None, output, wall)
