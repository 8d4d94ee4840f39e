"""The prefetch plan, a state file: one that cannot be trusted is ignored, and it is written whole."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from dcalab import grade_plan, plugin, settings
from dcalab.grade_plan import load_plan, plan_file, save_plan
from dcalab.labrun import run_lab
from dcalab.topology import topology
from tests.labrun import LAB
from tests.test_new_lab import make_lab

PLAN = {"master": ["docker info", "cat /etc/docker/daemon.json"], "registry": []}


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path / "state"))
    return tmp_path / "state"


def test_a_plan_is_kept_per_lab_cluster_and_user() -> None:
    paths = {plan_file("embedded", ["registry"], ""), plan_file("ssh", ["registry"], ""),
             plan_file("embedded", ["swarm"], ""), plan_file("embedded", ["registry", "swarm"], ""),
             plan_file("embedded", ["registry"], "learner")}
    assert len(paths) == 5
    assert plan_file("embedded", ["swarm", "registry"], "") == plan_file("embedded", ["registry", "swarm"], "")


def test_a_saved_plan_loads_as_it_was() -> None:
    path = plan_file("embedded", ["registry"], "")
    save_plan(path, PLAN)
    assert load_plan(path) == PLAN
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]  # no temporary file is left


@pytest.mark.parametrize("text", ["", json.dumps(PLAN)[:30], "[]", '"master"', '{"master": "docker info"}',
                                  '{"master": [1]}', '{"worker9": ["docker info"]}', "\udcff"])
def test_a_plan_that_cannot_be_trusted_is_ignored(text: str) -> None:
    path = plan_file("embedded", ["registry"], "")
    path.write_bytes(text.encode(errors="surrogateescape"))
    assert load_plan(path) == {}


def test_a_missing_plan_is_empty() -> None:
    assert load_plan(plan_file("embedded", ["registry"], "")) == {}


def test_a_write_that_fails_midway_leaves_the_last_plan_whole(monkeypatch) -> None:
    path = plan_file("embedded", ["registry"], "")
    save_plan(path, PLAN)

    def crash(descriptor: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(settings.os, "fsync", crash)
    save_plan(path, {"master": ["true"] * 1000})  # costs only the shortcut: no error
    assert load_plan(path) == PLAN
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]


def test_a_corrupt_plan_does_not_stop_a_grade(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    make_lab(pytester)
    plan_file("embedded", ["toy"], "").write_text('{"master": ["docker in')
    result = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)  # as without a plan: `say` passes, `break` is a grader defect
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


class PlanningCluster:
    """A cluster as the plugin sees it after a grade whose commands went to a node."""

    name = identity = "stub"
    cluster_name = ""
    user, topology = "", topology()

    def prefetch(self, plan: dict[str, list[str]]) -> None:
        pass

    def asked(self) -> dict[str, list[str]]:
        return {"master": ["true"]}


def test_a_plan_that_cannot_be_saved_costs_only_the_shortcut(pytester, tmp_path, monkeypatch) -> None:
    def disk_full(path, text, mode=0o600) -> None:
        raise OSError("No space left on device")

    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    monkeypatch.setattr(plugin, "get_cluster", lambda name, **options: PlanningCluster())
    monkeypatch.setattr(grade_plan, "write_whole", disk_full)
    make_lab(pytester)
    pytester.runpytest_inprocess("toy", "-p", "no:cacheprovider").assert_outcomes(passed=1, failed=1)


@pytest.mark.parametrize("unusable", ["group-writable-state", "read-only-home"])
def test_without_a_state_folder_a_grade_goes_on_without_its_plan_after_one_warning(pytester, tmp_path, monkeypatch,
                                                                                 unusable: str) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    if unusable == "group-writable-state":
        (tmp_path / "shared").mkdir(mode=0o775)
        (tmp_path / "shared").chmod(0o775)
        monkeypatch.setenv("DCALAB_STATE", str(tmp_path / "shared"))
        said = f"The state folder {tmp_path / 'shared'} is writable by other users (mode 775)"
    else:
        monkeypatch.delenv("DCALAB_STATE")
        monkeypatch.delenv("XDG_STATE_HOME", raising=False)
        monkeypatch.setenv("HOME", "/proc/self")  # nothing can be made there, not even by root
        said = "/proc/self/.local"
    make_lab(pytester)
    result = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    output = f"{result.stdout.str()}\n{result.stderr.str()}"
    assert "INTERNALERROR" not in output and "Traceback" not in output, output
    warnings = [line for line in output.splitlines() if "dcalab: warning:" in line]
    assert len(warnings) == 1 and "without the last grade's plan" in warnings[0] and said in warnings[0], output


def test_a_shell_that_cannot_start_is_env_error_naming_the_program_in_every_grade(tmp_path, monkeypatch) -> None:
    """--cluster ssh without openssh-client: the second grade replays the first one's plan, and is graded too."""
    config = tmp_path / "lab.ssh"
    config.write_text("".join(f"Host {node.name}\n  HostName 192.0.2.1\n" for node in topology().nodes))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no ssh on it
    for _ in range(2):
        run = run_lab(LAB, "--cluster", "ssh", "--lab-ssh-config", str(config))
        assert "Traceback" not in run.output and run.report is not None, run.output
        assert {entry["verdict"] for entry in run.tasks.values()} == {"ENV-ERROR"}
        assert all("it needs the program ssh, which cannot be started here" in entry["output"]
                   for entry in run.tasks.values()), run.output


class EarlyCluster(PlanningCluster):
    """Records each prefetch: its plan, and whether pytest had finished collecting by then."""

    calls: ClassVar[list[tuple[dict, bool]]] = []

    def prefetch(self, plan: dict[str, list[str]]) -> None:
        EarlyCluster.calls.append((plan, Collection.finished))


class Collection:
    finished = False

    @staticmethod
    def pytest_collection_finish(session) -> None:
        Collection.finished = True


@pytest.mark.parametrize("argument", ["toy", "toy/test_01_say.py::test_say"])
def test_a_grade_asks_its_plan_while_pytest_collects(pytester, tmp_path, monkeypatch, argument: str) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    monkeypatch.setattr(plugin, "get_cluster", lambda name, **options: EarlyCluster())
    monkeypatch.setattr(EarlyCluster, "calls", [])
    monkeypatch.setattr(Collection, "finished", False)
    make_lab(pytester, test_03_slow="import time\n\ntime.sleep(0.5)  # a collection that takes a while\n")
    save_plan(plan_file("stub", ["toy"], ""), PLAN)
    pytester.runpytest_inprocess(argument, "-p", "no:cacheprovider", plugins=[Collection])
    assert EarlyCluster.calls == [(PLAN, False)]  # begun before collection ended, and only once


def test_collecting_only_asks_no_node(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(plugin, "get_cluster", lambda name, **options: EarlyCluster())
    monkeypatch.setattr(EarlyCluster, "calls", [])
    make_lab(pytester)
    save_plan(plan_file("stub", ["toy"], ""), PLAN)
    pytester.runpytest_inprocess("toy", "--collect-only", "-p", "no:cacheprovider")
    assert EarlyCluster.calls == []
