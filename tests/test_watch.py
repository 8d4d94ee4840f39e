"""`dcalab watch`: the lab graded again and again through the grading API, shown as tasks turn PASS.

Without a cluster, the nodes answer as grades recorded on the real one (tests/replay.py): in this process, and
through the real CLI in a pseudo-terminal (tests/watch_replay.py), where the test moves the recorded state
while the watch runs. The last test watches the real cluster while it solves the registry lab task by task.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from dcalab import history
from dcalab import watch as watch_module
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import lab_names
from dcalab.session import LabSession
from dcalab.watch import HIDE_CURSOR, REDRAW, SHOW_CURSOR, watch
from tests import terminal
from tests.labrun import run_lab
from tests.pristine import REGISTRY_LAB
from tests.replay import AWAY, ReplayCluster, mix

ROOT = Path(__file__).resolve().parent.parent
PASS_IN_GREEN = "\x1b[32m\x1b[1mPASS"  # pytest's markup for green and bold, as the grade's own table
# A learner's way through the registry lab, as recorded states: the registry container on the wrong port, then
# everything but worker2 (whose daemon.json is not written yet), then all of it.
PROGRESS = [("start", {}), ("mistakes", {}), ("solved", {"worker2": "start"}), ("solved", {})]


class ScriptedCluster(ReplayCluster):
    """Answers as each state in turn, one state per grade; the learner presses Ctrl-C after the last one."""

    def __init__(self, *states: tuple[str, dict[str, str]]) -> None:
        self.states, self.calls = list(states), []
        super().__init__(self._next())

    def _next(self) -> dict:
        if not self.states:
            raise KeyboardInterrupt
        state, nodes = self.states.pop(0)
        return mix(REGISTRY_LAB, state, **nodes)

    def forget_answers(self) -> None:
        self.calls.append("forget_answers")
        self.answer_from(self._next())

    def reconnect(self) -> None:
        self.calls.append("reconnect")
        if self.states:  # the last call closes the shells as the watch ends
            self.answer_from(self._next())


def watched(*states: tuple[str, dict[str, str]], history_path: Path, until_pass: bool = False) -> tuple[int, str]:
    out = io.StringIO()  # not a terminal: a table each time something changed
    code = watch(LabSession(REGISTRY_LAB, ScriptedCluster(*states)), out, until_pass, interval=0,
                 history=history_path)
    return code, out.getvalue()


def tables(output: str) -> list[str]:
    return re.split(r"(?m)^(?=Watching lab registry)", output)[1:]


def row(task: str, output: str) -> str:
    return re.search(rf"(?m)^ \d {task} .*$", output).group()


def test_without_a_terminal_the_table_is_printed_when_it_changes_until_every_task_passes(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    code, output = watched(PROGRESS[0], *PROGRESS, history_path=path, until_pass=True)  # the start graded twice
    assert code == 0 and "\x1b" not in output
    shown = tables(output)
    assert len(shown) == 4, output  # five grades, four different tables
    assert [row("registry-running", table).split()[2:] for table in shown] == [
        ["0/5", "FAIL"], ["2/5", "FAIL"], ["5/5", "PASS"], ["5/5", "PASS"]]
    assert "no change since" in shown[0] and "last change" in shown[1]
    assert "registry-running now FAIL 2/5." in shown[1]
    swarm_join = REGISTRY_LAB.task("swarm-join")
    assert f"Goal of swarm-join: {swarm_join.goal.splitlines()[0]}" in shown[1]  # the first task left: its goal
    assert f"Next, swarm-join: {swarm_join.checks[0].hint}\n" in shown[1]  # ... and its first hint, no command
    assert "Next, daemon-json: A node's /etc/docker/daemon.json does not list" in shown[2]
    assert "Total 30/30 points (100 %)" in shown[3] and "Every task passes." in shown[3]
    assert output.rstrip().endswith("best 30/30, last 30/30. Saved in your history: dcalab history --lab registry")
    (run,) = history.runs(path=path)  # one row for the whole watch, not one per grade
    assert (run.kind, run.subject, run.mode, run.backend, run.score, run.best) == (
        "lab", "registry", "watch", "replay", 30, 30)
    assert run.started and run.started <= run.finished
    assert {entry.last_status for entry in history.progress("registry", path)} == {"PASS"}


def test_ctrl_c_ends_the_watch_with_130_and_one_row_with_its_best_and_last_grade(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    code, output = watched(("solved", {}), ("start", {}), history_path=path)  # solved, then broken again
    assert code == 130
    assert "best 30/30, last 0/30" in output
    (run,) = history.runs(path=path)
    assert (run.score, run.best, run.max_score) == (0, 30, 30)


def test_a_node_that_goes_away_is_env_error_until_it_is_back_on_new_shells(tmp_path: Path) -> None:
    cluster = ScriptedCluster(("solved", {}), ("solved", {"worker2": AWAY}), ("solved", {}))
    out = io.StringIO()
    assert watch(LabSession(REGISTRY_LAB, cluster), out, interval=0, history=tmp_path / "h.sqlite3") == 130
    first, away, back = tables(out.getvalue())
    assert row("daemon-json", first).split()[2:] == row("daemon-json", back).split()[2:] == ["5/5", "PASS"]
    assert row("daemon-json", away).split()[2:] == ["0/5", "ENV-ERROR"]
    assert row("cross-node-pull", away).split()[2:] == ["0/2", "ENV-ERROR"]
    assert row("swarm-join", away).split()[2:] == ["0/4", "ENV-ERROR"]  # it reads each node's own swarm state
    assert ("Next, swarm-join: The harness cannot reach worker2 (Error response from daemon: container "
            "dcalab-worker2 is not running). Start it: dcalab cluster up") in away
    # shells kept between grades that looked at every node, opened anew after one that could not
    assert cluster.calls == ["forget_answers", "reconnect", "forget_answers", "reconnect"]  # the last: Ctrl-C


def test_a_cluster_that_is_down_is_env_error_saying_how_to_bring_it_up_and_is_asked_again(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    asked = tmp_path / "asked"
    docker = tmp_path / "docker"  # the docker client of a machine whose engine is stopped
    docker.write_text(f"#!/bin/sh\necho \"$@\" >> {asked}\necho 'Cannot connect to the Docker daemon at "
                      "unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n")
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")  # nothing answers there
    asked_by_grade = []

    def between_grades(seconds: float) -> None:
        asked_by_grade.append(len(asked.read_text().splitlines()))
        if len(asked_by_grade) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(watch_module.time, "sleep", between_grades)
    out = io.StringIO()
    session = LabSession(REGISTRY_LAB, EmbeddedCluster(read_only=True))
    assert watch(session, out, history=tmp_path / "history.sqlite3") == 130
    (table,) = tables(out.getvalue())  # three grades, each the same
    assert [line.split()[-1] for line in table.splitlines()[1:9]] == ["ENV-ERROR"] * 8
    assert ("Next, swarm-join: The harness cannot reach master (Cannot connect to the Docker daemon at "
            "unix:///var/run/docker.sock. Is the docker daemon running?). Start it: dcalab cluster up") in table
    assert asked_by_grade[0] < asked_by_grade[1] < asked_by_grade[2]  # each grade tries the nodes again


# -- the real CLI in a pseudo-terminal ---------------------------------------------------------------------------
def set_state(path: Path, state: str) -> None:
    """What the replayed nodes answer from the next grade on (written whole: the watch reads it meanwhile)."""
    path.with_suffix(".new").write_text(state)
    os.replace(path.with_suffix(".new"), path)


def spawn_watch(tmp_path: Path, *args: str, state: str = "start", columns: int = 100,
                ctrl_c: signal.Handlers = signal.SIG_DFL) -> pexpect.spawn:
    state_file = tmp_path / "state"
    set_state(state_file, state)
    env = {**os.environ, "DCALAB_HISTORY": str(tmp_path / "history.sqlite3"),
           "DCALAB_STATE": str(tmp_path / "state-dir"), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    return terminal.spawn(sys.executable, ["-m", "tests.watch_replay", str(state_file), *args], ctrl_c, cwd=str(ROOT),
                          env=env, encoding="utf-8", timeout=20, dimensions=(40, columns))


def test_in_a_terminal_the_table_is_redrawn_as_tasks_turn_pass_and_until_pass_exits_0(tmp_path: Path) -> None:
    child = spawn_watch(tmp_path, "registry", "--until-pass", "--interval", "0.2")
    child.expect_exact(HIDE_CURSOR)
    child.expect_exact(REDRAW + "Watching lab registry: A private registry for the swarm")
    child.expect(r"registry-running  0/5  \S*FAIL")
    child.expect_exact("Total 0/30 points")
    for state, turned in (("mistakes", r"registry-running  2/5  \S*FAIL"),
                          ("solved worker2=start", r"registry-running  5/5  " + re.escape(PASS_IN_GREEN)),
                          ("solved", r"daemon-json       5/5  " + re.escape(PASS_IN_GREEN))):
        set_state(tmp_path / "state", state)
        child.expect(turned)
    child.expect_exact("Every task passes.")
    child.expect_exact(SHOW_CURSOR)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "Traceback" not in child.before
    assert child.before.startswith("\r\nWatched registry from") and "best 30/30, last 30/30" in child.before
    (run,) = history.runs(path=tmp_path / "history.sqlite3")
    assert (run.mode, run.score, run.best) == ("watch", 30, 30)


@pytest.mark.parametrize("ctrl_c", [signal.SIG_DFL, signal.SIG_IGN], ids=["started-in-a-terminal", "under-nohup"])
def test_ctrl_c_in_a_terminal_exits_130_with_the_cursor_back_and_one_history_row(tmp_path: Path,
                                                                               ctrl_c: signal.Handlers) -> None:
    path = tmp_path / "history.sqlite3"
    lab = history.Item("swarm-join", "FAIL", 0, 4, "Orchestration", "o")
    history.record_run("lab", "registry", "grade", "embedded", [lab], path)  # the lab graded last: watched by default
    child = spawn_watch(tmp_path, "--interval", "0.2", state="solved", ctrl_c=ctrl_c)
    child.expect_exact("Every task passes.")
    set_state(tmp_path / "state", "start")
    child.expect("swarm-join        0/4  ")  # the watch goes on: the lab broke again
    child.sendintr()
    child.expect_exact(SHOW_CURSOR)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "Traceback" not in child.before
    assert "Watched registry from" in child.before and "best 30/30, last 0/30" in child.before
    runs = history.runs(path=path)
    assert [(run.mode, run.score, run.best) for run in runs] == [("grade", 0, None), ("watch", 0, 30)]


def popen_watch(tmp_path: Path, state: str = "start") -> subprocess.Popen:
    """The watch of the registry lab with its output in a pipe (as in a log): a frame whenever a verdict changes."""
    set_state(tmp_path / "state", state)
    env = {**os.environ, "DCALAB_HISTORY": str(tmp_path / "history.sqlite3"), "DCALAB_STATE": str(tmp_path / "s")}
    return subprocess.Popen([sys.executable, "-m", "tests.watch_replay", str(tmp_path / "state"), "registry",
                             "--interval", "0.2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def read_frame(watching: subprocess.Popen) -> str:
    """The lines of one frame, up to its last (the next task's hint, or that every task passes)."""
    lines = []
    while not lines or not lines[-1].startswith(("Next, ", "Every task passes.")):
        lines.append(watching.stdout.readline().decode())
        assert lines[-1], "the watch ended: " + watching.stderr.read().decode()
    return "".join(lines)


@pytest.mark.parametrize("how", ["SIGTERM", "closed-pipe"])
def test_a_watch_killed_or_whose_reader_stops_still_saves_its_history_row(tmp_path: Path, how: str) -> None:
    watching = popen_watch(tmp_path, "solved")
    assert "Every task passes." in read_frame(watching)
    if how == "SIGTERM":
        watching.send_signal(signal.SIGTERM)
    else:
        watching.stdout.close()  # `dcalab watch | head`: the next frame it prints finds no reader
        set_state(tmp_path / "state", "start")
    _, errors = watching.communicate(timeout=20)
    assert watching.returncode == (128 + signal.SIGTERM if how == "SIGTERM" else 1)
    assert "Traceback" not in errors.decode(), errors.decode()
    assert [(run.mode, run.best) for run in history.runs(path=tmp_path / "history.sqlite3")] == [("watch", 30)]


def test_a_watch_whose_terminal_closes_still_saves_its_history_row(tmp_path: Path) -> None:
    child = spawn_watch(tmp_path, "registry", "--interval", "0.2", state="solved")
    child.expect_exact("Every task passes.")
    child.ptyproc.fileobj.close()  # the terminal window closed: the watch gets SIGHUP, and its output is gone
    deadline = time.monotonic() + 20
    while child.ptyproc.isalive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (child.ptyproc.exitstatus, child.ptyproc.signalstatus) == (128 + signal.SIGHUP, None)
    assert [(run.mode, run.best) for run in history.runs(path=tmp_path / "history.sqlite3")] == [("watch", 30)]


def test_a_terminal_too_narrow_for_the_table_wraps_it(tmp_path: Path) -> None:
    child = spawn_watch(tmp_path, "registry", "--interval", "0.2", columns=30)
    child.expect_exact("Next, swarm-join:")
    child.expect_exact(REDRAW)  # and draws it again
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "Traceback" not in child.before


def dcalab(*args: str, history_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dcalab", *args], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env={**os.environ, "DCALAB_HISTORY": str(history_path)})


def test_an_unknown_lab_lists_the_labs_and_no_lab_without_history_asks_which(tmp_path: Path) -> None:
    unknown = dcalab("watch", "nope", history_path=tmp_path / "history.sqlite3")
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert "There is no lab called 'nope'." in unknown.stderr and ", ".join(lab_names()) in unknown.stderr
    which = dcalab("watch", history_path=tmp_path / "history.sqlite3")
    assert which.returncode == 1 and which.stderr.splitlines() == [
        "dcalab: Which lab? You have graded none yet.",
        f"  Name it: dcalab watch LAB (the labs: {', '.join(lab_names())})."]


# -- on the real cluster -------------------------------------------------------------------------------------------
def test_watch_sees_each_task_turn_pass_while_the_lab_is_solved_task_by_task(pristine: EmbeddedCluster,
                                                                           tmp_path: Path) -> None:
    env = {**os.environ, "DCALAB_HISTORY": str(tmp_path / "history.sqlite3"), "NO_COLOR": "1"}
    child = terminal.spawn(sys.executable, ["-m", "dcalab", "watch", "registry", "--until-pass"], cwd=str(ROOT),
                           env=env, encoding="utf-8", timeout=60, dimensions=(40, 120))
    child.expect(r"swarm-join\s+0/4\s+FAIL")
    for task in REGISTRY_LAB.tasks:
        run_lab("solve", task.id.replace("-", "_"), history=tmp_path / "solve.sqlite3")
        child.expect(rf"{task.id}\s+{task.points}/{task.points}\s+PASS")
    child.expect_exact("Every task passes.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (run,) = history.runs(path=tmp_path / "history.sqlite3")
    assert (run.mode, run.score, run.best) == ("watch", 30, 30)
