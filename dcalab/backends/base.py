"""What every cluster backend offers: the lifecycle of the lab's nodes and a testinfra host per node."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import testinfra
from testinfra.host import Host


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

    def host(self, node: str) -> Host:
        return testinfra.get_host(self.host_spec(node))
