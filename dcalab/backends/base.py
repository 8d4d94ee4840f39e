"""What every cluster backend offers: the lifecycle of the lab's nodes and a testinfra host per node."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from testinfra.host import Host

from dcalab.backends.shell import GRADE_TIMEOUT, SOLVE_TIMEOUT, ShellBackend, exec_host, shell_host
from dcalab.errors import DcalabError, EnvironmentFault
from dcalab.settings import CLUSTER_ENV
from dcalab.settings import cluster_name as cluster_name_setting
from dcalab.topology import Topology, topology

if TYPE_CHECKING:
    from dcalab.backends.snapshot_store import SnapshotStore

T, R = TypeVar("T"), TypeVar("R")


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


def in_parallel(function: Callable[[T], R], items: Iterable[T], most: int = 4) -> list[R]:
    """function(item) for each item, at once (one thread per item, up to `most`: by default the lab's four nodes);
    results in order."""
    items = list(items)
    with ThreadPoolExecutor(max_workers=max(min(len(items), most), 1)) as pool:
        return list(pool.map(function, items))


def one_at_a_time(function: Callable[[T], object], containers: Iterable[T]) -> None:
    """function(container) for each container of one lab network, in turn, where it stops or removes them: the
    containers of one network leaving it at once can deadlock the engine's network controller (docker 20.10.24, as
    Debian ships it: moby/libnetwork#2649, fixed upstream by moby/libnetwork#2679), which then answers no call."""
    for container in containers:
        function(container)


def swarm_note(state: str, is_manager: bool) -> str:
    """A node's swarm membership as status shows it (a lab's start says what it should be)."""
    return "not in a swarm" if state == "inactive" else f"swarm {state} as {'manager' if is_manager else 'worker'}"


# What status asks a node's docker, in one `docker info --format` round trip: its engine version and swarm membership.
ENGINE_FORMAT = "{{.ServerVersion}} {{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"


def engine_notes(code: int, output: str) -> list[str] | None:
    """Status notes from a node's answer to `docker info --format ENGINE_FORMAT`; None when no daemon answered.
    The exit status alone does not tell: docker 20.10's client exits 1 without a daemon, but 26's (Debian trixie)
    exits 0, printing the template with empty fields (here "  false") and the reason on stderr."""
    fields = output.split()
    if code or len(fields) != 3:
        return None
    version, state, is_manager = fields
    return [f"docker {version}", swarm_note(state, is_manager == "true")]


class Cluster(ABC):
    """A lab cluster: master, worker1, worker2 and registry, each running docker."""

    name: str
    named_clusters = False  # only the embedded backend makes many clusters side by side (--cluster-name)

    def __init__(self, transport: str = "shell", read_only: bool = False, timeout: float | None = None,
                 user: str = "", cluster_name: str | None = None, restarts: bool = False) -> None:
        self.cluster_name = cluster_name_setting(cluster_name)  # "" for the default cluster
        if self.cluster_name and not self.named_clusters:
            raise DcalabError(f"The {self.name} cluster has no named clusters (--cluster-name, ${CLUSTER_ENV}): its "
                              "nodes are the hosts it is given.", f"Unset {CLUSTER_ENV}, or use --cluster embedded.")
        self.transport = transport  # "shell": one persistent shell per node; "exec": one process per command
        self.read_only = read_only  # while grading: a command repeated on a node is answered once
        self.timeout = timeout or (GRADE_TIMEOUT if read_only else SOLVE_TIMEOUT)  # per command
        self.user = user  # run node commands as this user instead of root
        self.restarts = restarts  # may restart the nodes: only a grade after a reboot (pytest --lab-reboot) does
        self._hosts: dict[str, Host] = {}
        self._fresh = False  # inside fresh(): commands ask the nodes again

    @property
    def identity(self) -> str:
        """The backend and, for a named cluster, its name: what keeps one cluster's state from another's."""
        return f"{self.name}-{self.cluster_name}" if self.cluster_name else self.name

    @property
    def topology(self) -> Topology:
        """The nodes' names and addresses in this cluster."""
        return topology()

    @abstractmethod
    def up(self) -> None:
        """Create what is missing and repair what is broken; a no-op on a healthy cluster."""

    @abstractmethod
    def down(self) -> None:
        """Remove every node, network and volume of this cluster."""

    @abstractmethod
    def reset(self) -> None:
        """Make the nodes anew where dcalab made them: docker running, nothing else (a lab's start does the rest)."""

    def recreate_nodes(self) -> bool:
        """Make the nodes anew for a lab's start, if this backend made them; False when it cannot (SSH hosts)."""
        return False

    def snapshots(self) -> SnapshotStore | None:
        """The start snapshots this backend records and restores (dcalab.backends.snapshot_store); None when it
        keeps none."""
        return None

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
    def ssh_config(self) -> str:
        """An ssh_config naming every node (as `vagrant ssh-config` prints)."""

    @abstractmethod
    def pipe_command(self, node: str) -> list[str]:
        """The command that runs a non-interactive root shell on a node, reading stdin; asked each time one
        of the node's shells starts."""

    def restart_nodes(self, nodes: list[str]) -> None:
        """Restart these nodes as a power cycle would and wait, bounded, until they are back (dcalab.backends.reboot):
        for a grade after a reboot, the one grade that changes the nodes. Any other session is refused."""
        if not self.restarts:
            raise DcalabError("This session grades without changing the nodes, so it does not restart them.",
                              "Grade after a reboot with: pytest labs/LAB --lab-reboot")
        from dcalab.backends.reboot import restart_and_wait

        restart_and_wait(self, nodes)

    def restart_node(self, node: str, deadline: float) -> None:
        """Restart one node and return once it runs again (its shell answers), or at the deadline (time.monotonic)."""
        raise DcalabError(f"The {self.name} cluster cannot restart its nodes.", "Grade without --lab-reboot.")

    def start_hint(self, node: str) -> str:
        """What to do when the harness cannot reach a node (a sentence with the command)."""
        return "Start it: dcalab cluster up"

    def reconnect(self) -> None:
        """Forget the open shells: the next command on a node opens a new one (after a node was recreated,
        paused or cut off)."""
        for host in self._hosts.values():
            if isinstance(host.backend, ShellBackend):
                host.backend.shell.close()
        self._hosts.clear()

    def forget_answers(self) -> None:
        """Keep the open shells but drop a read-only grade's answers: the next grade asks the nodes again."""
        for host in self._hosts.values():
            if isinstance(host.backend, ShellBackend) and host.backend.cache is not None:
                host.backend.cache.clear()

    @contextlib.contextmanager
    def fresh(self) -> Iterator[None]:
        """Commands inside ask the nodes again instead of reusing a read-only grade's answers (the new
        answers replace the old ones): for state that settles while a grade waits for it."""
        self._fresh = True
        self._set_fresh()
        try:
            yield
        finally:
            self._fresh = False
            self._set_fresh()

    def _set_fresh(self) -> None:
        for host in self._hosts.values():
            if isinstance(host.backend, ShellBackend):
                host.backend.fresh = self._fresh

    def prefetch(self, plan: dict[str, list[str]]) -> None:
        """Answer a read-only grade's expected commands with one round trip per node, all nodes at once."""
        if self.transport != "shell" or not self.read_only:
            return

        def fetch(node: str) -> None:
            with contextlib.suppress(EnvironmentFault, DcalabError):  # the task that needs this node reports it
                self.host(node).backend.prefetch(plan[node])

        in_parallel(fetch, plan)

    def asked(self) -> dict[str, list[str]]:
        """The commands this session asked of each node, in order: the plan for the next grade's prefetch."""
        return {node: list(host.backend.asked) for node, host in self._hosts.items()
                if isinstance(host.backend, ShellBackend)}

    def host(self, node: str) -> Host:
        """The node as a testinfra host, over the cluster's transport (kept for the session)."""
        if node not in self._hosts:
            if self.transport == "exec":
                self._hosts[node] = exec_host(self.host_spec(node), node, self.timeout)
            else:
                self._hosts[node] = shell_host(lambda: self.pipe_command(node), node, self.read_only, self.timeout,
                                               fix=lambda: self.start_hint(node))
                self._hosts[node].backend.fresh = self._fresh
        return self._hosts[node]
