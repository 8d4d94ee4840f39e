"""The lab's nodes, names and addresses, read from topology.json (also read by the Vagrantfile).

Swarm roles are not here: each lab's lab.toml says where it starts ([start])."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from dcalab.errors import UnknownNode

TOPOLOGY_FILE = Path(__file__).with_name("topology.json")
ADDRESS = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\d.])")  # an IPv4 address or range


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

    def renumbered(self, network: str, subnet: str) -> Topology:
        """The same nodes and hub on another lab network and /24: each address keeps its host part
        (10.10.10.100 -> 10.10.12.100), so a named cluster's addresses read like the default cluster's."""
        moved = self.address_map(subnet)
        return replace(self, network=network, subnet=subnet, gateway=moved[self.gateway], hub_ip=moved[self.hub_ip],
                       nodes=tuple(replace(node, ip=moved[node.ip]) for node in self.nodes))

    def address_map(self, subnet: str) -> dict[str, str]:
        """This topology's addresses (network, gateway, hub, nodes) -> the same host parts in `subnet`."""
        base = ipaddress.ip_network(subnet).network_address
        own = ipaddress.ip_network(self.subnet).network_address
        addresses = [self.gateway, self.hub_ip, *(node.ip for node in self.nodes)]
        moved = {address: str(base + (int(ipaddress.ip_address(address)) - int(own))) for address in addresses}
        return {self.subnet: subnet, **moved}

    def localize(self, text: str) -> str:
        """Text written for the default cluster (a lab's instructions, hints) with this cluster's addresses:
        only the topology's own addresses change (a DNS server 10.10.10.53 named by a task stays)."""
        return topology().readdress(text, self.subnet)

    def readdress(self, text: str, subnet: str) -> str:
        """Text naming this topology's addresses with the same host parts in `subnet` instead; others stay."""
        if subnet == self.subnet:
            return text
        moved = self.address_map(subnet)
        return ADDRESS.sub(lambda found: moved.get(found.group(0), found.group(0)), text)

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
