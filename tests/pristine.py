"""What a lab's start means on the embedded cluster, checked on the real nodes (shared by tests)."""

from __future__ import annotations

from checks.swarm import local_swarm, node_list
from dcalab.backends.base import Cluster
from dcalab.lab import Lab, load_lab
from dcalab.start import start_lab
from dcalab.topology import topology
from tests.labrun import LAB

REGISTRY_LAB = load_lab(LAB)


def start_registry(cluster: Cluster) -> None:
    """The registry lab's start (the seed's starting point), on nodes made anew."""
    start_lab(cluster, REGISTRY_LAB)


def pristine_violations(cluster: Cluster, lab: Lab = REGISTRY_LAB) -> list[str]:
    """Every way the cluster differs from the lab's start; empty when it is there."""
    found = []
    start, topo = lab.start, topology()
    listed = {(entry["Hostname"], entry["Status"], entry["ManagerStatus"])
              for entry in node_list(cluster.host(start.managers[0]))}
    expected = {(topo.node(node).fqdn, "Ready", "Leader" if node == start.managers[0] else "Reachable")
                for node in start.managers} | {(topo.node(node).fqdn, "Ready", "") for node in start.workers}
    if listed != expected:
        found.append(f"docker node ls shows {sorted(listed)}, expected {sorted(expected)}")
    for node in topo.nodes:
        host = cluster.host(node.name)
        state = local_swarm(host)["LocalNodeState"]
        if node.name in start.outside and state != "inactive":
            found.append(f"{node.name} is in a swarm ({state})")
        if host.file("/etc/docker/daemon.json").exists:
            found.append(f"{node.name} has /etc/docker/daemon.json")
        for what in ("container ls -aq", "image ls -q"):
            if host.check_output(f"docker {what}"):
                found.append(f"{node.name}: `docker {what}` is not empty")
    return found
