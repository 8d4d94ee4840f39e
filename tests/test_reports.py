"""Reports a learner trusts: the results.json shape, the HTML page (escaped, read in Chromium), the history of
attempts and its page, and ENV-ERROR kept apart from the learner's mistakes on the real cluster."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from checks import verdict
from dcalab import cli, history
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.grading import BLOCKED, TaskResult, grade_task
from dcalab.lab import NO_HINTS, load_lab
from dcalab.report import render_html, results_json
from tests.labrun import LAB, ROOT, run_lab
from tests.test_history import WARNING, graded
from tests.test_new_lab import LAB_TOML, make_lab
from tests.test_registry_contents import ALPINE_DIGEST, HOSTILE, fake_contents

ARTIFACTS = ROOT / "test-artifacts"


def sample_results() -> dict[str, TaskResult]:
    lab = load_lab(LAB)
    swarm = grade_task(lab.task("swarm-join"), {
        "registry-joined": verdict(True, "registry Ready", "Ready"),
        "joined-as-worker": verdict(False, "a worker", "a manager"),
        "four-ready": verdict(True, "4 Ready", "4 Ready"),
    }, notes=[])
    daemon = grade_task(lab.task("daemon-json"), {
        "valid-json": {"master": verdict(True, "valid", "valid")},
        "lists-registry": {"master": verdict(False, "lists it", '"insecure-registries" is ["<script>x</script>"]')},
        "daemon-loaded": {"master": verdict(False, "loaded", "docker info lists no insecure registry")},
    }, notes=[])
    blocked = TaskResult(lab.task("push-alpine"), BLOCKED, reason="Blocked: it needs task daemon-json.")
    return {"swarm-join": swarm, "daemon-json": daemon, "push-alpine": blocked}


def assert_gradescope_shape(report: dict) -> None:
    assert isinstance(report["score"], int | float) and isinstance(report["max_score"], int | float)
    assert report["tests"], "a report with no tests"
    for test in report["tests"]:
        assert {"name", "score", "max_score", "status", "output"} <= set(test)
        assert test["status"] in ("passed", "failed") and 0 <= test["score"] <= test["max_score"]
    assert report["score"] == sum(test["score"] for test in report["tests"])


def test_results_json_has_gradescope_shape_and_partial_credit() -> None:
    report = results_json(load_lab(LAB), sample_results())
    assert_gradescope_shape(report)
    assert [test["score"] for test in report["tests"]] == [3, 1, 0]
    assert report["max_score"] == 4 + 5 + 4


def test_html_escapes_the_learners_text_and_hides_hints_on_request() -> None:
    page = render_html(load_lab(LAB), sample_results(), "grade", "embedded")
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "Hint:" in page and "4/13 points" in page
    assert "Hint:" not in render_html(load_lab(LAB), sample_results(), "grade", "embedded", hints=NO_HINTS)


def make_labs(pytester) -> None:
    """Two toy labs (no node to ask): toy, and toy2 with the same tasks."""
    make_lab(pytester)
    second = pytester.mkdir("toy2")
    (second / "lab.toml").write_text(LAB_TOML.replace('id = "toy"', 'id = "toy2"', 1))
    for module in (pytester.path / "toy").glob("test_*.py"):
        (second / module.name.replace("test_", "test_toy2_", 1)).write_text(module.read_text())


def test_labs_graded_together_each_get_their_own_report_and_history_row(pytester, tmp_path: Path) -> None:
    path, out = tmp_path / "history.sqlite3", tmp_path / "out"
    out.mkdir()
    make_labs(pytester)
    result = pytester.runpytest_subprocess("toy", "toy2", "-p", "no:cacheprovider", f"--lab-history={path}",
                                           f"--lab-report-json={out / 'r.json'}", f"--lab-report-html={out / 'r.html'}")
    assert sorted(file.name for file in out.iterdir()) == ["r-toy.html", "r-toy.json", "r-toy2.html", "r-toy2.json"]
    for lab in ("toy", "toy2"):
        assert json.loads((out / f"r-{lab}.json").read_text())["lab"] == lab
        assert f"Lab {lab}, grade" in (out / f"r-{lab}.html").read_text()
    assert [run.subject for run in history.runs(path=path)] == ["toy", "toy2"]
    assert WARNING not in result.stdout.str() + result.stderr.str()
    one = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", f"--lab-history={path}",
                                        f"--lab-report-json={out / 'one.json'}")
    assert json.loads((out / "one.json").read_text())["lab"] == "toy", one.stdout.str()  # one lab: the path as given


def test_a_report_that_cannot_be_written_is_one_warning_and_every_labs_history_row_is_kept(pytester,
                                                                                            tmp_path: Path) -> None:
    path, out = tmp_path / "history.sqlite3", tmp_path / "out"
    make_labs(pytester)
    result = pytester.runpytest_subprocess("toy", "toy2", "-p", "no:cacheprovider", f"--lab-history={path}",
                                           f"--lab-report-json={out / 'r.json'}")  # out/ does not exist
    output = f"{result.stdout.str()}\n{result.stderr.str()}"
    assert "INTERNALERROR" not in output and "Traceback" not in output, output
    assert [line for line in output.splitlines() if WARNING in line] == [
        f"{WARNING}the report {out / f'r-{lab}.json'} is not written. The folder {out} does not exist, so "
        f"{out / f'r-{lab}.json'} cannot be written. Create it first: mkdir -p {out}" for lab in ("toy", "toy2")]
    assert [run.subject for run in history.runs(path=path)] == ["toy", "toy2"]
    folder = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", f"--lab-history={path}",
                                           f"--lab-report-html={tmp_path}", f"--lab-report-json={tmp_path / 'r.json'}")
    output = f"{folder.stdout.str()}\n{folder.stderr.str()}"
    assert [line for line in output.splitlines() if WARNING in line] == [
        f"{WARNING}the report {tmp_path} is not written. {tmp_path} is a folder, so the page cannot be written there. "
        f"Name a file in it: {tmp_path / 'report.html'}"], output
    assert json.loads((tmp_path / "r.json").read_text())["lab"] == "toy"  # the other report is still written
    assert [run.subject for run in history.runs(path=path)] == ["toy", "toy2", "toy"]


@pytest.mark.parametrize("command", ["review", "history"])
@pytest.mark.parametrize("where", ["missing-folder", "a-folder"])
def test_an_html_page_that_cannot_be_written_is_one_dcalab_line(tmp_path: Path, command: str, where: str) -> None:
    path = tmp_path / "history.sqlite3"
    answer = {"kind": "mcq", "stem": "Which?", "options": [{"text": "this", "correct": True, "answer": "chosen"}],
              "explanation": "Because.", "source": "https://docs.docker.com/"}
    history.record_run("quiz", "quiz", "done", "-", [history.Item("net-001", "correct", 1, 1, "Networking", "o",
                                                                  answer)], path)
    page = tmp_path / "nonexistent" / "r.html" if where == "missing-folder" else tmp_path
    done = subprocess.run([sys.executable, "-m", "dcalab", command, "--html", str(page)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, env={"DCALAB_HISTORY": str(path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    said = {"missing-folder": [f"dcalab: The folder {page.parent} does not exist, so {page} cannot be written.",
                               f"  Create it first: mkdir -p {page.parent}"],
            "a-folder": [f"dcalab: {page} is a folder, so the page cannot be written there.",
                         f"  Name a file in it: {page / 'report.html'}"]}
    assert done.stderr.splitlines() == said[where]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium")
    if not found:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return found


def headless(chromium: str, *args: str) -> str:
    """Chromium's output for `args`, in a profile of its own: a Chromium started while another runs on the same
    profile hands its work to that one and prints nothing (seen when two test runs met)."""
    with tempfile.TemporaryDirectory(prefix="dcalab-chromium-") as profile:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]
        return subprocess.run([chromium, *flags, *args], capture_output=True, text=True, timeout=120).stdout


def test_the_history_page_charts_each_labs_whole_grades_and_grids_its_tasks_run_by_run(
        chromium: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, page = tmp_path / "history.sqlite3", tmp_path / "history.html"
    graded(path, 0)
    graded(path, 9, max_score=9, mode="solve")  # two tasks solved with -k: in the grid, not in the chart
    graded(path, 30)
    graded(path, 28, mode="watch", best=30)
    gone = history.Item("<img src=x onerror=alert(1)>", "FAIL", 0, 30, "Orchestration", "o")  # a task since removed
    history.record_run("lab", "registry", "grade", "embedded", [gone], path)
    history.record_run("quiz", "quiz", "done", "-", [history.Item("net-001", "wrong", 0, 1, "Networking", "o")], path)
    monkeypatch.setenv("DCALAB_HISTORY", str(path))
    assert cli.main(["history", "--html", str(page)]) == 0
    html = page.read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html and "<script" not in html

    def cells(task: str) -> list[str]:
        row = re.search(rf'<th class="task">{re.escape(task)}</th>(.*?)</tr>', html, re.S).group(1)
        return re.findall(r'<td class="([A-Z-]+|none)"', row)

    assert cells("swarm-join") == ["FAIL", "PASS", "PASS", "PASS", "none"]
    assert cells("daemon-json") == ["FAIL", "PASS", "PASS", "FAIL", "none"]
    assert cells("cross-node-pull") == ["none"] * 5  # a task of the lab never graded
    assert cells("&lt;img src=x onerror=alert(1)&gt;") == ["none"] * 4 + ["FAIL"]
    assert len(re.findall(r"<circle cx", html)) == 4  # the four grades of the whole lab
    runs = re.search(r"Runs, newest first</h3>(.*?)</table>", html, re.S).group(1)
    assert re.findall(r"<tr><td>(\d+)</td>", runs) == ["5", "4", "3", "2", "1"]
    assert "from " in runs and "best 30" in runs

    dom = headless(chromium, "--dump-dom", page.as_uri())
    assert "Best 30/30, last 0/30" in dom and "Quizzes and exams, newest first" in dom
    domains = re.search(r'<section id="readiness">(.*?)</section>', dom, re.S).group(1)
    assert "Readiness per DCA domain, day by day" in domains and domains.count("no attempts yet") == 3
    rows = dict(re.findall(r'<th class="domain">([^<]+)</th>(.*?)</tr>', domains, re.S))
    assert [title for title, row in rows.items() if "<svg" in row] == [
        "Orchestration", "Installation and Configuration", "Networking"]
    assert re.findall(r'<circle class="day"', domains) and "0 % (0/1 points)" in domains  # the quiz: net-001 wrong
    ARTIFACTS.mkdir(exist_ok=True)
    headless(chromium, f"--screenshot={ARTIFACTS / 'history-page.png'}", "--window-size=1100,1300", page.as_uri())
    assert (ARTIFACTS / "history-page.png").stat().st_size > 10_000


def test_the_report_shows_the_registry_as_a_learner_would_browse_it(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(load_lab(LAB), sample_results(), "grade", "embedded", registry=fake_contents()))
    dom = headless(chromium, "--dump-dom", page.as_uri())
    section = re.search(r'<section class="card" id="registry-contents">(.*?)</section>', dom, re.S).group(1)
    assert "Registry contents: registry.docker-dca.example:5000" in section
    assert "registry:2 has no web interface" in section
    assert "curl -s http://registry.docker-dca.example:5000/v2/_catalog" in section
    alpine = re.search(r"<tr>\s*<td>alpine</td>(.*?)</tr>", section, re.S).group(1)
    assert "<td>latest</td>" in alpine and "1.1 MB" in alpine
    assert f'<code title="{ALPINE_DIGEST}">{ALPINE_DIGEST[:19]}</code>' in alpine
    assert "its tags could not be listed: HTTP 404: not found" in section  # traefik
    assert HOSTILE not in section and "&lt;img src=x onerror=alert(1)&gt;" in section
    ARTIFACTS.mkdir(exist_ok=True)
    headless(chromium, f"--screenshot={ARTIFACTS / 'registry-contents.png'}", "--window-size=1200,1500", page.as_uri())
    assert (ARTIFACTS / "registry-contents.png").stat().st_size > 10_000


def test_lab_grade_reports_env_error_apart_from_mistakes(pristine: EmbeddedCluster, chromium: str, tmp_path) -> None:
    history = tmp_path / "history.sqlite3"
    run_lab("grade", history=history)
    run_lab("solve", "daemon_json or registry_running", history=history)
    pristine.client.containers.get("dcalab-worker2").stop(timeout=1)
    html = tmp_path / "report.html"
    graded = run_lab("grade", "", f"--lab-report-html={html}", history=history)
    assert graded["daemon-json"]["verdict"] == "ENV-ERROR"  # needs worker2, which is down
    assert "cannot reach worker2" in graded["daemon-json"]["output"] and "dcalab cluster up" in graded[
        "daemon-json"]["output"]
    assert graded["registry-running"]["verdict"] == "PASS"  # other nodes are still graded
    assert graded["swarm-join"]["verdict"] == "ENV-ERROR"  # it reads each node's own swarm state, worker2's too
    hinted = next(line.split("hint: ", 1)[1] for entry in graded.values() for line in entry["output"].splitlines()
                  if "hint: " in line)

    dom = headless(chromium, "--dump-dom", html.as_uri())
    assert "/30 points" in dom and "registry-running" in dom
    assert f"Hint: {hinted[:40]}" in dom
    assert "Registry contents: registry.docker-dca.example:5000" in dom  # read from master, whatever it holds
    ARTIFACTS.mkdir(exist_ok=True)
    headless(chromium, f"--screenshot={ARTIFACTS / 'registry-report.png'}", "--window-size=1200,1600", html.as_uri())
    assert (ARTIFACTS / "registry-report.png").stat().st_size > 10_000

    shown = subprocess.run([sys.executable, "-m", "dcalab", "history", "--lab", "registry"], capture_output=True,
                           text=True, env={"DCALAB_HISTORY": str(history), "PATH": "/usr/bin:/bin"}, cwd=ROOT)
    lines = shown.stdout.splitlines()
    assert sum(line.split()[3:5] == ["lab", "registry"] for line in lines) == 3, shown.stdout
    registry_running = next(line for line in lines if line.strip().startswith("registry-running"))
    assert "0/5 FAIL" not in registry_running and "5/5 PASS" in registry_running  # progress: last is a pass
    assert Path(history).exists()
