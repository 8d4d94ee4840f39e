"""What a lab test module gets as `task`: its nodes as testinfra hosts, the mode, grade() and until()."""

from __future__ import annotations

import time
from collections.abc import Callable

from checks import Verdict
from dcalab.backends.base import Cluster, in_parallel
from dcalab.errors import GraderDefect
from dcalab.grading import TaskResult, grade_task
from dcalab.lab import Lab, Task
from dcalab.topology import Topology

SETTLE_INTERVAL = 0.5  # seconds between two looks at something that settles


class TaskRun:
    """One task being solved and/or graded on a cluster."""

    def __init__(self, lab: Lab, task: Task, cluster: Cluster, solving: bool) -> None:
        self.lab, self.task, self.cluster, self.solving = lab, task, cluster, solving
        self.settings = lab.settings
        self.notes: list[str] = []
        self.result: TaskResult | None = None

    def host(self, node: str):
        """A node the task declares (nodes or reads in lab.toml): the harness probed exactly those."""
        if node not in self.task.read_nodes:
            raise GraderDefect(f"task {self.task.id}'s test reads the node {node}, which lab.toml does not declare.",
                               f"Add {node!r} to the task's nodes or reads in {self.lab.folder}/lab.toml.")
        return self.cluster.host(node)

    def fqdn(self, node: str) -> str:
        return self.topology.node(node).fqdn

    @property
    def topology(self) -> Topology:
        """The cluster's node names and addresses (a named cluster has its own lab network)."""
        return self.cluster.topology

    @property
    def manager_address(self) -> str:
        """Where the lab's swarm leader listens (its first manager in [start])."""
        leader = self.lab.start.managers[0] if self.lab.start.managers else "master"
        return f"{self.topology.node(leader).ip}:{self.topology.swarm_port}"

    def each(self, action: Callable) -> dict:
        """Run action(host) on every node of the task in parallel; results by node."""
        return dict(zip(self.task.nodes, in_parallel(lambda node: action(self.host(node)), self.task.nodes),
                        strict=True))

    def until(self, look: Callable[[], Verdict], seconds: float) -> Verdict:
        """For state that settles (a service converging, a node going Down): look again, asking the nodes
        afresh rather than reusing the grade's answers, until the verdict passes or `seconds` have passed.
        Used sparingly: a grade of a state that holds returns at the first look."""
        found = look()
        deadline = time.monotonic() + seconds
        while not found.passed and time.monotonic() < deadline:
            time.sleep(SETTLE_INTERVAL)
            with self.cluster.fresh():
                found = look()
        return found

    def note(self, text: str) -> None:
        """A fact shown with the result that earns or costs nothing (e.g. the restart policy)."""
        self.notes.append(text)

    def grade(self, results: dict[str, Verdict | dict[str, Verdict]]) -> None:
        """Score the task from its sub-checks' verdicts (every declared check, no other)."""
        self.result = grade_task(self.task, results, self.notes)
