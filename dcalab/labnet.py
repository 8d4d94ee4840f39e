"""The lab's place on this machine's engine, shared by the embedded nodes and Vagrant's machines: the
node image, the lab network (10.10.10.0/24) and the lab hub on it, or on the lab gateway address for VMs.

Everything it creates carries the label org.dcalab.cluster=embedded, so `dcalab cluster down` removes it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import threading
from pathlib import Path

import docker
from docker.errors import APIError, NotFound
from docker.types import IPAMConfig, IPAMPool

from dcalab import hub
from dcalab.endpoint import resolve_endpoint
from dcalab.engine import answering_client, ensure_engine, unanswered
from dcalab.errors import DcalabError
from dcalab.images import ensure_hub_images, ensure_node_image
from dcalab.pki import LabPki, ensure_lab_pki, ensure_lab_ssh_key
from dcalab.progress import step
from dcalab.settings import image_source
from dcalab.topology import Topology, topology

CLUSTER_LABEL = "org.dcalab.cluster"
NAME_LABEL = "org.dcalab.cluster-name"  # a named embedded cluster's name (absent or empty on the default cluster's)
LABELS = {CLUSTER_LABEL: "embedded", "org.dcalab.owner": "dcalab"}
NAMED_SUBNETS = tuple(f"10.10.{third}.0/24" for third in range(11, 255))  # a named cluster's network: the first free
PREPARING = threading.Lock()  # what every cluster on the engine shares is made by one thread at a time


def holds_lab_addresses(labels: dict[str, str]) -> bool:
    """A node of the default embedded cluster, on the lab's own addresses (a named cluster's are on a subnet of its
    own), from the container's labels."""
    return (labels.get(CLUSTER_LABEL) == LABELS[CLUSTER_LABEL] and labels.get(hub.ROLE_LABEL) == "node"
            and not labels.get(NAME_LABEL))


def named_labels(name: str) -> dict[str, str]:
    """The labels of what dcalab makes for a cluster: the named cluster's name on it too."""
    return {**LABELS, NAME_LABEL: name} if name else LABELS


def network_name(name: str) -> str:
    return f"dcalab-{name}-lab" if name else topology().network


class LabNetwork:
    """The engine client, the node image, the lab network and the lab hub."""

    def __init__(self) -> None:
        self._client: docker.DockerClient | None = None

    @property
    def client(self) -> docker.DockerClient:
        """A client of the engine that answers; never starts one (only `prepare` does)."""
        if self._client is None:
            endpoint = resolve_endpoint()
            self._client = answering_client(endpoint)
            if self._client is None:
                raise unanswered(endpoint) or DcalabError(
                    f"No Docker engine answers at {endpoint.describe()}, so the embedded cluster is not running.",
                    "Start it: dcalab cluster up",
                )
        return self._client

    def start_engine(self) -> docker.DockerClient:
        self._client = ensure_engine()
        return self._client

    def prepare(self) -> None:
        """Everything but the nodes: the engine, the node image, the lab network and the lab hub on it. One thread
        at a time: a class's clusters started at once share all of it."""
        with PREPARING:
            self.start_engine()
            pki = ensure_lab_pki()
            ensure_node_image(self.client, pki.ca_cert, ensure_lab_ssh_key().with_suffix(".pub"))
            self.ensure_network()
            if image_source() == "offline":
                self.ensure_hub(pki)

    def nodes_of(self, cluster: str) -> list:
        """The node containers a cluster ("embedded" or "vagrant") has on the lab network, running or not."""
        return self.client.containers.list(all=True, filters={"label": f"{CLUSTER_LABEL}={cluster}"})

    # -- network ------------------------------------------------------------------------------
    def lab_network(self):  # -> Network | None
        try:
            return self.client.networks.get(topology().network)
        except NotFound:
            return None

    def ensure_network(self) -> None:
        topo = topology()
        network = self.lab_network()
        if network is not None:
            if network.attrs.get("Labels", {}).get(CLUSTER_LABEL) != LABELS[CLUSTER_LABEL]:
                raise DcalabError(
                    f"A Docker network named {topo.network} exists and was not made by dcalab.",
                    f"Remove or rename it (docker network rm {topo.network}), then: dcalab cluster up",
                )
            return
        user = self.subnet_user(topo.subnet)
        if user:
            raise DcalabError(f"The lab's address range {topo.subnet} is already used by the Docker network {user}.",
                              f"Remove that network (docker network rm {user}), then run: dcalab cluster up")
        self._create_network(topo, LABELS)

    def subnet_user(self, subnet: str) -> str:
        """The Docker network whose addresses overlap `subnet`, or ""."""
        wanted = ipaddress.ip_network(subnet)
        for other in self.client.networks.list():
            for pool in (other.attrs.get("IPAM") or {}).get("Config") or []:
                used = pool.get("Subnet", "")
                if ":" not in used and used and ipaddress.ip_network(used).overlaps(wanted):
                    return other.name
        return ""

    def _create_network(self, topo: Topology, labels: dict[str, str]) -> None:
        try:
            self.client.networks.create(
                topo.network, driver="bridge", labels=labels,
                ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=topo.subnet, gateway=topo.gateway)]),
            )
        except APIError as error:
            raise DcalabError(
                f"Docker could not create the lab network {topo.subnet}: {error.explanation}",
                "Free that address range on this machine, then run: dcalab cluster up",
            ) from error

    # -- named clusters -----------------------------------------------------------------------
    def named_topology(self, name: str) -> Topology | None:
        """A named cluster's nodes and addresses, read from its lab network; None when it has none yet."""
        try:
            network = self.client.networks.get(network_name(name))
        except NotFound:
            return None
        pools = (network.attrs.get("IPAM") or {}).get("Config") or [{}]
        return topology().renumbered(network.name, pools[0].get("Subnet", ""))

    def ensure_named_network(self, name: str) -> Topology:
        """A named cluster's own lab network, on the first free 10.10.K.0/24 (K from 11), with the hub on it."""
        with PREPARING:
            return self._ensure_named_network(name)

    def _ensure_named_network(self, name: str) -> Topology:
        found = self.named_topology(name)
        for subnet in NAMED_SUBNETS if found is None else ():
            if self.subnet_user(subnet):
                continue
            try:  # another cluster made at the same moment may take the range first: the next one then
                found = topology().renumbered(network_name(name), subnet)
                self._create_network(found, named_labels(name))
                break
            except DcalabError as error:
                found = self.named_topology(name)  # made by a start of the same cluster meanwhile, or None
                if found is not None:
                    break
                if "overlaps" not in str(error):
                    raise
        if found is None:
            raise DcalabError("Every address range dcalab gives named clusters (10.10.11.0/24 to 10.10.254.0/24) "
                              "is taken on this machine.", "Remove a cluster: dcalab cluster down --cluster-name NAME")
        if image_source() == "offline":
            self.connect_hub(found)
        return found

    def connect_hub(self, topo: Topology) -> None:
        """The lab hub on a named cluster's network too, at that network's hub address under the same names."""
        current = hub.hub_container(self.client)
        if current is None or topo.network in current.attrs["NetworkSettings"]["Networks"]:
            return
        self.client.api.connect_container_to_network(current.id, topo.network, ipv4_address=topo.hub_ip,
                                                     aliases=[topo.hub_fqdn, *topo.hub_aliases])

    # -- hub ------------------------------------------------------------------------------------
    def ensure_hub(self, pki: LabPki, host_address: str = "") -> None:
        """The lab hub: on the lab network as registry-1.docker.io or, for VMs (whose lab network gives this
        machine host_address), on host_address:443 of the host's own network."""
        topo = topology()
        served = ensure_hub_images(self.client)
        wanted = {hub.SEEDED_LABEL: hub.seed_digest(self.client, served), hub.CERT_LABEL: hub.cert_digest(pki),
                  hub.PLACEMENT_LABEL: host_address or topo.network}
        current = hub.hub_container(self.client)
        if current is not None and all(current.labels.get(key) == value for key, value in wanted.items()):
            if current.status != "running":
                with step("Starting the lab hub"):
                    current.start()
            return
        seeded = hub.kept_seed(self.client) == wanted[hub.SEEDED_LABEL]
        named = []  # the named clusters' networks the hub was on: the new hub joins them again
        if current is not None:
            named = [self.named_topology(name) for name in self._named_clusters_on(current)]
            current.remove(force=True)
        if not seeded:
            hub.seed(self.client, served, LABELS, wanted[hub.SEEDED_LABEL])
        with step("Starting the lab hub"):
            hub.create_hub(self.client, pki, {**LABELS, hub.ROLE_LABEL: "hub", **wanted}, topo.network, topo.hub_ip,
                           [topo.hub_fqdn, *topo.hub_aliases], host_address)
            for named_topo in named:
                if named_topo is not None:
                    self.connect_hub(named_topo)

    def _named_clusters_on(self, container) -> list[str]:
        """The named clusters whose lab networks a container (the hub) is on."""
        found = []
        for endpoint in container.attrs["NetworkSettings"]["Networks"].values():
            with contextlib.suppress(NotFound):
                labels = self.client.networks.get(endpoint["NetworkID"]).attrs.get("Labels") or {}
                found += [labels[NAME_LABEL]] if labels.get(NAME_LABEL) else []
        return found

    def hub_ca_for_vms(self) -> Path:
        """Before VMs are made: the engine, a free lab address range and the lab CA the VMs will trust."""
        self.start_engine()
        if self.lab_network() is not None:
            raise DcalabError(f"The embedded cluster's network holds {topology().subnet} on this machine, and the "
                              "VMs' lab network needs that range.", "Remove it first: dcalab cluster down")
        return ensure_lab_pki().ca_cert

    def serve_hub_to_vms(self) -> None:
        """Once the VMs' lab network gives this machine the lab gateway address: the lab hub on it."""
        self.start_engine()
        self.ensure_hub(ensure_lab_pki(), topology().gateway)
