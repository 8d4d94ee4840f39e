"""What a lab test module gets as `task`: its nodes as testinfra hosts, the mode, and grade()."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from checks import Verdict
from dcalab.backends import Cluster
from dcalab.grading import PASS, TaskResult, grade_task
from dcalab.lab import Lab, Task
from dcalab.topology import topology


class TaskRun:
    """One task being solved and/or graded on a cluster."""

    def __init__(self, lab: Lab, task: Task, cluster: Cluster, solving: bool,
                 record: Callable[[TaskResult], None], hints: bool = True) -> None:
        self.lab, self.task, self.cluster, self.solving = lab, task, cluster, solving
        self.record, self.hints = record, hints
        self.settings = lab.settings
        self.notes: list[str] = []
        self.result: TaskResult | None = None

    def host(self, node: str):
        return self.cluster.host(node)

    @staticmethod
    def fqdn(node: str) -> str:
        return topology().node(node).fqdn

    @property
    def manager_address(self) -> str:
        return f"{topology().manager.ip}:{topology().swarm_port}"

    def each(self, action: Callable) -> dict:
        """Run action(host) on every node of the task in parallel; results by node."""
        with ThreadPoolExecutor(max_workers=max(len(self.task.nodes), 1)) as pool:
            futures = {node: pool.submit(action, self.host(node)) for node in self.task.nodes}
            return {node: future.result() for node, future in futures.items()}

    def note(self, text: str) -> None:
        """A fact shown with the result that earns or costs nothing (e.g. the restart policy)."""
        self.notes.append(text)

    def grade(self, results: dict[str, Verdict | dict[str, Verdict]]) -> None:
        """Score the task; a task that does not pass fails its test with the learner's message."""
        self.finish(grade_task(self.task, results, self.notes))

    def finish(self, result: TaskResult) -> None:
        self.result = result
        self.record(result)
        if result.status != PASS:
            pytest.fail(result.describe(self.hints), pytrace=False)
