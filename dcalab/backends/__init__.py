"""Cluster backends: one file per way of running the lab's four nodes, looked up by name and imported only
when chosen (as testinfra's backend registry does): grading over SSH never imports the Docker SDK, and only
the Vagrant backend imports python-vagrant."""

from __future__ import annotations

import importlib

from dcalab.backends.base import Cluster, NodeStatus
from dcalab.errors import DcalabError

BACKENDS: dict[str, str] = {  # name -> the class, as module.Class
    "embedded": "dcalab.backends.embedded.EmbeddedCluster",
    "ssh": "dcalab.backends.ssh.SshCluster",
    "vagrant": "dcalab.backends.vagrant.VagrantCluster",
}


def backend_class(name: str) -> type[Cluster]:
    if name not in BACKENDS:
        raise DcalabError(f"There is no cluster backend called {name!r}.", f"Use one of: {', '.join(BACKENDS)}.")
    module, _, cls = BACKENDS[name].rpartition(".")
    return getattr(importlib.import_module(module), cls)


def get_cluster(name: str = "embedded", **options) -> Cluster:
    """The cluster backend called `name`; options as Cluster.__init__ takes them."""
    return backend_class(name)(**options)


__all__ = ["BACKENDS", "Cluster", "NodeStatus", "backend_class", "get_cluster"]
