"""Start snapshots of the embedded cluster on its engine (the key and the age rule: dcalab.snapshots).

Recording, right after a replayed start: what each node runs is noted (its docker answering, its swarm state, the
containers it runs outside services), the nodes are stopped so that dockerd's databases and the swarm's raft are
consistent on disk, each node container is committed (the files the start wrote outside /var/lib/docker:
daemon.json, /etc/dcalab, /root) and each node's docker volume copied, then the nodes start again and settle as a
restored start does. Restoring: the nodes are made anew from the committed images with the create arguments of
any node, their volumes filled from the copies, and the start is done when every node's docker that answered at
the recording answers, in the same swarm state, the containers it ran run again, and the managers see every
member Ready. On another cluster's lab network the swarm's files are renumbered as the volumes are copied, and the
manager starts first and takes its new address (_readdress) before the workers start.

Objects: images dcalab/snapshot-<key12>:<node> and volumes dcalab-snapshot-<key12>-<node>, labelled with
org.dcalab.snapshot=<key> and the lab and subnet they hold (never org.dcalab.cluster: `down` keeps them, as it
keeps the hub's storage; `down --purge` of the last cluster removes them). One snapshot per lab (per lab and subnet
for a start that cannot move, dcalab.snapshots.portable): a new one replaces the one before. Volumes are copied
by a privileged container on the node image, so the same path works as root and as a member of the docker group.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dcalab.backends.base import in_parallel, one_at_a_time
from dcalab.errors import warn
from dcalab.lab import Lab
from dcalab.progress import say, step
from dcalab.settings import image_source, state_dir
from dcalab.snapshots import portable, restorable, start_inputs, start_key

if TYPE_CHECKING:
    from collections.abc import Iterator

    import docker

    from dcalab.backends.embedded import EmbeddedCluster

OWNER = {"org.dcalab.owner": "dcalab"}
KEY_LABEL = "org.dcalab.snapshot"
OF_LABEL = "org.dcalab.snapshot-of"  # the node image a snapshot image was committed from
SLOT_LABEL = "org.dcalab.snapshot-slot"  # the lab (and subnet, if it cannot move): one snapshot each
NODE_LABEL = "org.dcalab.snapshot-node"  # JSON: what the node ran at the recording
MADE_LABEL = "org.dcalab.snapshot-made"
SUBNET_LABEL = "org.dcalab.snapshot-subnet"  # the lab network it was recorded on
LIFETIME_LABEL = "org.dcalab.snapshot-cert-lifetime"
# The raft Join call on a manager's own swarm API, with its node certificate (its key without swarmkit's PEM
# headers, which curl refuses), answered with grpc-status 0. The raft applies a member's new address to its own
# entry only in memory, so a raft snapshot must hold it (else docker's next restart reads the old one back): the
# snapshot interval set to 1 for one update, then back to what it was
RAFT_JOIN = ("set -eo pipefail; certs=/var/lib/docker/swarm/certificates; "
             "base64 -d <<< {request} | curl -sS --http2 -o /dev/null -D - "
             "--cacert $certs/swarm-root-ca.crt --cert $certs/swarm-node.crt "
             "--key <(grep -v '^[a-z-]*: \\|^$' $certs/swarm-node.key) --resolve swarm-manager:{port}:{ip} "
             "-H 'content-type: application/grpc' -H 'te: trailers' --data-binary @- "
             "https://swarm-manager:{port}/docker.swarmkit.v1.RaftMembership/Join | grep -q '^grpc-status: 0'; "
             "interval=$(docker info --format '{{{{.Swarm.Cluster.Spec.Raft.SnapshotInterval}}}}'); "
             "docker swarm update --snapshot-interval 1 >/dev/null; "
             "docker swarm update --snapshot-interval $interval >/dev/null")
REPLAYED_EVERY_TIME = "replayed every time, not recorded as a snapshot"  # .ci/check-the-checkers reads it
SETTLE_TIMEOUT = 90  # seconds for restored nodes to be as they were recorded
STOP_TIMEOUT = 30
clock = time.time  # when snapshots are recorded and aged

# What a node runs, as a snapshot notes it: docker's swarm state, whether it lists the swarm's nodes (a manager
# with a leader), then the containers it runs outside services
NODE_STATE = ("docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' || exit 3; "
              "docker node ls -q >/dev/null 2>&1 && echo lists || echo alone; "
              "docker ps -q --filter status=running --format '{{.ID}} {{.Label \"com.docker.swarm.task.id\"}}'")
# The files where a swarm node keeps addresses: its own (advertise, data path, join) and its managers'
SWARM_FILES = ("swarm/docker-state.json", "swarm/state.json")
CERT_LIFETIME = "docker info --format '{{json .Swarm.Cluster.Spec.CAConfig.NodeCertExpiry}}'"


@dataclass(frozen=True)
class Snapshot:
    key: str
    made: float
    cert_lifetime: float  # seconds; 0 when the start formed no swarm
    subnet: str  # the lab network it was recorded on
    nodes: dict[str, dict]  # node -> {"docker": bool, "swarm": "active true", "lists": bool, "containers": [...]}

    def image(self, node: str) -> str:
        return f"dcalab/snapshot-{self.key[:12]}:{node}"

    def volume(self, node: str) -> str:
        return f"dcalab-snapshot-{self.key[:12]}-{node}"


class SnapshotStore:
    """The start snapshots an embedded cluster restores and records."""

    def __init__(self, cluster: EmbeddedCluster) -> None:
        self.cluster = cluster

    @property
    def client(self) -> docker.DockerClient:
        return self.cluster.client

    def key(self, lab: Lab) -> str:
        """The lab's start key on this cluster, once the engine, node image, network and hub are ready."""
        from dcalab import hub
        from dcalab.images import node_tag

        self.cluster.prepare()
        source = image_source()
        if source == "offline":  # the images the hub serves are what a start pulls
            served = hub.hub_container(self.client)
            source += f" {served.labels.get(hub.SEEDED_LABEL, '') if served is not None else ''}"
        node_image = self.client.images.get(node_tag()).id
        return start_key(start_inputs(lab, self.cluster.topology, node_image, source))

    @contextlib.contextmanager
    def recording(self, key: str) -> Iterator[None]:
        """Held while a start looks for the snapshot with this key and, when there is none, replays and records it:
        another start of the same key (a class's, in a thread or a process) waits, then finds and restores it."""
        lock = state_dir() / "snapshots" / f"{key[:12]}.lock"
        lock.parent.mkdir(mode=0o700, exist_ok=True)
        with lock.open("w") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # released when the file closes
            yield

    def find(self, key: str) -> Snapshot | None:
        """The complete snapshot with this key that may still be restored; None when there is none."""
        volumes = self.client.volumes.list(filters={"label": f"{KEY_LABEL}={key}"})
        tags = {tag for image in snapshot_images(self.client, f"{KEY_LABEL}={key}") for tag in image.tags}
        nodes = {volume.attrs["Labels"].get("org.dcalab.node", ""): volume for volume in volumes}
        names = [node.name for node in self.cluster.topology.nodes]
        if sorted(nodes) != sorted(names):
            return None
        labels = volumes[0].attrs["Labels"]
        found = Snapshot(key, float(labels[MADE_LABEL]), float(labels[LIFETIME_LABEL]), labels[SUBNET_LABEL],
                         {node: json.loads(nodes[node].attrs["Labels"][NODE_LABEL]) for node in names})
        if not all(found.image(node) in tags for node in names):  # (untagged ones: an earlier recording's, in use)
            return None
        if not restorable(found.made, found.cert_lifetime, clock()):
            with step("Removing a start snapshot older than half its swarm certificates' lifetime"):
                self.remove(key)
            return None
        return found

    def restore(self, snapshot: Snapshot) -> bool:
        """The nodes made anew from the snapshot, renumbered to this cluster's addresses when it was recorded on
        another lab network; False (the snapshot removed) when they did not come back as recorded, for the start to
        be replayed."""
        images = {node: snapshot.image(node) for node in snapshot.nodes}
        moved = {old: new for new, old in self.cluster.topology.address_map(snapshot.subnet).items()
                 if old != new and "/" not in old}  # addresses, old -> new (not the subnet: none is written)
        managers = tuple(name for name, state in snapshot.nodes.items() if state["lists"]) if moved else ()
        with step("Restoring the nodes from the lab's start snapshot"):
            made = self.cluster.make_nodes_from(images, lambda: self._copy({
                snapshot.volume(node): self.cluster.volume_name(node) for node in snapshot.nodes}, moved),
                first=managers, then=lambda: self._readdress(managers))
            settled = made and self._settle(snapshot)
        if not settled:
            warn("The nodes restored from the lab's start snapshot did not come back as recorded: the start is "
                 "replayed and the snapshot removed.")
            self.remove(snapshot.key)
        return settled

    def record(self, key: str, lab: Lab) -> bool:
        """Record the nodes' state as the start left it; False (nothing kept) when the nodes did not come back
        after the recording as they were, for the start to be replayed without one. A swarm of several managers is
        recorded on the cluster's lab network; a portable start's (dcalab.snapshots.portable) serves every
        cluster. A swarm without a leader (the operations lab's lost quorum) is not recorded: stopped and started
        again, its manager would be pending, not active, and its services' containers stopped."""
        from dcalab.images import node_tag

        self.remove(key)  # recorded anew (--fresh, or an aged one)
        nodes = self.cluster.topology.nodes
        states = dict(zip([node.name for node in nodes], in_parallel(self._node_state, nodes), strict=True))
        leaderless = [name for name, state in states.items() if state["swarm"].endswith(" true") and not state["lists"]]
        if leaderless:  # restarted, it would wait (pending) for a leader, its services' tasks stopped
            say(f"The start of {lab.id} is {REPLAYED_EVERY_TIME}: the swarm of {', '.join(leaderless)} has no leader, "
                "which restarting the nodes from a snapshot would change.")
            return True
        with step("Recording the lab's start snapshot (the next start restores it)"):
            subnet = self.cluster.topology.subnet
            snapshot = Snapshot(key, clock(), self._cert_lifetime(), subnet, states)
            containers = [self.cluster.node_container(node) for node in nodes]
            one_at_a_time(lambda container: container.stop(timeout=STOP_TIMEOUT), containers)
            slot = lab.id if portable(lab) else f"{lab.id} {subnet}"
            common = {**OWNER, KEY_LABEL: key, SLOT_LABEL: slot, "org.dcalab.snapshot-lab": lab.id,
                      MADE_LABEL: str(snapshot.made), LIFETIME_LABEL: str(snapshot.cert_lifetime),
                      SUBNET_LABEL: subnet}
            try:
                for node, state in snapshot.nodes.items():
                    self.client.volumes.create(snapshot.volume(node), labels={
                        **common, "org.dcalab.node": node, NODE_LABEL: json.dumps(state)})
                self._copy({self.cluster.volume_name(node): snapshot.volume(node) for node in snapshot.nodes})
                of = self.client.images.get(node_tag()).id
                for container in containers:  # last: a snapshot is complete when every node's image is there
                    repository, tag = snapshot.image(container.labels["org.dcalab.node"]).split(":")
                    container.commit(repository, tag, changes=[f"LABEL {KEY_LABEL}={key} {OF_LABEL}={of}"])
            except BaseException:
                self.remove(key)
                raise
            in_parallel(lambda container: container.start(), containers)
            self.cluster.reconnect()
            settled = self._settle(snapshot)
        if settled:
            self._remove_others(slot, key)
        else:
            self.remove(key)
        return settled

    def remove(self, key: str) -> None:
        """The snapshot's images (those no node runs) and volumes."""
        from docker.errors import APIError

        for image in snapshot_images(self.client, f"{KEY_LABEL}={key}"):
            with contextlib.suppress(APIError):  # a node still runs it: a later removal takes it
                self.client.images.remove(image.id, force=bool(image.tags))  # untagged, if a node runs it
        for volume in self.client.volumes.list(filters={"label": f"{KEY_LABEL}={key}"}):
            with contextlib.suppress(APIError):
                volume.remove()

    def _remove_others(self, slot: str, kept: str) -> None:
        """The snapshots this one replaces (the same slot: the lab, and its subnet if it cannot move), and the images
        earlier removals left because a node ran them then."""
        from docker.errors import APIError

        kept_keys = {volume.attrs["Labels"][KEY_LABEL] for volume in self.client.volumes.list(filters={
            "label": KEY_LABEL})}
        for image in snapshot_images(self.client, KEY_LABEL):  # left by removals while a node ran it
            if not image.tags or image.key not in kept_keys:
                with contextlib.suppress(APIError):  # a node still runs it
                    self.client.images.remove(image.id, force=bool(image.tags))
        for volume in self.client.volumes.list(filters={"label": f"{SLOT_LABEL}={slot}"}):
            if volume.attrs["Labels"].get(KEY_LABEL) != kept:
                self.remove(volume.attrs["Labels"][KEY_LABEL])

    # -- the nodes ------------------------------------------------------------------------------
    def _node_state(self, node) -> dict:
        code, output = self.cluster.run(node, "sh", "-c", NODE_STATE)
        if code != 0:
            return {"docker": False, "swarm": "", "lists": False, "containers": []}
        swarm, lists, *running = output.splitlines()
        return {"docker": True, "swarm": swarm.strip(), "lists": lists == "lists",
                "containers": [line.split()[0] for line in running if len(line.split()) == 1]}

    def _start_containers(self, node, state: dict) -> bool:
        """The containers the node ran outside services, started again (those with a restart policy already are)."""
        return not state["containers"] or self.cluster.run(node, "docker", "start", *state["containers"])[0] == 0

    def _cert_lifetime(self) -> float:
        """The swarm's node certificate lifetime in seconds, read on a manager; 0 without a swarm."""
        for node in self.cluster.topology.nodes:
            code, output = self.cluster.run(node, "sh", "-c", CERT_LIFETIME)
            if code == 0 and output.strip().isdigit():
                return int(output.strip()) / 1e9
        return 0

    def _copy(self, pairs: dict[str, str], moved: dict[str, str] | None = None) -> None:
        """Copy docker volumes (source -> target) in one privileged container on the node image: inner docker's
        overlay2 keeps its whiteouts and opaque directories in device files and trusted.* attributes. `moved`
        renumbers the addresses (old -> new) in the swarm's files of each copy."""
        from dcalab.images import node_tag

        renumber = " ".join(f"-e 's/(^|[^0-9.]){re.escape(old)}([^0-9]|$)/\\1{new}\\2/g'"
                            for old, new in (moved or {}).items())
        binds = {}
        script = []
        for number, (source, target) in enumerate(pairs.items()):
            binds[source] = {"bind": f"/from/{number}", "mode": "ro"}
            binds[target] = {"bind": f"/to/{number}", "mode": "rw"}
            files = " ".join(f"/to/{number}/{path}" for path in SWARM_FILES)
            then = f"; for f in {files}; do [ ! -f $f ] || sed -i -E {renumber} $f; done" if renumber else ""
            script.append(f"{{ cp -a /from/{number}/. /to/{number}/{then}; }} &")
        self.client.containers.run(node_tag(), entrypoint=["sh", "-c", " ".join(script) + " wait"], volumes=binds,
                                   privileged=True, remove=True, labels=OWNER, network_mode="none",
                                   name=f"{self.cluster.container_name('master')}-snapshot-copy")

    def _settle(self, snapshot: Snapshot) -> bool:
        """Wait until the nodes run as recorded: docker answering in the same swarm state, the containers that ran
        outside services running (started again), the managers seeing every member Ready."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        nodes = [node for node in self.cluster.topology.nodes if snapshot.nodes[node.name]["docker"]]
        while time.monotonic() < deadline:
            now = dict(zip([node.name for node in nodes], in_parallel(self._node_state, nodes), strict=True))
            if all(now[name]["swarm"] == snapshot.nodes[name]["swarm"] for name in now):
                break
            time.sleep(0.3)
        else:
            return False
        if not all(in_parallel(lambda node: self._start_containers(node, snapshot.nodes[node.name]), nodes)):
            return False
        members = {node.fqdn for node in nodes if snapshot.nodes[node.name]["swarm"].startswith("active")}
        managers = [node for node in nodes if snapshot.nodes[node.name]["lists"]]
        while managers and time.monotonic() < deadline:
            code, output = self.cluster.run(managers[0], "docker", "node", "ls", "--format",
                                            "{{.Hostname}} {{.Status}}")
            if code == 0 and members <= {line.split()[0] for line in output.splitlines() if line.endswith(" Ready")}:
                return True
            time.sleep(0.3)
        return not managers

    def _readdress(self, managers: tuple[str, ...]) -> bool:
        """A renumbered swarm's manager at its new address, before its workers start: its raft keeps the recorded
        address and would give them that one, and `docker swarm init --force-new-cluster --advertise-addr` keeps
        it too (docker/for-linux#523). Once it leads, the manager asks its own raft to take its new address: the
        raft Join call a manager makes at a new address (moby/swarmkit#2198), made with its own certificate; then
        a raft snapshot keeps it for docker's next start (RAFT_JOIN)."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        port = self.cluster.topology.swarm_port
        for manager in map(self.cluster.topology.node, managers):
            while not self._node_state(manager)["lists"]:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.3)
            address = f"{manager.ip}:{port}"
            code, output = self.cluster.run(manager, "bash", "-c", RAFT_JOIN.format(
                request=base64.b64encode(join_request(address)).decode(), ip=manager.ip, port=port))
            if code != 0:
                warn(f"The swarm restored on {manager.name} did not take its new address {address}: "
                     f"{output.strip()[-200:]}")
                return False
        return True


def join_request(address: str) -> bytes:
    """A gRPC frame of swarmkit's JoinRequest{addr = 1}: not compressed, its length, the protobuf message."""
    message = b"\x0a" + bytes([len(address)]) + address.encode()
    return b"\x00" + len(message).to_bytes(4, "big") + message


@dataclass(frozen=True)
class SnapshotImage:
    """A start snapshot's image, as the engine's image list gives it."""

    id: str
    tags: tuple[str, ...]
    key: str  # the start key it was recorded under


def snapshot_images(client: docker.DockerClient, label: str) -> list[SnapshotImage]:
    """The images with that label (filter), from one listing. Not `images.list`: it inspects each image it listed,
    and another start recording at once (a class's, CI's lanes) may remove one meanwhile: a 404, not a snapshot."""
    return [SnapshotImage(entry["Id"], tuple(tag for tag in entry.get("RepoTags") or [] if tag != "<none>:<none>"),
                          (entry.get("Labels") or {}).get(KEY_LABEL, ""))
            for entry in client.api.images(filters={"label": label})]


def purge(client: docker.DockerClient) -> None:
    """Every start snapshot on the engine (`dcalab cluster down --purge` of the last cluster)."""
    from docker.errors import APIError

    for image in snapshot_images(client, KEY_LABEL):
        with contextlib.suppress(APIError):
            client.images.remove(image.id, force=True)
    for volume in client.volumes.list(filters={"label": KEY_LABEL}):
        volume.remove(force=True)
