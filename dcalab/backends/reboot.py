"""Restarting a cluster's nodes for a grade after a reboot (pytest --lab-reboot), and waiting until they are back.

Each backend restarts one node its own way (Cluster.restart_node); this module does what is the same everywhere:
note which nodes were in a swarm, restart them all at once, then wait until each has booted and its swarm has it
back. Every wait is bounded: a node whose docker does not come back (never enabled, a daemon.json it refuses, a
swarm locked without its key) is exactly what the grade after it must find, so the grade starts anyway.
"""

from __future__ import annotations

import subprocess
import time
from typing import TYPE_CHECKING

from dcalab.backends.base import in_parallel

if TYPE_CHECKING:
    from dcalab.backends.base import Cluster

REBOOT_TIMEOUT = 90  # seconds the restarted nodes have to boot and rejoin their swarm; then the grade looks
POLL = 0.5  # seconds between two looks at a node that is not back yet
# One look at a node: systemd's state once it has started what is enabled (--wait waits for that, once systemd
# answers at all), then docker's swarm membership, node id and role when docker.service runs (asked through
# systemctl first: a grade never starts a stopped docker through its socket).
BOOTED = ("timeout {wait} systemctl is-system-running --wait >/dev/null 2>&1; systemctl is-system-running; "
          "systemctl is-active -q docker.service && docker info --format '{{{{.Swarm.LocalNodeState}}}} "
          "{{{{.Swarm.NodeID}}}} {{{{.Swarm.ControlAvailable}}}}' 2>/dev/null; true")
BOOTING = ("", "offline", "initializing", "starting")  # systemd's states before a boot is done (offline: not yet up)
SETTLING = ("pending",)  # swarm states that become something else by themselves


def ask(cluster: Cluster, node: str, script: str, timeout: float) -> str:
    """The output of a shell script on a node, in a shell of its own (not a grade's cached one); "" when the node
    does not answer in time."""
    try:
        done = subprocess.run(cluster.pipe_command(node), input=script, capture_output=True, text=True,
                              timeout=max(timeout, 1))
    except (subprocess.TimeoutExpired, OSError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def swarm_state(cluster: Cluster, node: str, deadline: float) -> tuple[str, str, str, bool]:
    """(systemd's state, docker's LocalNodeState, NodeID, is a manager); the last three empty when docker does not
    run, all empty when the node does not answer."""
    wait = max(int(deadline - time.monotonic()), 1)
    system, _, swarm = ask(cluster, node, BOOTED.format(wait=wait), wait + 5).partition("\n")
    fields = swarm.split(" ")  # a locked manager's NodeID is empty
    return (system, fields[0], fields[1], fields[2] == "true") if len(fields) == 3 else (system, "", "", False)


def restart_and_wait(cluster: Cluster, nodes: list[str], timeout: float = REBOOT_TIMEOUT) -> None:
    """Restart the nodes at once, then wait (until `timeout` s after the restart) for each to boot and for every
    node that was in a swarm to be in it again, Ready on a manager (one restarted with them, or one that was not)."""
    everyone = [node.name for node in cluster.topology.nodes]
    soon = time.monotonic() + 5  # running nodes answer at once
    before = dict(zip(everyone, in_parallel(lambda node: swarm_state(cluster, node, soon), everyone), strict=True))
    deadline = time.monotonic() + timeout
    in_parallel(lambda node: cluster.restart_node(node, deadline), nodes)
    cluster.reconnect()  # the old shells went with the old boot
    after = dict(before)
    managers = [node for node in nodes if before[node][3]]  # first: a worker joins its swarm through them
    after.update(zip(managers, in_parallel(lambda node: _settled(cluster, node, deadline, deadline), managers),
                     strict=True))
    manager = next((node for node in everyone if after[node][1] == "active" and after[node][3]), None)
    # without a manager (all locked or down) a worker stays pending: no waiting for that
    joined_by = deadline if manager is not None else 0
    workers = [node for node in nodes if node not in managers]
    after.update(zip(workers, in_parallel(lambda node: _settled(cluster, node, deadline, joined_by), workers),
                     strict=True))
    back = [node for node in nodes if before[node][1] == after[node][1] == "active"]
    if back and manager is not None:
        _wait_ready(cluster, manager, [after[node][2] for node in back], deadline)


def _settled(cluster: Cluster, node: str, booted_by: float, joined_by: float) -> tuple[str, str, str, bool]:
    """The node's state (swarm_state) once it has booted (or at `booted_by`) and its swarm membership is not
    settling (or at `joined_by`)."""
    while True:
        state = swarm_state(cluster, node, booted_by)
        now = time.monotonic()
        if now > booted_by or (state[0] not in BOOTING and (state[1] not in SETTLING or now > joined_by)):
            return state
        time.sleep(POLL)


def _wait_ready(cluster: Cluster, manager: str, node_ids: list[str], deadline: float) -> None:
    """Until the manager sees every one of these swarm nodes Ready (a restarted node shows Down for a while)."""
    script = "docker node inspect --format '{{.Status.State}}' " + " ".join(node_ids)
    while time.monotonic() < deadline:
        states = ask(cluster, manager, script, deadline - time.monotonic()).split()
        if len(states) == len(node_ids) and set(states) == {"ready"}:
            return
        time.sleep(POLL)
