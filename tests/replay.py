"""Grades recorded on the real cluster, replayed without it: the fast subset's evidence that the checks
and the verdict rule still grade each recorded state as they did.

A recording holds, per node, every command a read-only grade of a lab asked (with its exit status and
output), the grade's verdicts and the lab subnet of the cluster it was recorded on (none: the default cluster's).
`python -m tests.record_grades [LAB ...]` records them anew on the embedded cluster (root and an engine needed); the
unit tests replay them with the recorded cluster's addresses, as its learner's grade saw them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from testinfra.backend.base import BaseBackend, CommandResult
from testinfra.host import Host

from dcalab.grading import TaskResult
from dcalab.lab import Lab, lab_names
from dcalab.session import LabSession
from dcalab.topology import topology

RECORDINGS = Path(__file__).parent / "recorded"
AWAY = "away"  # in a mix of recordings: the node does not answer, as a stopped node


class ReplayBackend(BaseBackend):
    """A testinfra backend answering from a recording (None: the node is away); a command the recording lacks is
    an error."""

    NAME = "dcalab-replay"

    def __init__(self, node: str, answers: dict[str, list] | None, **kwargs) -> None:
        super().__init__(node, **kwargs)
        self.node, self.answers = node, answers

    def run(self, command: str, *args: str, **kwargs) -> CommandResult:
        cmd = self.get_command(command, *args)
        if self.answers is None:
            away = f"Error response from daemon: container dcalab-{self.node} is not running"
            return self.result(1, self.encode(cmd), b"", away.encode())
        if cmd not in self.answers:
            raise AssertionError(f"{self.node} was asked a command the recording lacks: {cmd}")
        rc, stdout, stderr = self.answers[cmd]
        return self.result(rc, self.encode(cmd), stdout.encode(), stderr.encode())


class ReplayCluster:
    """What LabSession and TaskRun need of a cluster, answered from a recording."""

    name, cluster_name = "replay", ""

    def __init__(self, recording: dict[str, dict[str, list] | None], subnet: str = "") -> None:
        """`subnet`: the lab subnet of the cluster the answers were recorded on (empty: the default cluster's)."""
        default = topology()
        self.topology = default.renumbered(f"{default.network}-replay", subnet) if subnet else default
        self.answer_from(recording)

    def answer_from(self, recording: dict[str, dict[str, list] | None]) -> None:
        """From now on, answer as this recording does."""
        self.hosts = {node: Host(ReplayBackend(node, answers)) for node, answers in recording.items()}

    # What LabSession.again() asks of a cluster between two grades: here no shell to keep, no answer to forget.
    def asked(self) -> dict[str, list[str]]:
        return {}

    def forget_answers(self) -> None:
        pass

    def reconnect(self) -> None:
        pass

    def prefetch(self, plan: dict[str, list[str]]) -> None:
        pass

    def host(self, node: str) -> Host:
        return self.hosts[node]

    @staticmethod
    def start_hint(node: str) -> str:
        return "Start it: dcalab cluster up"

    @contextlib.contextmanager
    def fresh(self) -> Iterator[None]:
        yield


def mix(lab: Lab, state: str, **nodes: str) -> dict[str, dict[str, list] | None]:
    """Each node's answers from the recorded `state`, or from the state named for it (AWAY: it does not answer):
    mix(lab, "start", registry="solved") is the lab's start with the registry container running."""
    answers = {name: recorded(lab.id, name)["answers"] for name in {state, *nodes.values()} - {AWAY}}
    return {node: None if nodes.get(node) == AWAY else answers[nodes.get(node, state)][node]
            for node in answers[state]}


def verdicts(results: dict[str, TaskResult]) -> dict[str, list]:
    return {task: [result.status, result.score, result.describe()] for task, result in results.items()}


def recording_file(lab_id: str, state: str) -> Path:
    return RECORDINGS / f"{lab_id}-{state}.json"


def recorded(lab_id: str, state: str) -> dict:
    """One recording: its answers, its verdicts and (if not the default cluster's) its subnet."""
    return json.loads(recording_file(lab_id, state).read_text())


def lab_and_state(path: Path) -> list[str]:
    """[lab, state] of a recording file: LAB-STATE.json, the lab's name the longest that fits (registry-secure)."""
    lab = max((name for name in lab_names() if path.stem.startswith(f"{name}-")), key=len)
    return [lab, path.stem.removeprefix(f"{lab}-")]


def replay(lab: Lab, state: str) -> tuple[dict[str, list], dict[str, list]]:
    """(the verdicts replayed now, the verdicts recorded on the cluster) of one recorded state, of the tasks it
    recorded (the operations lab's quorum states record that task alone)."""
    recording = recorded(lab.id, state)
    cluster = ReplayCluster(recording["answers"], recording.get("subnet", ""))
    return verdicts(LabSession(lab, cluster).run_all(list(recording["verdicts"]))), recording["verdicts"]
