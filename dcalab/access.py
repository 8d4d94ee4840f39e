"""SSH to an embedded cluster's nodes from other machines: what `dcalab class` hands a learner.

Per cluster, a small forwarding container (dcalab-NAME-access: busybox's nc, from the dcalab/busybox image that
dcalab makes offline) on the cluster's lab network publishes one port of this server per node, each passed on to
that node's sshd. Docker publishes the ports, so this works for root and for a member of the docker group alike,
bound to the address the trainer chooses. A named cluster's nodes let in its own key alone (dcalab.pki.cluster_ssh_key),
so a learner's key opens no other learner's nodes.

The ports each cluster was given are kept in the state (access-ports.json) and given to it again when its forwarder
is made anew, so the lines handed out stay right; a new cluster takes the first ports that no record, no running
container of the engine and (for an engine on this machine) no program here holds. The forwarder goes with its
cluster (EmbeddedCluster.down), and its ports with it.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import shlex
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dcalab.backends.base import NodeStatus
from dcalab.errors import DcalabError
from dcalab.settings import state_dir, write_whole

if TYPE_CHECKING:
    from dcalab.backends.embedded import EmbeddedCluster

ROLE = "access"  # the forwarder's org.dcalab.role, beside the nodes' "node" and the hub's "hub"
PORTS_LABEL = "org.dcalab.access-ports"  # node=port,node=port: what the lines handed out say
BIND_LABEL = "org.dcalab.access-bind"
ALL_ADDRESSES = "0.0.0.0"
FIRST_PORT = 22001
HOST_PART = 250  # the forwarder's address on a lab network: apart from the hub (.2) and the nodes (.100 to .130)
ALLOCATING = threading.Lock()  # a class's clusters are started in parallel: one takes its ports at a time
NAME_ONE = "Give one of this server's addresses (ip -brief address lists them), or leave --bind out for all of them."


@dataclass(frozen=True)
class Access:
    """A cluster's forwarded ports: the address they listen on and each node's port."""

    bind: str
    ports: dict[str, int]

    def lines(self, key: Path, address: str) -> dict[str, str]:
        """Per node, the ssh command a learner types on their machine, with the key handed to them."""
        return {node: f"ssh -i {shlex.quote(str(key))} -p {port} root@{address}" for node, port in self.ports.items()}


def forwarder_name(cluster: EmbeddedCluster) -> str:
    return f"{cluster.prefix}{ROLE}"


def _records_file() -> Path:
    return state_dir() / "access-ports.json"


def _records() -> dict[str, dict[str, int]]:
    """Forwarder name -> its nodes' ports, as given before; a record that is not one is no record."""
    with contextlib.suppress(OSError, ValueError):
        found = json.loads(_records_file().read_text())
        if isinstance(found, dict):
            return {name: ports for name, ports in found.items() if isinstance(ports, dict)}
    return {}


def _save(records: dict[str, dict[str, int]]) -> None:
    write_whole(_records_file(), json.dumps(records, indent=1) + "\n")


def _published(client) -> set[int]:
    """The host ports the engine's running containers publish."""
    return {port["PublicPort"] for container in client.api.containers() for port in container.get("Ports", [])
            if port.get("PublicPort")}


def checked_bind(bind: str) -> str:
    """The address the ports are to listen on, when it is an IP address; else the sentence saying what to give."""
    try:
        return str(ipaddress.ip_address(bind))
    except ValueError:
        raise DcalabError(f"--bind {bind} is not an IP address, so the learners' SSH ports cannot listen on it.",
                          NAME_ONE) from None


def free_here(bind: str, port: int) -> bool:
    """No program on this machine listens on the port (at the address, or at all addresses); an address this
    machine does not have is the sentence saying so."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((bind, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise DcalabError(f"The learners' SSH ports cannot listen on {bind}: {error.strerror}.", NAME_ONE) from None
    return True


def allocate_ports(nodes: list[str], taken: set[int], bind: str, local_engine: bool) -> dict[str, int]:
    """A port per node, from FIRST_PORT up: none in `taken` nor (for an engine on this machine) held by a program
    here."""
    ports, port = {}, FIRST_PORT
    for node in nodes:
        while port in taken or (local_engine and not free_here(bind, port)):
            port += 1
            if port > 65535:
                raise DcalabError("No port from 22001 up is free on this server for the learners' SSH.",
                                  "Remove clusters you no longer need: dcalab class stop LEARNER --roster FILE")
        ports[node] = port
        port += 1
    return ports


def _forwarder(cluster: EmbeddedCluster):  # -> Container | None
    """The cluster's forwarder container, running or not; a container of its name that dcalab did not make is left
    alone, with the sentence saying so."""
    from docker.errors import NotFound

    name = forwarder_name(cluster)
    try:
        container = cluster.client.containers.get(name)
    except NotFound:
        return None
    if not cluster.owns(container.labels) or container.labels.get("org.dcalab.role") != ROLE:
        raise DcalabError(f"A container named {name} exists and was not made by dcalab for the learners' SSH.",
                          f"Remove or rename it (docker rm -f {name}), then open the ports: dcalab class access "
                          "--open --roster FILE")
    return container


def forwarded(cluster: EmbeddedCluster) -> Access | None:
    """The cluster's forwarded ports as its running forwarder publishes them; None when it has none running."""
    container = _forwarder(cluster)
    if container is None or container.status != "running":
        return None
    ports = dict(entry.split("=") for entry in container.labels.get(PORTS_LABEL, "").split(",") if "=" in entry)
    return Access(container.labels.get(BIND_LABEL, ALL_ADDRESSES), {node: int(port) for node, port in ports.items()})


def access_status(cluster: EmbeddedCluster) -> list[NodeStatus]:
    """The learners' SSH forwarder as `dcalab cluster status` reports it, when the cluster has one."""
    from docker.errors import DockerException
    from requests.exceptions import RequestException

    try:
        container = _forwarder(cluster)
    except DcalabError as error:
        return [NodeStatus(ROLE, "broken", [str(error)])]
    except (DockerException, RequestException) as error:  # an engine that does not answer in time: one line
        return [NodeStatus(ROLE, "unknown", [f"The Docker engine did not say whether the learners' SSH forwarder "
                                             f"runs ({str(error)[:200]}). Check it with: dcalab cluster status"])]
    if container is None:
        return []
    if container.status != "running":
        return [NodeStatus(ROLE, container.status, [f"The learners' SSH ports are closed: dcalab class access --open "
                                                    f"--roster FILE (or docker start {container.name})."])]
    access = forwarded(cluster)
    ports = ", ".join(f"{node} {port}" for node, port in access.ports.items())
    return [NodeStatus(ROLE, "running", notes=[f"learners' SSH on {access.bind}: {ports}"])]


def open_access(cluster: EmbeddedCluster, bind: str = ALL_ADDRESSES) -> Access:
    """The cluster's forwarder, running on `bind` with the ports it was given before (or new ones): made, started or
    made anew as needed. The cluster's nodes must exist (its lab network holds the forwarder)."""
    from docker.errors import NotFound

    from dcalab.endpoint import resolve_endpoint
    from dcalab.images.bases import ensure_busybox
    from dcalab.pki import cluster_ssh_key

    cluster_ssh_key(cluster.cluster_name)
    name, topo, client = forwarder_name(cluster), cluster.topology, cluster.client
    try:
        client.networks.get(topo.network)
    except NotFound:  # the forwarder sits on the cluster's lab network
        raise DcalabError(f"The cluster {cluster.cluster_name or '(the default one)'} is not up, so there are no "
                          "nodes to open SSH ports to.",
                          "Start it first: dcalab class start LAB --roster FILE") from None
    nodes = [node.name for node in topo.nodes]
    with ALLOCATING:
        current = forwarded(cluster)
        records = _records()
        others = {port for other, ports in records.items() if other != name for port in ports.values()}
        own = records.get(name) or (current.ports if current else {})
        if current is not None and current.bind == bind and current.ports == own:
            return current
        stale = _forwarder(cluster)
        if stale is not None:  # stopped, or on another address or ports: made anew
            stale.remove(force=True)
        taken = others | _published(client)
        if sorted(own) != sorted(nodes) or taken & set(own.values()):
            own = allocate_ports(nodes, taken, bind, resolve_endpoint().local_socket)
        ensure_busybox(client)
        _create(cluster, name, bind, own)
        records[name] = own
        _save(records)
    return Access(bind, own)


def _create(cluster: EmbeddedCluster, name: str, bind: str, ports: dict[str, int]) -> None:
    """The forwarder: per node, `nc -ll` on its port running `nc NODE 22` for each connection."""
    from docker.errors import APIError

    from dcalab.images.bases import BUSYBOX_TAG
    from dcalab.labnet import named_labels

    topo, api = cluster.topology, cluster.client.api
    script = " ".join(f"nc -ll -p {port} -e nc {topo.node(node).ip} 22 &" for node, port in ports.items()) + " wait"
    address = str(ipaddress.ip_network(topo.subnet).network_address + HOST_PART)
    labels = {**named_labels(cluster.cluster_name), "org.dcalab.role": ROLE, BIND_LABEL: bind,
              PORTS_LABEL: ",".join(f"{node}={port}" for node, port in ports.items())}
    try:
        container = api.create_container(
            BUSYBOX_TAG, name=name, command=["sh", "-c", script], labels=labels, ports=list(ports.values()),
            host_config=api.create_host_config(port_bindings={port: (bind, port) for port in ports.values()}),
            networking_config=api.create_networking_config(
                {topo.network: api.create_endpoint_config(ipv4_address=address)}))
        api.start(container["Id"])
    except APIError as error:
        with contextlib.suppress(APIError):
            api.remove_container(name, force=True)
        raise DcalabError(f"The learners' SSH ports {', '.join(map(str, ports.values()))} on {bind} could not be "
                          f"opened: {error.explanation}",
                          "Choose an address this server has (--bind ADDRESS), or free those ports.") from None


def close_access(cluster: EmbeddedCluster) -> None:
    """Forget the cluster's ports (its forwarder is removed with its other containers)."""
    with ALLOCATING:
        records = _records()
        if records.pop(forwarder_name(cluster), None) is not None:
            _save(records)


def server_address(bind: str) -> str:
    """What a learner types to reach this server: the address the ports are bound to, else this machine's name."""
    return bind if bind not in (ALL_ADDRESSES, "::") else socket.gethostname()
