"""What every cluster backend offers: the lifecycle of the lab's nodes and a testinfra host per node."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import testinfra
from testinfra.host import Host

from dcalab.backends.shell import shell_host


@dataclass
class NodeStatus:
    """One node (or helper like the hub) as `dcalab cluster status` reports it."""

    name: str
    state: str  # a word: running, missing, stopped, paused, broken
    problems: list[str] = field(default_factory=list)  # each a sentence with its fix
    notes: list[str] = field(default_factory=list)  # facts that are not problems (lab progress)

    @property
    def healthy(self) -> bool:
        return not self.problems


class Cluster(ABC):
    """A lab cluster: master, worker1, worker2 and registry, brought to the seed's starting point."""

    name: str

    def __init__(self, transport: str = "shell", read_only: bool = False) -> None:
        self.transport = transport  # "shell": one persistent shell per node; "exec": one process per command
        self.read_only = read_only  # while grading: a command repeated on a node is answered once
        self._hosts: dict[str, Host] = {}

    @abstractmethod
    def up(self) -> None:
        """Create what is missing and repair what is broken; a no-op on a healthy cluster."""

    @abstractmethod
    def down(self) -> None:
        """Remove every node, network and volume of this cluster."""

    @abstractmethod
    def reset(self) -> None:
        """Return a used cluster to the pristine state."""

    @abstractmethod
    def status(self) -> list[NodeStatus]:
        """Per node: what runs and what is wrong, without changing anything."""

    @abstractmethod
    def host_spec(self, node: str) -> str:
        """The testinfra host spec of a node, e.g. docker://dcalab-master."""

    @abstractmethod
    def shell_command(self, node: str) -> list[str]:
        """The command that opens an interactive root shell on a node."""

    @abstractmethod
    def pipe_command(self, node: str) -> list[str]:
        """The command that runs a non-interactive root shell on a node, reading stdin."""

    def host(self, node: str) -> Host:
        """The node as a testinfra host, over the cluster's transport (kept for the session)."""
        if node not in self._hosts:
            if self.transport == "exec":
                self._hosts[node] = testinfra.get_host(self.host_spec(node))
            else:
                self._hosts[node] = shell_host(self.pipe_command(node), node, cache=self.read_only)
        return self._hosts[node]
