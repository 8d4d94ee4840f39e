"""Cluster backends: one file per way of running the lab's four nodes."""

from __future__ import annotations

from dcalab.backends.base import Cluster, NodeStatus
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.ssh import SshCluster
from dcalab.backends.vagrant import VagrantCluster
from dcalab.errors import DcalabError

BACKENDS: dict[str, type[Cluster]] = {
    cluster.name: cluster for cluster in (EmbeddedCluster, SshCluster, VagrantCluster)
}


def get_cluster(name: str = "embedded", **options) -> Cluster:
    """The cluster backend called `name`; options as Cluster.__init__ takes them."""
    try:
        return BACKENDS[name](**options)
    except KeyError:
        raise DcalabError(
            f"There is no cluster backend called {name!r}.", f"Use one of: {', '.join(BACKENDS)}."
        ) from None


__all__ = ["BACKENDS", "Cluster", "NodeStatus", "get_cluster"]
