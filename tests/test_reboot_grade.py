"""The grade after a reboot (pytest LAB --lab-reboot): the nodes the lab reads are restarted and waited for, then
graded; what does not survive a reboot fails, and every FAIL and BLOCKED says the nodes were restarted."""

from __future__ import annotations

import json
import shlex
from dataclasses import replace
from pathlib import Path

import pytest

from checks import retried
from dcalab import history, labrun
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.reboot import restart_and_wait
from dcalab.errors import DcalabError
from dcalab.grading import AFTER_REBOOT, BLOCKED, ENV_ERROR, FAIL, PASS, REBOOT_MODE, grade_task
from dcalab.lab import CONCEPT, NO_HINTS, find_lab
from dcalab.report import results_json
from dcalab.topology import topology
from tests.labrun import ROOT, check_lines, run_lab, sh
from tests.test_new_lab import make_lab

REGISTRY = ROOT / "labs" / "registry"

UNSAID = """
from checks import verdict
TASK = "say"
def test_say(task):
    task.grade({"said": verdict(False, "hello", "nothing said")})
"""


# -- off the cluster --------------------------------------------------------------------------------------------
def test_a_fail_or_blocked_after_a_reboot_says_so_once_in_its_hint_and_output() -> None:
    lab = find_lab("registry")
    task = lab.task("registry-running")
    failed = grade_task(task, {check.id: _verdict(check.id != "running") for check in task.checks}, [])
    assert failed.status == FAIL and AFTER_REBOOT not in failed.describe()  # a plain grade does not say it
    rebooted = replace(failed, rebooted=True)
    assert rebooted.hint_at(CONCEPT).endswith(AFTER_REBOOT) and rebooted.hint_at(CONCEPT).count(AFTER_REBOOT) == 1
    assert rebooted.describe().count(AFTER_REBOOT) == 1
    assert rebooted.describe(NO_HINTS).count(AFTER_REBOOT) == 1  # why it may fail now, even without hints
    blocked = replace(rebooted, status=BLOCKED, reason="Blocked: it needs task daemon-json, which is FAIL.")
    assert blocked.hint_at(CONCEPT) == f"{blocked.reason} {AFTER_REBOOT}"
    for status in (PASS, ENV_ERROR):  # a pass needs no excuse; a node the harness cannot reach is not the learner's
        assert AFTER_REBOOT not in replace(rebooted, status=status, checks=[]).describe()
    assert results_json(lab, {task.id: rebooted})["mode"] == REBOOT_MODE
    assert "mode" not in results_json(lab, {task.id: failed})


def _verdict(passed: bool):
    from checks import verdict

    return verdict(passed, "it", "it" if passed else "not it")


def test_only_a_grade_after_a_reboot_may_restart_nodes() -> None:
    """A watch's or a class's read-only grade makes its cluster without `restarts`: restarting is refused there."""
    with pytest.raises(DcalabError, match="--lab-reboot"):
        EmbeddedCluster(read_only=True).restart_nodes(["master"])


def test_lab_reboot_is_refused_with_a_solve_and_recorded_in_every_report(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    monkeypatch.delenv("DCALAB_CLUSTER", raising=False)
    make_lab(pytester, test_01_say=UNSAID)
    refused = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", "--lab-reboot", "--lab-mode=solve")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    assert "--lab-reboot restarts the nodes before a grade, not a solve" in refused.stderr.str()

    report, junit, page = tmp_path / "report.json", tmp_path / "junit.xml", tmp_path / "report.html"
    graded = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", "--lab-reboot", "-k", "say",
                                           f"--lab-report-json={report}", f"--junitxml={junit}",
                                           f"--lab-report-html={page}")
    graded.assert_outcomes(failed=1)
    assert "lab toy: A toy lab (reboot)" in graded.stdout.str()
    assert "--lab-reboot: this grade first restarts" not in graded.stdout.str()  # it reads no node: none restarted
    said = json.loads(report.read_text())
    assert said["mode"] == REBOOT_MODE and AFTER_REBOOT in said["tests"][0]["output"]
    assert 'name="dcalab_mode" value="reboot"' in junit.read_text()
    assert "grade after restarting the nodes" in page.read_text() and "what you set up must survive" in page.read_text()
    assert [run.mode for run in history.runs("toy", tmp_path / "history.sqlite3")] == [REBOOT_MODE]


# -- on the cluster ---------------------------------------------------------------------------------------------
def test_after_solve_a_reboot_grade_passes_and_a_container_without_restart_policy_fails(
        pristine: EmbeddedCluster, tmp_path: Path) -> None:
    solved = run_lab("solve", lab=REGISTRY)
    assert {task["verdict"] for task in solved.values()} == {PASS}
    # only the registry node is read by this task, so only it is restarted
    graded = run_lab("grade", "registry_running", "--lab-reboot", history=tmp_path / "history.sqlite3")
    assert graded["registry-running"]["verdict"] == PASS, graded["registry-running"]["output"]
    assert [run.mode for run in history.runs("registry", tmp_path / "history.sqlite3")] == [REBOOT_MODE]

    sh(pristine, "registry", "docker update --restart=no registry")  # the same container, no restart policy
    after = run_lab("grade", "registry_running", "--lab-reboot")["registry-running"]
    assert after["verdict"] == FAIL, after["output"]
    assert "registry is exited" in check_lines(after["output"], "running")
    assert "restart policy: no" in after["output"] and AFTER_REBOOT in after["output"]


def test_an_ssh_host_that_is_a_container_is_not_rebooted_but_refused(embedded: EmbeddedCluster, tmp_path,
                                                                      monkeypatch) -> None:
    """`systemctl reboot` in a node container (the embedded nodes over SSH) would stop it for good."""
    embedded.host("registry").check_output(retried("systemctl is-active -q ssh", 120, pause=0.5))
    config = tmp_path / "lab.ssh"
    config.write_text(embedded.ssh_config())
    monkeypatch.delenv("DCALAB_CLUSTER", raising=False)  # SSH hosts have no named clusters: the config names them
    run = labrun.run_lab(REGISTRY, "-k", "registry_running", "--cluster=ssh", f"--lab-ssh-config={config}",
                         "--lab-reboot")
    assert "ENV-ERROR: the nodes could not be restarted: The node registry is a docker container" in run.output
    assert "--cluster embedded" in run.output and "Traceback" not in run.output
    assert embedded.host("registry").run("systemctl is-system-running").stdout.strip() == "running"


class ScriptedNodes:
    """A stand-in cluster for the reboot's wait: each node's shell prints its fixed answer to BOOTED (a fake host for
    the waiting logic alone; the real restart is tested on the cluster above). Counts how often each was asked."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers, self.asked, self.restarted = answers, dict.fromkeys(answers, 0), []
        self.topology = topology()

    def pipe_command(self, node: str) -> list[str]:
        self.asked[node] += 1
        return ["sh", "-c", f"cat >/dev/null; printf '%s' {shlex.quote(self.answers[node])}"]

    def restart_node(self, node: str, deadline: float) -> None:
        self.restarted.append(node)

    def reconnect(self) -> None:
        pass


def test_the_reboot_does_not_wait_for_workers_whose_managers_are_all_locked() -> None:
    nodes = ScriptedNodes({"master": "running\nlocked  false", **dict.fromkeys(
        ("worker1", "worker2", "registry"), "running\npending abc false")})
    restart_and_wait(nodes, ["master", "worker1", "registry"], timeout=60)
    assert sorted(nodes.restarted) == ["master", "registry", "worker1"]
    assert nodes.asked == {"master": 2, "worker1": 2, "worker2": 1, "registry": 2}  # before, and once after


def test_the_reboot_waits_for_a_pending_worker_of_an_active_manager_but_not_forever() -> None:
    nodes = ScriptedNodes({"master": "running\nactive m1 true", "worker1": "running\npending w1 false",
                           "worker2": "running\nactive w2 false", "registry": "degraded\n"})
    restart_and_wait(nodes, ["worker1", "registry"], timeout=1.5)  # worker1 never settles: the deadline ends it
    assert nodes.asked["worker1"] > 2 and nodes.asked["registry"] == 2  # registry booted, its docker stays down
