"""The lab's nodes, names and addresses, read from topology.json (also read by the Vagrantfile).

Swarm roles are not here: each lab's lab.toml says where it starts ([start])."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dcalab.errors import UnknownNode

TOPOLOGY_FILE = Path(__file__).with_name("topology.json")


@dataclass(frozen=True)
class Node:
    name: str
    ip: str
    domain: str

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.domain}"


@dataclass(frozen=True)
class Topology:
    domain: str
    network: str
    subnet: str
    gateway: str
    swarm_port: int
    hub_ip: str
    hub_aliases: tuple[str, ...]
    nodes: tuple[Node, ...]

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if name in (node.name, node.fqdn):
                return node
        known = ", ".join(n.name for n in self.nodes)
        raise UnknownNode(f"There is no node called {name!r} in the lab; the nodes are {known}.")

    @property
    def hub_fqdn(self) -> str:
        return f"hub.{self.domain}"

    def hosts_entries(self) -> dict[str, str]:
        """Every node's name and FQDN mapped to its address, as /etc/hosts would list them."""
        entries = {}
        for node in self.nodes:
            entries[node.fqdn] = node.ip
            entries[node.name] = node.ip
        return entries


@cache
def topology() -> Topology:
    data = json.loads(TOPOLOGY_FILE.read_text())
    domain = data["domain"]
    return Topology(
        domain=domain,
        network=data["network"]["name"],
        subnet=data["network"]["subnet"],
        gateway=data["network"]["gateway"],
        swarm_port=data["swarm_port"],
        hub_ip=data["hub"]["ip"],
        hub_aliases=tuple(data["hub"]["aliases"]),
        nodes=tuple(Node(n["name"], n["ip"], domain) for n in data["nodes"]),
    )
