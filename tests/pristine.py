"""What `pristine` means for the embedded cluster, checked on the real nodes (shared by tests)."""

from __future__ import annotations

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.topology import topology


def pristine_violations(cluster: EmbeddedCluster) -> list[str]:
    """Every way the cluster differs from the seed's starting point; empty when pristine."""
    found = []
    topo = topology()
    listed = {(entry["Hostname"], entry["Status"], entry["ManagerStatus"]) for entry in cluster.swarm_nodes()}
    expected = {
        (node.fqdn, "Ready", "Leader" if node.swarm == "manager" else "") for node in topo.nodes if node.swarm != "none"
    }
    if listed != expected:
        found.append(f"docker node ls shows {sorted(listed)}, expected {sorted(expected)}")
    for node in topo.nodes:
        host = cluster.host(node.name)
        state = cluster.swarm_info(node)["LocalNodeState"]
        if node.swarm == "none" and state != "inactive":
            found.append(f"{node.name} is in a swarm ({state})")
        if host.file("/etc/docker/daemon.json").exists:
            found.append(f"{node.name} has /etc/docker/daemon.json")
        for what in ("container ls -aq", "image ls -q"):
            if host.check_output(f"docker {what}"):
                found.append(f"{node.name}: `docker {what}` is not empty")
    return found
