"""The embedded cluster: four docker-in-docker nodes (systemd + Debian's docker.io) on the host engine.
`up` makes the nodes; a lab's start (dcalab.start) forms its swarm.

Everything it creates carries the label org.dcalab.cluster=embedded, so `down` removes exactly that.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
from docker.errors import APIError, NotFound
from docker.types import IPAMConfig, IPAMPool

from dcalab import hub
from dcalab.backends.base import Cluster, NodeStatus, swarm_note
from dcalab.engine import answering_client, docker_cli, ensure_engine
from dcalab.errors import DcalabError
from dcalab.images import NODE_TAG, ensure_hub_images, ensure_node_image
from dcalab.pki import LabPki, ensure_lab_pki, ensure_lab_ssh_key
from dcalab.progress import step
from dcalab.settings import image_source
from dcalab.topology import Node, topology

CLUSTER_LABEL = "org.dcalab.cluster"
NODE_BOOT_TIMEOUT = 90


def _parallel(function, items) -> list:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(function, items))


class EmbeddedCluster(Cluster):
    name = "embedded"

    def __init__(self, **options) -> None:  # see Cluster.__init__
        super().__init__(**options)
        self._client: docker.DockerClient | None = None
        self.labels = {CLUSTER_LABEL: self.name, "org.dcalab.owner": "dcalab"}

    # -- names -------------------------------------------------------------------------------
    @staticmethod
    def container_name(node: str) -> str:
        return f"dcalab-{topology().node(node).name}"

    @staticmethod
    def volume_name(node: str) -> str:
        return f"dcalab-{node}-docker"

    def host_spec(self, node: str) -> str:
        return f"docker://{self.user + '@' if self.user else ''}{self.container_name(node)}"

    def ssh_config(self) -> str:
        """An ssh_config naming every node, for the ssh backend or a learner's own ssh (like `vagrant ssh-config`)."""
        key = ensure_lab_ssh_key()
        return "".join(
            f"Host {node.name} {node.fqdn}\n  HostName {node.ip}\n  User root\n  IdentityFile {key}\n"
            "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
            for node in topology().nodes
        )

    def pipe_command(self, node: str) -> list[str]:
        as_user = ["-u", self.user] if self.user else []
        return [docker_cli(), "exec", *as_user, "-i", self.container_name(node), "/bin/sh"]

    def shell_command(self, node: str) -> list[str]:
        container = self._container(topology().node(node))
        if container is None or container.status != "running":
            raise DcalabError(f"The node {node} is not running.", "Start the cluster: dcalab cluster up")
        return [docker_cli(), "exec", "-it", "-w", "/root", container.name, "bash", "-l"]

    # -- engine access -------------------------------------------------------------------------
    @property
    def client(self) -> docker.DockerClient:
        """A client of the engine that answers; never starts one (only `up` does)."""
        if self._client is None:
            self._client = answering_client()
            if self._client is None:
                raise DcalabError(
                    "No Docker engine answers, so the embedded cluster is not running.", "Start it: dcalab cluster up"
                )
        return self._client

    def _container(self, node: Node):
        try:
            return self.client.containers.get(self.container_name(node.name))
        except NotFound:
            return None

    def run(self, node: Node, *command: str) -> tuple[int, str]:
        """Run a command inside a node as root; (exit status, combined output)."""
        container = self.client.containers.get(self.container_name(node.name))
        code, output = container.exec_run(list(command))
        return code, output.decode(errors="replace").strip()

    def _must_run(self, node: Node, *command: str) -> str:
        code, output = self.run(node, *command)
        if code:
            raise DcalabError(
                f"`{' '.join(command)}` failed on {node.name}: {output}",
                "See `dcalab cluster status`; `dcalab cluster reset` rebuilds the nodes.",
            )
        return output

    # -- lifecycle -----------------------------------------------------------------------------
    def prepare(self) -> None:
        """Everything but the nodes: the engine, the node image, the lab network and the lab hub on it
        (the Vagrant backend's docker provider puts its own nodes there)."""
        self._client = ensure_engine()
        pki = self._pki()
        ensure_node_image(self.client, pki.ca_cert, ensure_lab_ssh_key().with_suffix(".pub"))
        self._ensure_network()
        if image_source() == "offline":
            self.ensure_hub(pki)

    @staticmethod
    def _pki() -> LabPki:
        topo = topology()
        return ensure_lab_pki(["registry-1.docker.io", topo.hub_fqdn, *topo.hub_aliases], topo.hub_ip)

    def nodes_present(self) -> list[str]:
        """The names of this cluster's node containers that exist, running or not."""
        return [node.name for node in topology().nodes if self._container(node) is not None]

    def up(self) -> None:
        self.prepare()
        if self.client.containers.list(all=True, filters={"label": f"{CLUSTER_LABEL}=vagrant"}):
            raise DcalabError("The Vagrant cluster's machines (docker provider) hold the lab's addresses.",
                              "Remove them first: dcalab cluster down --cluster vagrant")
        self.reconnect()  # shells to nodes that were down or recreated start afresh
        with step("Starting the lab nodes"):
            _parallel(self._ensure_node, topology().nodes)

    def reset(self) -> None:
        self._client = ensure_engine()
        self.remove_nodes()
        self.up()

    def recreate_nodes(self) -> bool:
        self.reset()
        return True

    def remove_nodes(self) -> None:
        """Remove the node containers and their docker volumes; the network and the hub stay."""
        with step("Removing the lab nodes"):
            _parallel(self._remove_node, topology().nodes)

    def down(self) -> None:
        client = answering_client()
        if client is None:
            return
        self._client = client
        mine = {"label": f"{CLUSTER_LABEL}={self.name}"}
        with step("Removing the embedded cluster"):
            _parallel(lambda c: c.remove(force=True), client.containers.list(all=True, filters=mine))
            for volume in client.volumes.list(filters=mine):
                volume.remove(force=True)
            for network in client.networks.list(filters=mine):
                network.remove()

    # -- network ------------------------------------------------------------------------------
    def _lab_network(self):  # -> Network | None
        try:
            return self.client.networks.get(topology().network)
        except NotFound:
            return None

    def _ensure_network(self) -> None:
        topo = topology()
        network = self._lab_network()
        if network is not None:
            if network.attrs.get("Labels", {}).get(CLUSTER_LABEL) != self.name:
                raise DcalabError(
                    f"A Docker network named {topo.network} exists and was not made by dcalab.",
                    f"Remove or rename it (docker network rm {topo.network}), then: dcalab cluster up",
                )
            return
        wanted = ipaddress.ip_network(topo.subnet)
        for other in self.client.networks.list():
            for pool in (other.attrs.get("IPAM") or {}).get("Config") or []:
                subnet = pool.get("Subnet", "")
                if ":" not in subnet and subnet and ipaddress.ip_network(subnet).overlaps(wanted):
                    raise DcalabError(
                        f"The lab's address range {topo.subnet} is already used by the Docker network {other.name}.",
                        f"Remove that network (docker network rm {other.name}), then run: dcalab cluster up",
                    )
        try:
            self.client.networks.create(
                topo.network,
                driver="bridge",
                labels=self.labels,
                ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=topo.subnet, gateway=topo.gateway)]),
            )
        except APIError as error:
            raise DcalabError(
                f"Docker could not create the lab network {topo.subnet}: {error.explanation}",
                "Free that address range on this machine, then run: dcalab cluster up",
            ) from error

    # -- hub ------------------------------------------------------------------------------------
    def ensure_hub(self, pki: LabPki, host_address: str = "") -> None:
        """The lab hub: on the lab network as registry-1.docker.io or, for VMs (whose lab network gives this
        machine host_address), on host_address:443 of the host's own network."""
        topo = topology()
        served = ensure_hub_images(self.client)
        digest = hub.seed_digest(self.client, served, pki)
        placement = host_address or topo.network
        current = hub.hub_container(self.client)
        seeded = current is not None and current.labels.get(hub.SEEDED_LABEL) == digest
        if seeded and current.labels.get(hub.PLACEMENT_LABEL) == placement:
            if current.status != "running":
                current.start()
            return
        if current is not None:
            current.remove(force=True)
        if not seeded:
            hub.seed(self.client, served, {**self.labels, "org.dcalab.role": "hub-seed"})
        labels = {**self.labels, "org.dcalab.role": "hub", hub.SEEDED_LABEL: digest, hub.PLACEMENT_LABEL: placement}
        hub.create_hub(self.client, pki, labels, topo.network, topo.hub_ip, [topo.hub_fqdn, *topo.hub_aliases],
                       host_address)

    def hub_ca_for_vms(self) -> Path:
        """Before VMs are made: the engine, a free lab address range and the lab CA the VMs will trust."""
        self._client = ensure_engine()
        if self._lab_network() is not None:
            raise DcalabError(f"The embedded cluster's network holds {topology().subnet} on this machine, and the "
                              "VMs' lab network needs that range.", "Remove it first: dcalab cluster down")
        return self._pki().ca_cert

    def serve_hub_to_vms(self) -> None:
        """Once the VMs' lab network gives this machine the lab gateway address: the lab hub on it."""
        self._client = ensure_engine()
        self.ensure_hub(self._pki(), topology().gateway)

    # -- nodes ----------------------------------------------------------------------------------
    def _ensure_node(self, node: Node) -> bool:
        """Create, start or unpause the node; True when its docker answers."""
        container = self._container(node)
        if container is not None and container.labels.get(CLUSTER_LABEL) != self.name:
            raise DcalabError(
                f"A container named {container.name} exists and was not made by dcalab.",
                f"Remove or rename it (docker rm -f {container.name}), then run: dcalab cluster up",
            )
        if container is None:
            self._create_node(node)
        elif container.status == "paused":
            container.unpause()
        elif container.status != "running":
            container.start()
        elif not self._docker_answers(node):
            # A running node whose docker is down (often the learner's daemon.json): one start, no
            # waiting for a docker that refuses its configuration; the lab's daemon-json task repairs that.
            self.run(node, "sh", "-c", "systemctl reset-failed docker docker.socket; systemctl start docker")
            return self._docker_answers(node)
        self._wait_docker(node)
        return True

    def _docker_answers(self, node: Node) -> bool:
        return self.run(node, "docker", "info", "--format", "{{.ServerVersion}}")[0] == 0

    def _create_node(self, node: Node) -> None:
        topo = topology()
        api = self.client.api
        volume = self.volume_name(node.name)
        self.client.volumes.create(volume, labels=self.labels)
        container = api.create_container(
            NODE_TAG,
            name=self.container_name(node.name),
            hostname=node.fqdn,
            labels={**self.labels, "org.dcalab.role": "node", "org.dcalab.node": node.name},
            host_config=api.create_host_config(
                privileged=True,
                tmpfs={"/run": "", "/run/lock": ""},
                binds={volume: {"bind": "/var/lib/docker", "mode": "rw"}},
                extra_hosts=topo.hosts_entries(),
            ),
            networking_config=api.create_networking_config(
                {topo.network: api.create_endpoint_config(ipv4_address=node.ip, aliases=[node.fqdn, node.name])}
            ),
        )
        api.start(container["Id"])

    def _remove_node(self, node: Node) -> None:
        container = self._container(node)
        if container is not None:
            container.remove(force=True)
        with contextlib.suppress(NotFound):
            self.client.volumes.get(self.volume_name(node.name)).remove(force=True)

    def _wait_docker(self, node: Node) -> None:
        deadline = time.monotonic() + NODE_BOOT_TIMEOUT
        while not self._docker_answers(node):
            if time.monotonic() > deadline:
                raise DcalabError(
                    f"Docker inside {node.name} did not start within {NODE_BOOT_TIMEOUT} s.",
                    f"Look inside: dcalab shell {node.name}, then `systemctl status docker`.",
                )
            time.sleep(0.3)

    # -- swarm ----------------------------------------------------------------------------------
    def swarm_info(self, node: Node) -> dict:
        return json.loads(self._must_run(node, "docker", "info", "--format", "{{json .Swarm}}"))

    # -- status ---------------------------------------------------------------------------------
    def status(self) -> list[NodeStatus]:
        client = answering_client()
        if client is None:
            problem = "No Docker engine answers: start the cluster with `dcalab cluster up`."
            return [NodeStatus("engine", "missing", [problem])]
        self._client = client
        reports = _parallel(self._node_status, topology().nodes)
        if image_source() == "offline":
            reports.append(self._hub_status())
        return reports

    def _hub_status(self) -> NodeStatus:
        container = hub.hub_container(self.client)
        if container is None:
            return NodeStatus("hub", "missing", ["The lab hub is missing: run `dcalab cluster up`."])
        if container.status != "running":
            return NodeStatus("hub", container.status, ["The lab hub is not running: run `dcalab cluster up`."])
        return NodeStatus("hub", "running", notes=["serves library images as registry-1.docker.io"])

    def _node_status(self, node: Node) -> NodeStatus:
        container = self._container(node)
        fix = "run `dcalab cluster up`"
        if container is None:
            return NodeStatus(node.name, "missing", [f"The node container is missing: {fix}."])
        if container.status == "paused":
            problem = f"The node is paused: {fix} (or docker unpause {container.name})."
            return NodeStatus(node.name, "paused", [problem])
        if container.status != "running":
            return NodeStatus(node.name, container.status, [f"The node is {container.status}: {fix}."])
        report = NodeStatus(node.name, "running")
        if container.image.id != self.client.images.get(NODE_TAG).id:
            report.notes.append("runs an older node image (`dcalab cluster reset` moves it to the new one)")
        if not self._docker_answers(node):
            report.problems.append(
                f"Docker is not running inside it: {fix} (or `systemctl start docker` in `dcalab shell {node.name}`)."
            )
            return report
        swarm = self.swarm_info(node)
        report.notes.append(swarm_note(swarm["LocalNodeState"], swarm["ControlAvailable"]))
        return report
