"""`dcalab class` on the real cluster: a roster of the embedded cluster and the same nodes reached over SSH is graded
by one `class grade` with every verdict equal to the single grade, changing nothing; its page read in headless
Chromium; bad entries are one sentence each while the others are graded; `class start` and `class reset` go through
the single-cluster start. (Named clusters side by side, issue 29 item 1, come with their own tests.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import ROOT, changed, fingerprint, run_lab
from tests.pristine import pristine_violations
from tests.test_reports import ARTIFACTS, chromium, headless  # noqa: F401 (chromium is a fixture)
from tests.test_ssh_cluster import ssh_file  # noqa: F401 (a fixture: the embedded nodes' ssh_config)

pytestmark = pytest.mark.engine_wide  # changes what every cluster on the engine shares: run alone (.ci/cluster-session)

UNREACHABLE = "Host *\n  HostName 127.0.0.1\n  Port 1\n  User root\n"  # nothing listens on port 1


def dcalab_class(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dcalab", "class", *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, stdin=subprocess.DEVNULL)


def roster(tmp_path: Path, config: Path, extra: str = "") -> Path:
    path = tmp_path / "class.toml"
    path.write_text(f'lab = "registry"\n[[learners]]\nname = "local"\ncluster = "embedded"\n'
                    f'[[learners]]\nname = "remote"\nssh_config = "{config}"\n{extra}')
    return path


def class_grade(tmp_path: Path, path: Path, *options: str) -> subprocess.CompletedProcess:
    return dcalab_class("grade", "registry", "--roster", str(path), "--out", str(tmp_path / "out"),
                        "--history", str(tmp_path / "class.sqlite3"), *options)


def reported(tmp_path: Path, learner: str) -> dict[str, tuple[str, int]]:
    report = json.loads((tmp_path / "out" / f"{learner}.json").read_text())
    return {test["task"]: (test["verdict"], test["score"]) for test in report["tests"]}


def single_grade() -> dict[str, tuple[str, int]]:
    return {task: (entry["verdict"], entry["score"]) for task, entry in run_lab("grade").items()}


def test_the_embedded_cluster_and_its_nodes_over_ssh_grade_in_one_class_grade_as_alone(
        pristine: EmbeddedCluster, ssh_file: Path, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    path = roster(tmp_path, ssh_file)
    for selection in ("", "swarm_join or daemon_json"):  # the lab's start, then two tasks solved: mixed verdicts
        if selection:
            run_lab("solve", selection)
        alone = single_grade()
        before = fingerprint(pristine)
        done = class_grade(tmp_path, path)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
        now = fingerprint(pristine)
        assert now == before, f"a class grade changed the cluster:\n{changed(before, now)}"
        assert reported(tmp_path, "local") == reported(tmp_path, "remote") == alone
        assert re.search(r"(?m)^local\s+[PFBE] ", done.stdout) and re.search(r"(?m)^remote\s+[PFBE] ", done.stdout)
    assert {verdict for verdict, _ in alone.values()} >= {"PASS", "FAIL"}


def test_bad_entries_are_one_sentence_each_and_the_others_are_graded(
        pristine: EmbeddedCluster, ssh_file: Path, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    (tmp_path / "gone.ssh").write_text(UNREACHABLE)
    path = roster(tmp_path, ssh_file, '[[learners]]\nname = "local"\nssh_config = "gone.ssh"\n'
                                      '[[learners]]\nname = "bad name!"\nssh_config = "gone.ssh"\n'
                                      '[[learners]]\nname = "lost"\nssh_config = "gone.ssh"\nlab = "nolab"\n'
                                      '[[learners]]\nname = "gone"\nssh_config = "gone.ssh"\n')
    alone = single_grade()
    done = class_grade(tmp_path, path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stdout + done.stderr
    for words in ("The roster lists the learner local twice: only the first is graded.",
                  "The learner name 'bad name!' cannot name a container or a file",
                  "The learner lost cannot be graded in the lab 'nolab': There is no lab called 'nolab'.",
                  "The harness cannot reach master (ssh: connect to host 127.0.0.1 port 1"):
        assert done.stdout.count(words) == 1, (words, done.stdout)
    assert reported(tmp_path, "local") == reported(tmp_path, "remote") == alone
    assert {verdict for verdict, _ in reported(tmp_path, "gone").values()} == {"ENV-ERROR"}


def test_the_class_grade_page_in_headless_chromium(
        pristine: EmbeddedCluster, ssh_file: Path, tmp_path: Path, chromium: str) -> None:  # noqa: F811 (fixtures)
    (tmp_path / "gone.ssh").write_text(UNREACHABLE)
    run_lab("solve", "swarm_join")
    page = tmp_path / "class.html"
    done = class_grade(tmp_path, roster(tmp_path, ssh_file, '[[learners]]\nname = "gone"\nssh_config = "gone.ssh"\n'),
                       "--html", str(page), "--hints", "full")
    assert "Traceback" not in done.stderr, done.stderr
    dom = headless(chromium, "--dump-dom", page.as_uri())
    for learner in ("local", "remote"):
        row = re.search(rf'<tr id="learner-{learner}">(.*?)</tr>', dom, re.S).group(1)
        cells = re.findall(r'<td class="([A-Z-]+)" title="([^"]*)"', row)
        assert cells[0][0] == "PASS" and "FAIL" in {status for status, _ in cells}
        assert any("found" in title and "hint:" in title for _, title in cells)  # a failing cell's findings on hover
    assert "pass mark 70 %" in dom and "The harness cannot reach master" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "class-grade-cluster.png"
    headless(chromium, f"--screenshot={shot}", "--window-size=1300,700", page.as_uri())
    assert shot.stat().st_size > 10_000


def test_class_start_and_reset_go_through_the_single_cluster_start(
        pristine: EmbeddedCluster, ssh_file: Path, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    alone = tmp_path / "local.toml"  # the embedded cluster once: its nodes over SSH are the same nodes
    alone.write_text('[[learners]]\nname = "local"\ncluster = "embedded"\n')
    started = dcalab_class("start", "registry", "--roster", str(alone))
    assert started.returncode == 0, started.stdout + started.stderr
    assert "privileged containers" in started.stdout and "Done for 1 of 1 learners." in started.stdout
    assert "local: the lab registry is ready, on nodes made anew" in started.stderr
    assert not pristine_violations(pristine)
    run_lab("solve", "swarm_join or daemon_json")
    reset = dcalab_class("reset", "local", "--roster", str(alone), "--lab", "registry")
    assert reset.returncode == 0 and "local: back at the start of the lab registry" in reset.stderr, reset.stderr
    assert not pristine_violations(pristine)
    stop = dcalab_class("stop", "remote", "--roster", str(roster(tmp_path, ssh_file)))
    assert stop.returncode == 1 and "remote: FAILED, dcalab does not create or remove SSH hosts." in stop.stderr
