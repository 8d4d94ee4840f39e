"""Start snapshots (issue 34): what makes a lab's start state, as one key, and how long a recorded one may be
restored. The engine side (recording and restoring the embedded nodes) is dcalab.backends.snapshot_store.

A snapshot holds the state a start leaves, so its key covers every input of that state: the node image, the
image source (the lab hub's images or Docker Hub's), the topology (names and host addresses; the subnet too for a
start that cannot be renumbered, see portable), the code that forms swarms and applies starts, the lab's [start]
section, and for a lab that starts where another ends, that lab whole (its start and the solve that runs its tasks)
and the checks the solve uses. A snapshot is never restored past half its swarm's node certificate lifetime:
certificates issued at the recorded start would be renewed, or expire, under the learner."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from pathlib import Path

import checks
from dcalab.lab import Lab, find_lab
from dcalab.topology import ADDRESS, Topology, topology

FORMAT = "2"  # raised when what a snapshot holds changes
DEFAULT_CERT_LIFETIME = 90 * 24 * 3600  # seconds: swarm's default NodeCertExpiry
CODE = (Path(__file__).with_name("start.py"), Path(checks.__file__).with_name("swarm.py"))


def _digest_files(paths: list[Path]) -> str:
    found = hashlib.sha256()
    for path in sorted(paths):
        found.update(f"{path.name}\0{len(path.read_bytes())}\0".encode() + path.read_bytes())
    return found.hexdigest()


def lab_chain(lab: Lab) -> list[Lab]:
    """The lab and the labs it starts after, the lab itself first."""
    chain = [lab]
    while chain[-1].start.after_lab and len(chain) <= 10:  # a loop is refused by the start itself
        chain.append(find_lab(chain[-1].start.after_lab))
    return chain


def swarm_managers(lab: Lab) -> tuple[str, ...]:
    """The managers of the swarm the lab's start leaves (a lab that starts after another and names no roles keeps
    that lab's swarm)."""
    for started in lab_chain(lab):
        if started.start.managers or not started.start.after_lab:
            return tuple(started.start.managers)
    return ()


def portable(lab: Lab) -> bool:
    """A start whose snapshot may be restored on any lab network (another cluster's /24): no swarm, or a swarm of
    one manager, which moves to its new address (dcalab.backends.snapshot_store), and no address of the topology in
    its start steps (files written with the recorded addresses). A swarm of several managers needs a quorum at
    the recorded addresses before any of them can move, so it is restored only on the lab network it was recorded
    on."""
    own = set(topology().address_map(topology().subnet))
    steps = [step.run for started in lab_chain(lab) for step in started.start.steps]
    return len(swarm_managers(lab)) <= 1 and not any(found in own for run in steps for found in ADDRESS.findall(run))


def start_inputs(lab: Lab, topo: Topology, node_image: str, image_source: str) -> list[str]:
    """Everything a start's state is made of, one readable string each (the key hashes them). A portable start's
    addresses count by their host part (10.10.10.100 and 10.10.12.100 alike: restored, it is renumbered)."""
    network, moves = ipaddress.ip_network(topo.subnet), portable(lab)
    where = (lambda address: str(int(ipaddress.ip_address(address)) - int(network.network_address))) \
        if moves else str
    addresses = [f"{node.name} {node.fqdn} {where(node.ip)}" for node in topo.nodes]
    inputs = [f"format {FORMAT}", f"node image {node_image}", f"images from {image_source}",
              f"topology {f'/{network.prefixlen}' if moves else topo.subnet} {where(topo.gateway)} "
              f"hub {where(topo.hub_ip)} swarm port {topo.swarm_port} {'; '.join(addresses)}",
              f"start code {_digest_files(list(CODE))}", f"{lab.id} start {lab.start!r}"]
    earlier = lab_chain(lab)[1:]
    for solved in earlier:
        files = [path for path in solved.folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts]
        inputs.append(f"{solved.id} solved, its folder {_digest_files(files)}")
    if earlier:
        inputs.append(f"checks {_digest_files(list(Path(checks.__file__).parent.glob('*.py')))}")
    return inputs


def start_key(inputs: list[str]) -> str:
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


def max_age(cert_lifetime: float) -> float:
    """Seconds a snapshot may be restored after it was recorded: half its node certificates' lifetime."""
    return (cert_lifetime or DEFAULT_CERT_LIFETIME) / 2


def restorable(made: float, cert_lifetime: float, now: float) -> bool:
    """A snapshot recorded at `made` (epoch seconds) may be restored at `now`: younger than max_age, and not from
    the future (a clock set back would give certificates not yet valid)."""
    return 0 <= now - made < max_age(cert_lifetime)
