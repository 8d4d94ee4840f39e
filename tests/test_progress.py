"""Progress on long work: each step of `dcalab cluster up` says when it starts and how long it took, and a step
with nothing to do says nothing; on a terminal (a real pseudo-terminal) one live line is rewritten in place. The
engine, the images and the nodes are fakes: only the steps are real."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pexpect
import pytest
from docker.errors import ImageNotFound

from dcalab import engine, labnet, progress, session
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.images.build import build
from dcalab.lab import find_lab
from dcalab.labnet import CLUSTER_LABEL, LabNetwork
from dcalab.session import SAY_SOLVING_AFTER, LabSession
from dcalab.topology import topology
from tests import terminal
from tests.replay import ReplayCluster, mix
from tests.test_new_lab import LAB_TOML

REGISTRY_LAB = find_lab("registry")

DONE = r"done in \d+\.\d s"


def steps(err: str) -> list[str]:
    """Each progress line, its time written as N.N."""
    return [re.sub(r"\d+\.\d s$", "N.N s", line) for line in err.splitlines()]


def test_a_step_says_when_it_starts_and_how_long_it_took(capsys, monkeypatch) -> None:
    clock = iter([10.0, 14.3])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    with progress.step("Building something"):
        assert capsys.readouterr().err == "Building something ...\n"  # before the work, not after it
    assert capsys.readouterr().err == "Building something: done in 4.3 s\n"


def test_a_step_that_fails_says_so_and_the_error_goes_on(capsys) -> None:
    with pytest.raises(KeyboardInterrupt), progress.step("Building something"):
        raise KeyboardInterrupt
    assert steps(capsys.readouterr().err) == ["Building something ...", "Building something: stopped after N.N s"]


# Two steps at once, as nodes are made: master for ~1.5 s, worker1 for 0.5 s of it, and a warning meanwhile.
STEPS = """
import threading, time
from dcalab.errors import warn
from dcalab.progress import step

def worker1() -> None:
    with step("Making the node worker1"):
        time.sleep(0.5)

with step("Making the node master"):
    helper = threading.Thread(target=worker1)
    helper.start()
    helper.join()
    warn("the lab CA was made anew")
    time.sleep(1.0)
"""
STAYING = ["Making the node worker1: done in N.N s", "dcalab: warning: the lab CA was made anew",
           "Making the node master: done in N.N s"]


def steps_script(tmp_path: Path) -> str:
    script = tmp_path / "steps.py"
    script.write_text(STEPS)
    return str(script)


def test_on_a_terminal_one_live_line_ticks_in_place_and_each_step_leaves_its_time(tmp_path) -> None:
    child = terminal.spawn(sys.executable, [steps_script(tmp_path)], encoding="utf-8", dimensions=(24, 60), timeout=30)
    child.expect(pexpect.EOF)
    child.close()
    out = child.before
    assert child.exitstatus == 0, out
    drawn = [piece for line in out.split("\r\n") for piece in line.split(progress.CLEAR)]
    master = re.compile(r"Making the node master \.\.\. (\d+\.\d) s")
    ticks = [float(tick[1]) for piece in drawn if (tick := master.match(piece))]
    assert len(set(ticks)) >= 5 and ticks == sorted(ticks) and ticks[-1] >= 1.0  # the seconds tick, in one line
    assert any(piece.startswith("Making the node master ... 0.") and "; Making the node w" in piece for piece in drawn)
    assert max(len(piece) for piece in drawn) < 60  # cut to the terminal's width: a wrapped line stays behind
    shown = [steps(line.split(progress.CLEAR)[-1])[0] for line in out.split("\r\n")[:-1]]  # what the screen keeps
    assert shown == STAYING and out.endswith("\r\n")


def test_in_a_log_or_a_pipe_each_step_is_plain_lines_with_no_carriage_return(tmp_path) -> None:
    done = subprocess.run([sys.executable, steps_script(tmp_path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout == "" and "\r" not in done.stderr
    assert steps(done.stderr) == ["Making the node master ...", "Making the node worker1 ...", *STAYING]


class Images:
    """A fake engine's images: what exists, with its labels; a build makes one."""

    def __init__(self, **labels: dict) -> None:
        self.labels = labels

    def get(self, tag: str) -> SimpleNamespace:
        if tag not in self.labels:
            raise ImageNotFound(tag)
        return SimpleNamespace(id=f"sha256:{tag}", labels=self.labels[tag])


def test_an_image_build_is_a_step_and_a_current_image_is_not_built_again(capsys) -> None:
    built = []

    def api_build(labels: dict, tag: str, **options) -> list[dict]:
        built.append(tag)
        client.images.labels[tag] = labels
        return [{"stream": "Step 1/1 : FROM base\n"}]

    client = SimpleNamespace(images=Images(base={}), api=SimpleNamespace(build=api_build))
    assert build(client, "dcalab/toy:1", "FROM base\n")
    assert steps(capsys.readouterr().err) == ["Building image dcalab/toy:1 ...",
                                              "Building image dcalab/toy:1: done in N.N s"]
    assert not build(client, "dcalab/toy:1", "FROM base\n") and built == ["dcalab/toy:1"]
    assert capsys.readouterr().err == ""


def test_the_engine_started_is_a_step_and_an_engine_that_answers_is_used_quietly(capsys, monkeypatch,
                                                                                 tmp_path) -> None:
    answering = iter([None, None, "client"])  # none answers; dockerd answers on the second look
    monkeypatch.setattr(engine, "answering_client", lambda endpoint=None: next(answering))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # no context: the default socket, which dcalab may start
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path))
    monkeypatch.setattr(engine, "unanswered", lambda endpoint: None)  # as root on the default socket, whoever runs
    monkeypatch.setattr(engine, "ensure_packages", lambda binaries: None)
    monkeypatch.setattr(engine, "needs_runc_wrapper", lambda: False)
    monkeypatch.setattr(engine, "record", lambda name, pid: None)
    monkeypatch.setattr(engine.subprocess, "Popen", lambda *args, **kwargs: SimpleNamespace(pid=1, poll=lambda: None))
    monkeypatch.setattr(engine.time, "sleep", lambda seconds: None)
    assert engine.ensure_engine() == "client"
    assert steps(capsys.readouterr().err) == ["Starting the Docker engine ...",
                                              "Starting the Docker engine: done in N.N s"]
    monkeypatch.setattr(engine, "answering_client", lambda endpoint=None: "client")
    assert engine.ensure_engine() == "client" and capsys.readouterr().err == ""


def test_the_hub_started_is_a_step_and_a_running_hub_is_left_quietly(capsys, monkeypatch) -> None:
    hub, created = labnet.hub, []
    monkeypatch.setattr(labnet, "ensure_hub_images", lambda client: [])
    monkeypatch.setattr(hub, "seed_digest", lambda client, served: "digest")
    monkeypatch.setattr(hub, "cert_digest", lambda pki: "cert")
    monkeypatch.setattr(hub, "seed", lambda client, served, labels, digest: None)
    monkeypatch.setattr(hub, "kept_seed", lambda client: "digest")
    monkeypatch.setattr(hub, "create_hub", lambda *args: created.append(args))
    monkeypatch.setattr(hub, "hub_container", lambda client: None)
    net = LabNetwork()
    net._client = "client"
    net.ensure_hub(pki=None)
    assert len(created) == 1
    assert steps(capsys.readouterr().err) == ["Starting the lab hub ...", "Starting the lab hub: done in N.N s"]
    running = SimpleNamespace(status="running", labels={hub.SEEDED_LABEL: "digest", hub.CERT_LABEL: "cert",
                                                        hub.PLACEMENT_LABEL: topology().network})
    monkeypatch.setattr(hub, "hub_container", lambda client: running)
    net.ensure_hub(pki=None)
    assert len(created) == 1 and capsys.readouterr().err == ""


class Node:
    """A fake node container."""

    def __init__(self, status: str) -> None:
        self.status, self.labels = status, {CLUSTER_LABEL: "embedded"}

    def start(self) -> None:
        self.status = "running"

    unpause = start


def test_each_node_made_started_or_unpaused_is_a_step_and_a_healthy_cluster_says_nothing(capsys,
                                                                                         monkeypatch) -> None:
    cluster = EmbeddedCluster()
    nodes = {"worker1": Node("exited"), "worker2": Node("paused"), "registry": Node("running")}  # master: missing
    monkeypatch.setattr(cluster.net, "prepare", lambda: None)  # the engine, the images and the hub: above
    monkeypatch.setattr(cluster.net, "nodes_of", lambda name: [])
    monkeypatch.setattr(cluster, "node_container", lambda node: nodes.get(node.name))
    monkeypatch.setattr(cluster, "_create_node", lambda node: nodes.__setitem__(node.name, Node("running")))
    monkeypatch.setattr(cluster, "_docker_answers", lambda node: nodes[node.name].status == "running")
    monkeypatch.setattr(cluster, "_wait_docker", lambda node: None)
    cluster.up()
    lines = steps(capsys.readouterr().err)
    for title in ("Making the node master", "Starting the node worker1", "Unpausing the node worker2"):
        assert lines.index(f"{title} ...") < lines.index(f"{title}: done in N.N s")
    assert len(lines) == 6 and "registry" not in "".join(lines)
    cluster.up()
    assert capsys.readouterr().err == ""


def test_a_step_that_ends_before_its_quiet_time_says_nothing_and_a_longer_one_says_both_lines(capsys) -> None:
    with progress.step("Quick", quiet_for=0.5):
        pass
    with progress.step("Slow", quiet_for=0.05):
        time.sleep(0.2)
    assert steps(capsys.readouterr().err) == ["Slow ...", "Slow: done in N.N s"]


def test_a_solve_says_which_task_it_is_on_when_the_task_takes_over_a_second(capsys) -> None:
    """Graded from a recording of the solved registry lab: the task's grader itself is slow, or quick."""
    def slow(task) -> None:
        time.sleep(SAY_SOLVING_AFTER + 0.2)
        REGISTRY_LAB.graders["catalog"](task)

    session = LabSession(REGISTRY_LAB, ReplayCluster(mix(REGISTRY_LAB, "solved")), solving=False)
    session.solving = True  # the recording answers a grade's commands, which is all these graders ask
    assert session.run("catalog", grader=slow).status == "PASS"
    assert session.run("catalog").status == "PASS"  # quick: no line
    assert steps(capsys.readouterr().err) == ["Solving task catalog ...", "Solving task catalog: done in N.N s"]


class FakeTerminal(io.StringIO):
    """stderr on a terminal (80 columns: it has no file descriptor), remembering the thread that wrote each piece."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[tuple[str, str]] = []  # (thread, text) of each write

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pieces.append((threading.current_thread().name, text))
        return super().write(text)


def ticks(drawn: str, title: str) -> list[float]:
    return [float(seconds) for seconds in re.findall(rf"{title} \.\.\. (\d+\.\d) s", drawn)]


def busy_until_ticked(terminal: FakeTerminal, title: str, times: int = 3) -> None:
    """Work (a sleep, as a command waits for a node) until the live line showed `times` different seconds: however
    loaded the machine, the test waits for the ticks rather than asserting how many came in a given time."""
    deadline = time.monotonic() + 30
    while len(set(ticks(terminal.getvalue(), title))) < times and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_solves_progress_line_ticks_while_the_task_runs_and_only_the_main_thread_writes_it(monkeypatch) -> None:
    """pytest writes its dots and reports from the main thread: a line drawn from another thread could cut into
    them. The main thread here is busy in a grader that sleeps, as a solve waits for a node's command."""
    terminal, fresh_lines = FakeTerminal(), []
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(session, "SAY_SOLVING_AFTER", 0.2)

    def slow(task) -> None:
        busy_until_ticked(terminal, "Solving task catalog")
        REGISTRY_LAB.graders["catalog"](task)

    solving = LabSession(REGISTRY_LAB, ReplayCluster(mix(REGISTRY_LAB, "solved")), solving=False)
    solving.solving, solving.fresh_line = True, lambda: fresh_lines.append(threading.current_thread().name)
    assert solving.run("catalog", grader=slow).status == "PASS"
    drawn = terminal.getvalue()
    seconds = ticks(drawn, "Solving task catalog")
    assert len(set(seconds)) >= 3 and seconds == sorted(seconds) and seconds[0] >= 0.2  # quiet at first, then ticking
    assert re.search(r"Solving task catalog: done in \d+\.\d s\n$", drawn) and drawn.count("\n") == 1
    assert {thread for thread, _ in terminal.pieces} == {"MainThread"} and fresh_lines == ["MainThread"]
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_steps_other_threads_run_tick_on_the_line_the_main_thread_draws_while_it_waits(monkeypatch) -> None:
    """As nodes are made in parallel: each thread writes its own line when its step ends, never the live line."""
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    def make(node: str) -> None:
        with progress.step(f"Making the node {node}"):
            busy_until_ticked(terminal, f"Making the node {node}")

    with progress.drawn_for_threads():
        workers = [threading.Thread(target=make, args=(node,), name=node) for node in ("master", "worker1")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    drawn = terminal.getvalue()
    assert all(len(set(ticks(drawn, f"Making the node {node}"))) >= 3 for node in ("master", "worker1"))
    assert {thread for thread, text in terminal.pieces if "\n" not in text} == {"MainThread"}  # the live line
    assert sorted(steps(line.split(progress.CLEAR)[-1])[0] for line in drawn.split("\n")[:2]) == [
        "Making the node master: done in N.N s", "Making the node worker1: done in N.N s"]


def test_a_program_timing_itself_with_sigalrm_keeps_its_timer_and_the_step_still_says_its_lines(monkeypatch) -> None:
    terminal, alarms = FakeTerminal(), []
    monkeypatch.setattr(sys, "stderr", terminal)

    def alarm(signum: int, frame: object) -> None:
        alarms.append(signum)

    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with progress.step("Building something"):
            time.sleep(0.4)
        assert alarms == [signal.SIGALRM]  # its own alarm, once, not the live line's ticks
        assert signal.getsignal(signal.SIGALRM) is alarm
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert steps(terminal.getvalue().split(progress.CLEAR)[-1]) == ["Building something: done in N.N s"]


SLOW_SOLVE = """
import time
from checks import verdict
TASK = "{task}"
def test_{task}(task):
    if task.solving:
        time.sleep(1.8)
    task.grade({{"{check}": verdict(True, "done", "done")}})
"""


def test_a_solve_in_pytest_on_a_terminal_ticks_below_the_dots_and_ends_with_its_line(tmp_path) -> None:
    """The whole way, in a real pseudo-terminal: the plugin's solve with pytest's own output, its capture and the
    line's ticks in one process (a toy lab of two slow tasks on no node)."""
    lab = tmp_path / "toy"
    lab.mkdir()
    (lab / "lab.toml").write_text(LAB_TOML)
    (lab / "test_01_say.py").write_text(SLOW_SOLVE.format(task="say", check="said"))
    (lab / "test_02_break.py").write_text(SLOW_SOLVE.format(task="break", check="never"))
    child = terminal.spawn(sys.executable, ["-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider",
                                            "--lab-mode=solve", "toy"],
                           cwd=str(tmp_path), encoding="utf-8", dimensions=(24, 100), timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    out = child.before
    for task in ("say", "break"):
        seconds = ticks(out, f"Solving task {task}")
        assert len(set(seconds)) >= 3 and seconds == sorted(seconds) and seconds[0] >= SAY_SOLVING_AFTER, out
    kept = [line.split(progress.CLEAR)[-1] for line in out.split("\r\n")]  # what the screen keeps of each line
    assert re.fullmatch(r"Solving task say: done in 1\.\d s", kept[0]), out
    assert kept[1] == "."  # the first task's dot, its line ended before the second task's progress line
    assert re.fullmatch(r"Solving task break: done in 1\.\d s", kept[2]), out
    assert kept[3].startswith(".") and kept[3].endswith("[100%]"), out
    assert " 1 say    2/2  PASS" in out and " 2 break  1/1  PASS" in out and "Traceback" not in out
