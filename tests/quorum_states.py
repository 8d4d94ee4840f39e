"""The operations lab's quorum task: the states a learner's recovery may leave, made on the real cluster from the
lab's start (shared by its cluster tests and the recorded grades)."""

from __future__ import annotations

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import load_lab
from tests.labrun import ROOT, join_swarm, sh

OPERATIONS_LAB = load_lab(ROOT / "labs" / "operations")


def forced_new_cluster(cluster: EmbeddedCluster) -> None:
    ip = cluster.topology.node("master").ip
    sh(cluster, "master", f"docker swarm init --force-new-cluster --advertise-addr {ip}")


def rejoined_as_worker(cluster: EmbeddedCluster) -> None:
    """Recovered, but worker2 joined with the worker token."""
    forced_new_cluster(cluster)
    join_swarm(cluster, "worker1", "manager")
    join_swarm(cluster, "worker2", "worker")


def initialised_anew(cluster: EmbeddedCluster) -> None:
    """master left its swarm and made a new one (services and secret gone); both nodes joined it as managers."""
    sh(cluster, "master", "docker swarm leave --force && docker swarm init --advertise-addr "
                          f"{cluster.topology.node('master').ip}")
    join_swarm(cluster, "worker1", "manager")
    join_swarm(cluster, "worker2", "manager")
