"""A lab's start state ([start] in lab.toml), applied over the cluster's testinfra hosts on every backend:
another lab's solved state, the swarm roles (one bootstrap, with checks.swarm's idempotent steps), then
the lab's own setup steps."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checks import run_or_raise, swarm
from dcalab.backends.base import Cluster, in_parallel
from dcalab.errors import DcalabError
from dcalab.grading import PASS
from dcalab.lab import START_STATE, STARTED_LABS, Lab, Start, find_lab
from dcalab.progress import step
from dcalab.session import LabSession

if TYPE_CHECKING:
    from dcalab.backends.snapshot_store import SnapshotStore

# What a lab may leave on a node, one line each, and how --force removes it (with the swarm itself: secrets,
# node labels, autolock and CA settings live there, and the start forms a new one).
LEFTOVERS = (
    "docker ps -aq | sed 's/^/container /'; docker volume ls -q | sed 's/^/volume /'; "
    "docker image ls --format 'image {{.Repository}}:{{.Tag}}'; "
    "[ -e /etc/docker/daemon.json ] && echo 'file /etc/docker/daemon.json'; "
    "docker service ls -q 2>/dev/null | sed 's/^/service /'; "
    "docker network ls --filter type=custom --format 'network {{.Name}}'; true"
)
CLEAN = (
    "svcs=$(docker service ls -q 2>/dev/null); [ -z \"$svcs\" ] || docker service rm $svcs >/dev/null; "
    "ids=$(docker ps -aq); [ -z \"$ids\" ] || docker rm -f $ids >/dev/null; "
    "vols=$(docker volume ls -q); [ -z \"$vols\" ] || docker volume rm -f $vols >/dev/null; "
    "docker image prune -af >/dev/null; "
    "if [ -e /etc/docker/daemon.json ]; then rm -f /etc/docker/daemon.json; "
    "systemctl reset-failed docker.service docker.socket; systemctl restart docker; fi; "
    "docker swarm leave --force >/dev/null 2>&1; docker network prune -f >/dev/null; true"
)


@dataclass(frozen=True)
class Started:
    lab: str
    seconds: float
    recreated: bool  # the nodes were made anew (embedded); else the start was applied to the nodes as they were
    leftovers: dict[str, list[str]]  # node -> what other labs left there (kept without --force)
    restored: bool = False  # from the lab's start snapshot (dcalab.backends.snapshot_store), not replayed

    @property
    def how(self) -> str:
        """How the nodes came to the start, as a learner reads it."""
        made = "on nodes made anew" if self.recreated else "on the nodes as they were"
        return made + (" from its start snapshot" if self.restored else "")


def form_swarm(cluster: Cluster, start: Start) -> None:
    """The swarm the start names: its first manager leads, the other managers and the workers join it,
    every other node is in no swarm."""
    in_parallel(lambda node: swarm.ensure_outside(cluster.host(node)), start.outside)
    if not start.managers:
        return
    leader = cluster.topology.node(start.managers[0])
    manager = cluster.host(leader.name)
    swarm.ensure_leader(manager, leader.ip)
    address = f"{leader.ip}:{cluster.topology.swarm_port}"

    def join(node: str, role: str) -> None:
        swarm.ensure_member(manager, address, cluster.host(node), cluster.topology.node(node).fqdn, role)

    for node in start.managers[1:]:  # one manager at a time: raft adds members one by one
        join(node, "manager")
    in_parallel(lambda node: join(node, "worker"), start.workers)


def apply_start(cluster: Cluster, lab: Lab, _after: tuple[str, ...] = ()) -> None:
    """Bring the nodes, as they are, to the lab's start: another lab solved, swarm roles, setup steps.
    A lab that starts after another and names no roles keeps that lab's swarm."""
    if lab.id in _after:
        raise DcalabError(f"The labs {' -> '.join((*_after, lab.id))} each start where the next ends: a loop.",
                          f"Remove after_lab from one of them ({lab.folder / 'lab.toml'}).")
    if lab.start.after_lab:
        earlier = find_lab(lab.start.after_lab)
        apply_start(cluster, earlier, (*_after, lab.id))
        with step(f"Solving the lab {earlier.id}, where {lab.id} starts"):
            results = LabSession(earlier, cluster, solving=True).run_all()
        failed = [f"{task} ({result.status}: {result.hint})" for task, result in results.items()
                  if result.status != PASS]
        if failed:
            raise DcalabError(f"The lab {lab.id} starts where {earlier.id} ends, and solving {earlier.id} failed: "
                              f"{'; '.join(failed)}.", "Check the cluster (dcalab cluster status) and start again.")
    if lab.start.managers or not lab.start.after_lab:
        with step(f"Forming the swarm {lab.id} starts with"):
            form_swarm(cluster, lab.start)
    for setup in lab.localized(cluster.topology).start.steps:  # a named cluster's addresses in them
        result = cluster.host(setup.node).run(setup.run)
        if result.rc != 0:
            said = (result.stderr or result.stdout).strip()[-300:]
            raise DcalabError(f"A start step of the lab {lab.id} failed on {setup.node}: `{setup.run}` said: {said}",
                              f"The cluster is still usable. Look on the node (dcalab shell {setup.node}), then run "
                              f"dcalab lab start {lab.id} again.")
    run_or_raise(cluster.host("master"), "mkdir -p %s && echo %s >> %s", STARTED_LABS.rpartition("/")[0], lab.id,
                 STARTED_LABS)


def leftovers(cluster: Cluster) -> dict[str, list[str]]:
    """What is on each node that a lab's start does not make: containers, volumes, images, services, daemon.json."""
    nodes = cluster.topology.nodes
    found = in_parallel(lambda node: run_or_raise(cluster.host(node.name), LEFTOVERS).split("\n"), nodes)
    return {node.name: [line for line in lines if line] for node, lines in zip(nodes, found, strict=True)}


# What docker makes by itself a while after a node joins a swarm: no one's work
BY_DOCKER = {"network docker_gwbridge", "network ingress"}


def state_digest(cluster: Cluster) -> str:
    """One digest of what every node holds that a lab's work changes (containers, volumes, images, services,
    networks, daemon.json)."""
    found = in_parallel(lambda node: run_or_raise(cluster.host(node.name), LEFTOVERS), cluster.topology.nodes)
    kept = [f"{node.name} {line}" for node, lines in zip(cluster.topology.nodes, found, strict=True)
            for line in lines.split("\n") if line and line not in BY_DOCKER]
    return hashlib.sha256("\n".join(kept).encode()).hexdigest()


def work_since_start(cluster: Cluster) -> str:
    """The lab whose start these nodes hold, when they changed since that start; "" when they did not, hold no
    start, or cannot be asked (nodes down: nothing to keep running)."""
    try:
        held = cluster.host("master").run("tail -n 1 %s && cat %s", STARTED_LABS, START_STATE)
        lab, _, digest = held.stdout.strip().partition("\n")
        return lab if held.rc == 0 and digest and digest != state_digest(cluster) else ""
    except DcalabError:
        return ""


def start_lab(cluster: Cluster, lab: Lab, force: bool = False, go_on: Callable[[str], bool] | None = None,
              fresh: bool = False) -> Started | None:
    """`dcalab lab start`: nodes made anew where dcalab made them, else cleaned only with `force`; then the start,
    restored from the lab's start snapshot where the backend keeps them (unless `fresh`), else replayed (and
    recorded). With `go_on`, nodes that hold another start's work (the lab's name) are changed only if
    go_on(that lab) says so; None when it did not."""
    began = time.monotonic()
    if go_on is not None:
        worked_on = work_since_start(cluster)
        if worked_on and not go_on(worked_on):
            return None
    store = cluster.snapshots()
    if store is None:
        (recreated, left), restored = _replay(cluster, lab, force), False
    else:
        recreated, left, restored = _from_snapshot(store, cluster, lab, force, fresh)
    run_or_raise(cluster.host("master"), "echo %s > %s", state_digest(cluster), START_STATE)
    return Started(lab.id, time.monotonic() - began, recreated, left, restored)


def _from_snapshot(store: SnapshotStore, cluster: Cluster, lab: Lab, force: bool,
                   fresh: bool) -> tuple[bool, dict[str, list[str]], bool]:
    """The start restored from the lab's snapshot, else replayed and recorded (replayed again when the nodes did
    not come back from the recording): (nodes made anew, what other labs left, restored). One start at a time
    replays and records a snapshot: a class's first starts, in parallel, wait for the one that records it, then
    restore it."""
    key = store.key(lab)
    with store.recording(key):
        snapshot = None if fresh else store.find(key)
        if snapshot is None:
            recreated, left = _replay(cluster, lab, force)
            if not store.record(key, lab):
                recreated, left = _replay(cluster, lab, force)
            return recreated, left, False
    if store.restore(snapshot):
        return True, {}, True
    return _from_snapshot(store, cluster, lab, force, fresh=True)  # the snapshot is removed: replayed and recorded


def _replay(cluster: Cluster, lab: Lab, force: bool) -> tuple[bool, dict[str, list[str]]]:
    """The start applied step by step: (the nodes were made anew, what other labs left on them)."""
    recreated = cluster.recreate_nodes()
    left: dict[str, list[str]] = {}
    if not recreated:
        left = {node: items for node, items in leftovers(cluster).items() if items}
        if force:
            with step("Removing what other labs left on the nodes, and their swarm"):
                in_parallel(lambda node: run_or_raise(cluster.host(node.name), CLEAN), cluster.topology.nodes)
            left = {}
        run_or_raise(cluster.host("master"), "rm -f %s", STARTED_LABS)  # the start applied below is the one now
    apply_start(cluster, lab)
    return recreated, left
