"""Grades recorded on the real cluster, replayed without it: the fast subset's evidence that the checks
and the verdict rule still grade each recorded state as they did.

A recording holds, per node, every command a read-only grade of a lab asked (with its exit status and
output) and the grade's verdicts. `python -m tests.record_grades` records them anew on the embedded
cluster (root and an engine needed); the unit tests replay them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from testinfra.backend.base import BaseBackend, CommandResult
from testinfra.host import Host

from dcalab.grading import TaskResult
from dcalab.lab import Lab
from dcalab.session import LabSession

RECORDINGS = Path(__file__).parent / "recorded"


class ReplayBackend(BaseBackend):
    """A testinfra backend answering from a recording; a command the recording lacks is an error."""

    NAME = "dcalab-replay"

    def __init__(self, node: str, answers: dict[str, list], **kwargs) -> None:
        super().__init__(node, **kwargs)
        self.node, self.answers = node, answers

    def run(self, command: str, *args: str, **kwargs) -> CommandResult:
        cmd = self.get_command(command, *args)
        if cmd not in self.answers:
            raise AssertionError(f"{self.node} was asked a command the recording lacks: {cmd}")
        rc, stdout, stderr = self.answers[cmd]
        return self.result(rc, self.encode(cmd), stdout.encode(), stderr.encode())


class ReplayCluster:
    """What LabSession and TaskRun need of a cluster, answered from a recording."""

    def __init__(self, recording: dict[str, dict[str, list]]) -> None:
        self.hosts = {node: Host(ReplayBackend(node, answers)) for node, answers in recording.items()}

    def host(self, node: str) -> Host:
        return self.hosts[node]

    @staticmethod
    def start_hint(node: str) -> str:
        return "Start it: dcalab cluster up"

    @contextlib.contextmanager
    def fresh(self) -> Iterator[None]:
        yield


def verdicts(results: dict[str, TaskResult]) -> dict[str, list]:
    return {task: [result.status, result.score, result.describe()] for task, result in results.items()}


def replay(lab: Lab, state: str) -> tuple[dict[str, list], dict[str, list]]:
    """(the verdicts replayed now, the verdicts recorded on the cluster) of one recorded state."""
    recording = json.loads((RECORDINGS / f"{lab.id}-{state}.json").read_text())
    results = LabSession(lab, ReplayCluster(recording["answers"])).run_all()
    return verdicts(results), recording["verdicts"]
