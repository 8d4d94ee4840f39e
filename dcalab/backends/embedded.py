"""The embedded cluster: four docker-in-docker nodes (systemd + Debian's docker.io) on the host engine,
on the lab network (dcalab.labnet, which also holds the node image and the lab hub). `up` makes the nodes;
a lab's start (dcalab.start) forms its swarm.

Everything it creates carries the label org.dcalab.cluster=embedded, so `down` removes exactly that.

A grade reaches the nodes through shells (pipe_command: nsenter for root, else `docker exec`), so the Docker
SDK and the modules that manage the engine (about 75 ms to import) are imported in the methods that manage
the nodes or look at them (start_hint, for a node that does not answer): a grade of a running cluster goes
without them.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from dcalab.backends.base import ENGINE_FORMAT, Cluster, NodeStatus, engine_notes, in_parallel, one_at_a_time
from dcalab.backends.nsenter import enter_command
from dcalab.errors import DcalabError, EnvironmentFault
from dcalab.progress import drawn_for_threads, step
from dcalab.settings import image_source
from dcalab.topology import Node, Topology, topology

if TYPE_CHECKING:
    from collections.abc import Callable

    import docker

    from dcalab.backends.snapshot_store import SnapshotStore
    from dcalab.labnet import LabNetwork

T = TypeVar("T")
NODE_BOOT_TIMEOUT = 90
EXEC_TIMEOUT = 20  # seconds for a command dcalab itself runs in a node (docker info, starting docker)


def docker_cli() -> str:
    """The docker client program: the nodes' shells are `docker exec` processes."""
    found = shutil.which("docker")
    if not found:
        raise DcalabError("The docker command is not installed.", "Install it: sudo apt-get install docker.io")
    return found


class EmbeddedCluster(Cluster):
    name = "embedded"
    named_clusters = True  # --cluster-name NAME: nodes dcalab-NAME-<node> on their own lab network

    @cached_property
    def topology(self) -> Topology:
        """The default cluster's topology, or a named cluster's: read from its lab network (`up` makes it)."""
        if not self.cluster_name:
            return topology()
        found = self.net.named_topology(self.cluster_name)
        if found is None:
            raise DcalabError(f"There is no cluster named {self.cluster_name} on this engine.",
                              f"Make it: dcalab cluster up --cluster-name {self.cluster_name}")
        return found

    @cached_property
    def net(self) -> LabNetwork:
        """The engine's side: its client, the node image, the lab network and the hub."""
        from dcalab.labnet import LabNetwork

        return LabNetwork()

    # -- names -------------------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        return f"dcalab-{self.cluster_name}-" if self.cluster_name else "dcalab-"

    def container_name(self, node: str) -> str:
        return f"{self.prefix}{topology().node(node).name}"

    def volume_name(self, node: str) -> str:
        return f"{self.prefix}{node}-docker"

    def owns(self, labels: dict[str, str]) -> bool:
        """Made by dcalab for this cluster (a named cluster's name on it, or none for the default cluster)."""
        from dcalab.labnet import CLUSTER_LABEL, NAME_LABEL

        return labels.get(CLUSTER_LABEL) == self.name and labels.get(NAME_LABEL, "") == self.cluster_name

    def host_spec(self, node: str) -> str:
        return f"docker://{self.user + '@' if self.user else ''}{self.container_name(node)}"

    def ssh_config(self) -> str:
        """An ssh_config naming every node, for the ssh backend or a learner's own ssh (like `vagrant ssh-config`)."""
        from dcalab.pki import cluster_ssh_key

        key = cluster_ssh_key(self.cluster_name)
        return "".join(
            f"Host {node.name} {node.fqdn}\n  HostName {node.ip}\n  User root\n  IdentityFile {key}\n"
            "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
            for node in self.topology.nodes
        )

    def pipe_command(self, node: str) -> list[str]:
        """Root enters the running node with nsenter (dcalab.backends.nsenter: a twentieth of the CPU); a grading
        user, a node that is stopped or paused, or an engine elsewhere get `docker exec` and its messages."""
        container = self.container_name(node)
        entered = None if self.user else enter_command(container)
        as_user = ["-u", self.user] if self.user else []
        return entered or [docker_cli(), "exec", *as_user, "-i", container, "/bin/sh"]

    def start_hint(self, node: str) -> str:
        """A paused node (docker inspect's State.Paused) is unpaused, not started."""
        from docker.errors import DockerException

        with contextlib.suppress(DcalabError, DockerException):  # no engine: the default hint says to start it
            container = self.node_container(topology().node(node))
            if container is not None and container.attrs["State"]["Paused"]:
                return f"The node is paused: docker unpause {container.name}"
        return super().start_hint(node)

    def shell_command(self, node: str) -> list[str]:
        container = self.node_container(topology().node(node))
        if container is None or container.status != "running":
            raise DcalabError(f"The node {node} is not running.", "Start the cluster: dcalab cluster up")
        return [docker_cli(), "exec", "-it", "-w", "/root", container.name, "bash", "-l"]

    # -- engine access -------------------------------------------------------------------------
    @property
    def client(self) -> docker.DockerClient:
        return self.net.client

    def node_container(self, node: Node):  # -> Container | None
        from docker.errors import NotFound

        try:
            return self.client.containers.get(self.container_name(node.name))
        except NotFound:
            return None

    def run(self, node: Node, *command: str) -> tuple[int, str]:
        """Run a command inside a node as root, killed after EXEC_TIMEOUT s (exit status 137): a hung docker in the
        node never holds `cluster status` or `up`. (exit status, combined output); an engine that cannot run it
        (or does not answer) is an EnvironmentFault naming the node."""
        from docker.errors import DockerException
        from requests.exceptions import RequestException

        try:
            container = self.client.containers.get(self.container_name(node.name))
            code, output = container.exec_run(["timeout", "-s", "KILL", str(EXEC_TIMEOUT), *command])
        except (DockerException, RequestException) as error:
            raise EnvironmentFault(f"The Docker engine could not run a command in the node {node.name} "
                                   f"({str(error)[:200]}).", "Check it with: dcalab cluster status") from None
        return code, output.decode(errors="replace").strip()

    # -- lifecycle -----------------------------------------------------------------------------
    def up(self) -> None:
        self.prepare()
        self._make_nodes()

    def reset(self) -> None:
        """Nodes made anew; every image is built and the network and hub are ready first, so a build that fails
        (no root for debootstrap, a mirror that does not answer) leaves the nodes as they were."""
        self.prepare()
        self.remove_nodes()
        self._make_nodes()

    def prepare(self) -> None:
        """Everything the nodes need but themselves (net.prepare; a named cluster's own lab network, with the hub
        on it), and the default cluster's addresses free of Vagrant's (a named cluster's network is its own)."""
        self.net.prepare()
        if not self.cluster_name and self.net.nodes_of("vagrant"):
            raise DcalabError("The Vagrant cluster's machines (docker provider) hold the lab's addresses.",
                              "Remove them first: dcalab cluster down --cluster vagrant")
        if self.cluster_name:
            from dcalab.pki import cluster_ssh_key

            cluster_ssh_key(self.cluster_name)  # the cluster's own SSH key, which its nodes take as they are made
            self.__dict__["topology"] = self.net.ensure_named_network(self.cluster_name)

    def _make_nodes(self) -> None:
        self._before_starting_nodes()
        with drawn_for_threads():  # each node's step, ticking on the one live line
            in_parallel(self._ensure_node, self.topology.nodes)

    def _before_starting_nodes(self) -> None:
        from dcalab.endpoint import resolve_endpoint
        from dcalab.host_limits import ensure_room_for_nodes

        self.reconnect()  # shells to nodes that were down or recreated start afresh
        if resolve_endpoint().local_socket:  # an engine on this machine's kernel: its limits are ours to check
            starting = [node for node in self.topology.nodes
                        if (container := self.node_container(node)) is None or container.status != "running"]
            ensure_room_for_nodes(len(starting))

    def make_nodes_from(self, images: dict[str, str], fill: Callable[[], None], first: tuple[str, ...] = (),
                        then: Callable[[], bool] = lambda: True) -> bool:
        """Nodes made anew from other images than the node image (a start snapshot's, by node), their docker
        volumes filled by `fill` before the nodes start; their docker is not waited for. The nodes named `first`
        start before the others, which start only when then() says so (False: they are not made). After
        prepare()."""
        from dcalab.labnet import named_labels

        self.remove_nodes()
        self._before_starting_nodes()
        for node in self.topology.nodes:
            self.client.volumes.create(self.volume_name(node.name), labels=named_labels(self.cluster_name))
        fill()
        early = [node for node in self.topology.nodes if node.name in first]
        in_parallel(lambda node: self._create_node(node, images[node.name]), early)
        if early and not then():
            return False
        in_parallel(lambda node: self._create_node(node, images[node.name]),
                    [node for node in self.topology.nodes if node not in early])
        return True

    def snapshots(self) -> SnapshotStore:
        from dcalab.backends.snapshot_store import SnapshotStore

        return SnapshotStore(self)

    def recreate_nodes(self) -> bool:
        self.reset()
        return True

    def restart_node(self, node: str, deadline: float) -> None:
        """`docker restart` of the node's container: its systemd shuts down (the image's stop signal) and boots
        again; its disk (the container's and the /var/lib/docker volume) stays, /run starts empty."""
        container = self.node_container(topology().node(node))
        if container is None:
            raise DcalabError(f"The node {node} is missing, so it cannot be restarted.", "Make it: dcalab cluster up")
        container.restart(timeout=max(int(deadline - time.monotonic()), 1))  # then killed, as a power cut would

    def remove_nodes(self) -> None:
        """Remove the node containers and their docker volumes; the network and the hub stay."""
        with step("Removing the lab nodes"):
            one_at_a_time(self._remove_node, self.topology.nodes)

    def down(self, purge: bool = False) -> None:
        """This cluster's nodes, their volumes, its learners' SSH forwarder (dcalab.access) and (a named cluster's)
        lab network. What every cluster shares (the lab hub, the default lab network it is on) goes with the last
        cluster; the hub's filled storage stays for the next `up` unless `purge`, and so do the start snapshots."""
        from docker.errors import DockerException, NotFound

        from dcalab.access import ROLE, close_access
        from dcalab.backends.snapshot_store import purge as purge_snapshots
        from dcalab.engine import answering_client
        from dcalab.hub import HUB_CONTAINER, HUB_VOLUME, SEEDED_VOLUME
        from dcalab.labnet import CLUSTER_LABEL, NAME_LABEL

        client = answering_client()
        if client is None:
            return
        embedded = {"label": f"{CLUSTER_LABEL}={self.name}"}
        containers = _listed(lambda: client.containers.list(all=True, filters=embedded))
        last = all(self.owns(c.labels) for c in containers if c.labels.get("org.dcalab.role") == "node")

        def removed(thing: object, **options: object) -> None:  # gone meanwhile (another `down`): as wanted
            with contextlib.suppress(NotFound):
                thing.remove(**options)

        with step(f"Removing the embedded cluster{' ' + self.cluster_name if self.cluster_name else ''}"):
            one_at_a_time(lambda c: removed(c, force=True), [c for c in containers if last or (
                self.owns(c.labels) and c.labels.get("org.dcalab.role") in ("node", ROLE))])
            close_access(self)
            hub_storage = (HUB_VOLUME, SEEDED_VOLUME)
            for volume in _listed(lambda: client.volumes.list(filters=embedded)):
                if volume.name in hub_storage and not (last and purge):
                    continue
                if last or self.owns(volume.attrs.get("Labels") or {}):
                    removed(volume, force=True)
            for network in _listed(lambda: client.networks.list(filters=embedded)):
                labels = network.attrs.get("Labels") or {}
                if last or (self.owns(labels) and labels.get(NAME_LABEL)):
                    if not last:  # the hub stays for the other clusters: off this one's network first
                        with contextlib.suppress(DockerException):
                            network.disconnect(HUB_CONTAINER, force=True)
                    removed(network)
            if last and purge:
                purge_snapshots(client)

    # -- nodes ----------------------------------------------------------------------------------
    def _ensure_node(self, node: Node) -> bool:
        """Create, start or unpause the node (a progress step each); True when its docker answers."""
        container = self.node_container(node)
        if container is not None and not self.owns(container.labels):
            raise DcalabError(
                f"A container named {container.name} exists and was not made by dcalab.",
                f"Remove or rename it (docker rm -f {container.name}), then run: dcalab cluster up",
            )
        if container is not None and container.status == "running":
            if self._docker_answers(node):
                return True
            # A running node whose docker is down (often the learner's daemon.json): one start, no
            # waiting for a docker that refuses its configuration; the lab's daemon-json task repairs that.
            with step(f"Starting docker in the node {node.name}"):
                self.run(node, "sh", "-c", "systemctl reset-failed docker docker.socket; systemctl start docker")
            return self._docker_answers(node)
        if container is not None and container.status == "dead":  # its removal was cut short: it cannot start
            with step(f"Removing the node {node.name}, left half removed"):
                self._remove_node(node)
            container = None
        if container is None:
            title, make = f"Making the node {node.name}", lambda: self._create_node(node)
        elif container.status == "paused":
            title, make = f"Unpausing the node {node.name}", container.unpause
        else:
            title, make = f"Starting the node {node.name}", container.start
        with step(title):
            make()
            self._wait_docker(node)
        return True

    def _engine_notes(self, node: Node) -> list[str] | None:
        """The node's docker version and swarm membership, as status shows them; None when docker does not answer."""
        return engine_notes(*self.run(node, "docker", "info", "--format", ENGINE_FORMAT))

    def _docker_answers(self, node: Node) -> bool:
        return self._engine_notes(node) is not None

    def _create_node(self, node: Node, image: str = "") -> None:
        from dcalab.images import node_tag
        from dcalab.labnet import NAME_LABEL, named_labels

        topo, labels = self.topology, named_labels(self.cluster_name)
        node = topo.node(node.name)  # at this cluster's address
        api = self.client.api
        volume = self.volume_name(node.name)
        self.client.volumes.create(volume, labels=labels)
        container = api.create_container(
            image or node_tag(),
            name=self.container_name(node.name),
            hostname=node.fqdn,
            # the cluster's name always (empty on the default cluster): a snapshot's image carries the labels of the
            # node it was committed from, another cluster's maybe, and a container keeps an image label it does not set
            labels={**labels, NAME_LABEL: self.cluster_name, "org.dcalab.role": "node", "org.dcalab.node": node.name},
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
        if self.cluster_name or image:  # its own key (a snapshot's image holds its recording cluster's), before sshd
            api.put_archive(container["Id"], "/root/.ssh", self._authorized_keys())
        api.start(container["Id"])

    def _authorized_keys(self) -> bytes:
        """A tar of root's authorized_keys holding this cluster's public key alone (dcalab.pki.cluster_ssh_key)."""
        from dcalab.images.build import files_archive
        from dcalab.pki import cluster_ssh_key

        public = cluster_ssh_key(self.cluster_name).with_suffix(".pub").read_bytes()
        return files_archive({"authorized_keys": public}, mode=0o600)

    def _remove_node(self, node: Node) -> None:
        from docker.errors import NotFound

        container = self.node_container(node)
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

    # -- status ---------------------------------------------------------------------------------
    def status(self) -> list[NodeStatus]:
        """The engine used (as the docker CLI finds it) and how it was chosen, each node, and the lab hub."""
        from dcalab.endpoint import resolve_endpoint
        from dcalab.engine import answering_client, unanswered

        endpoint = resolve_endpoint()
        if answering_client(endpoint) is None:
            problem = unanswered(endpoint) or "No Docker engine answers: start the cluster with `dcalab cluster up`."
            return [NodeStatus("engine", "missing", [str(problem)], [endpoint.describe()])]
        reports = [NodeStatus("engine", "running", notes=[endpoint.describe()])]
        reports += in_parallel(self._node_status, topology().nodes)
        if image_source() == "offline":
            reports.append(self._hub_status())
        from dcalab.access import access_status

        return reports + access_status(self)

    def _hub_status(self) -> NodeStatus:
        from dcalab import hub

        container = hub.hub_container(self.client)
        if container is None:
            return NodeStatus("hub", "missing", ["The lab hub is missing: run `dcalab cluster up`."])
        if container.status != "running":
            return NodeStatus("hub", container.status, ["The lab hub is not running: run `dcalab cluster up`."])
        return NodeStatus("hub", "running", notes=["serves library images as registry-1.docker.io"])

    def _node_status(self, node: Node) -> NodeStatus:
        from dcalab.backends.snapshot_store import OF_LABEL
        from dcalab.images import node_tag

        container = self.node_container(node)
        fix = "run `dcalab cluster up`"
        if container is None:
            return NodeStatus(node.name, "missing", [f"The node container is missing: {fix}."])
        if container.status == "paused":
            problem = f"The node is paused: {fix} (or docker unpause {container.name})."
            return NodeStatus(node.name, "paused", [problem])
        if container.status != "running":
            return NodeStatus(node.name, container.status, [f"The node is {container.status}: {fix}."])
        report = NodeStatus(node.name, "running")
        node_image = self.client.images.get(node_tag()).id
        if node_image != container.image.id and node_image != container.image.labels.get(OF_LABEL):  # a snapshot's
            report.notes.append(f"runs another image than {node_tag()} (`dcalab cluster reset` moves it there)")
        try:
            engine = self._engine_notes(node)
        except EnvironmentFault as fault:
            report.problems.append(str(fault))
            return report
        if engine is None:
            report.problems.append(
                f"Docker is not running inside it: {fix} (or `systemctl start docker` in `dcalab shell {node.name}`)."
            )
            return report
        report.notes.extend(engine)
        return report


def _listed(listing: Callable[[], list[T]], tries: int = 3) -> list[T]:
    """The SDK lists, then inspects each one: a thing removed in between (by another dcalab on the engine) fails
    the whole listing with NotFound, so it is asked again."""
    from docker.errors import NotFound

    for _ in range(tries - 1):
        with contextlib.suppress(NotFound):
            return listing()
    return listing()
