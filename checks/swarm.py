"""Swarm membership as the manager and each node see it, and the idempotent steps that form a swarm.

>>> listing = node_list(host("master")); member(listing, "registry.docker-dca.example").passed
"""

from __future__ import annotations

import time

from checks import SolveError, Verdict, run_or_raise, verdict
from checks.daemon import engine_info
from checks.docker_cli import API, api_json, node_of
from dcalab.errors import NodeRefused

READY_TIMEOUT = 120  # emulated VMs (QEMU without KVM) take over 30 s


def not_managing(manager, command: str) -> NodeRefused:
    """Docker answered a swarm command with an error: the node's swarm state is wrong, which is graded (FAIL),
    not an ENV-ERROR; a manager locked by autolock says so."""
    node = node_of(manager)
    if local_swarm(manager).get("LocalNodeState") == "locked":
        return NodeRefused(f"{node}'s swarm is locked (autolock), so `{command}` answers nothing there.",
                           f"Unlock it with the saved key: docker swarm unlock (on {node}).")
    return NodeRefused(f"{node} is not a swarm manager, so `{command}` answers nothing there.",
                       f"The lab starts with {node} leading the swarm: `docker info` on it shows its swarm state; "
                       "`dcalab lab start LAB` starts the lab again.")


def node_list(manager) -> list[dict]:
    """`docker node ls` on the manager: one dict per node with its columns, made from the nodes as the docker
    client makes them (Status Ready, Availability Active, ManagerStatus Leader, Reachable or empty)."""
    return [{"ID": entry["ID"], "Hostname": hostname(entry),
             "Status": (entry.get("Status") or {}).get("State", "").capitalize(),
             "Availability": (entry.get("Spec") or {}).get("Availability", "").capitalize(),
             "ManagerStatus": manager_status(entry.get("ManagerStatus"))}
            for entry in sorted(nodes(manager, "docker node ls"), key=hostname)]


def hostname(entry: dict) -> str:
    """A node's hostname; "" for one that has just joined and not described itself yet."""
    return (entry.get("Description") or {}).get("Hostname", "")


def manager_status(status: dict | None) -> str:
    if not status:
        return ""
    return "Leader" if status.get("Leader") else status.get("Reachability", "").capitalize()


def _entry(listing: list[dict], hostname: str) -> dict | None:
    matches = [entry for entry in listing if entry["Hostname"] == hostname]
    return next((entry for entry in matches if entry["Status"] == "Ready"), matches[0] if matches else None)


def local_swarm(host) -> dict:
    """The node's own view of its swarm membership (docker info's Swarm section)."""
    return engine_info(host).get("Swarm") or {}


def member(listing: list[dict], hostname: str, own: dict | None = None) -> Verdict:
    """Ready in the manager's list and, when the node's own view is given, in a swarm by its own account:
    a node that left is FAIL at once, not once the manager notices (about 40 s later)."""
    expected = f"{hostname} Ready in the swarm"
    entry = _entry(listing, hostname)
    manager_says = f"is {entry['Status']}" if entry else "is not in docker node ls"
    if own is not None and own.get("LocalNodeState") != "active":
        return verdict(False, expected, f"{hostname}'s docker says it is not in a swarm "
                       f"({own.get('LocalNodeState', 'unknown')}); the manager says it {manager_says}")
    return verdict(entry is not None and entry["Status"] == "Ready", expected, f"{hostname} {manager_says}")


def is_worker(listing: list[dict], hostname: str) -> Verdict:
    entry = _entry(listing, hostname)
    if entry is None:
        return verdict(False, f"{hostname} joined as a worker", f"{hostname} has not joined")
    role = f"a manager ({entry['ManagerStatus']})" if entry["ManagerStatus"] else "a worker"
    return verdict(not entry["ManagerStatus"], f"{hostname} joined as a worker", f"{hostname} is {role}")


def known(listing: list[dict]) -> Verdict:
    """The manager knows every node's status: right after a manager's docker restarts it lists some as Unknown until
    they report again (a state that settles, not the learner's)."""
    unknown = sorted(entry["Hostname"] for entry in listing if entry["Status"] == "Unknown")
    return verdict(not unknown, "every node's status known to the manager",
                   f"status not known yet: {', '.join(unknown)}" if unknown else "every status known")


def all_ready(listing: list[dict], count: int, own: dict[str, dict] | None = None, manager_address: str = "") \
        -> Verdict:
    """`count` nodes Ready in docker node ls; with the nodes' own views (hostname -> docker info's Swarm), each is
    also in the swarm of the manager at `manager_address` by its own account: a node that left stays Ready on the
    manager for about 40 s."""
    ready = sorted(entry["Hostname"] for entry in listing if entry["Status"] == "Ready")
    others = [f"{entry['Hostname']} {entry['Status']}" for entry in listing if entry["Status"] != "Ready"]
    twice = sorted({name for name in ready if ready.count(name) > 1})
    astray = [f"{name} ({info.get('LocalNodeState', 'unknown')})" for name, info in sorted((own or {}).items())
              if not _in_swarm_of(info, manager_address)]
    found = f"{len(ready)} Ready" + (f"; also {', '.join(others)}" if others else "") + (
        f"; listed twice (a node that left and joined again): {', '.join(twice)}" if twice else "") + (
        f"; not in this swarm by their own docker: {', '.join(astray)}" if astray else "")
    return verdict(len(ready) == count and not others and not astray, f"{count} nodes Ready in docker node ls", found)


def _in_swarm_of(info: dict, manager_address: str) -> bool:
    managers = {remote.get("Addr") for remote in info.get("RemoteManagers") or []}
    return info.get("LocalNodeState") == "active" and manager_address in managers


def ensure_leader(host, advertise_ip: str) -> None:
    """The node leads a swarm of its own (it leaves another swarm first)."""
    info = local_swarm(host)
    if info.get("LocalNodeState") == "active" and info.get("ControlAvailable"):
        return
    if info.get("LocalNodeState") != "inactive":
        run_or_raise(host, "docker swarm leave --force")
    run_or_raise(host, "docker swarm init --advertise-addr %s", advertise_ip)


def ensure_member(manager, manager_address: str, host, hostname: str, role: str = "worker") -> None:
    """Join `host` to the manager's swarm (leaving another swarm first) and give it `role`; wait until Ready."""
    info = local_swarm(host)
    if not _in_swarm_of(info, manager_address):
        if info.get("LocalNodeState") != "inactive":
            run_or_raise(host, "docker swarm leave --force")
        token = run_or_raise(manager, "docker swarm join-token -q %s", role)
        run_or_raise(host, "docker swarm join --token %s %s", token, manager_address)
    own_id = local_swarm(host).get("NodeID")
    for stale in [e for e in node_list(manager) if e["Hostname"] == hostname and e["ID"] != own_id]:
        run_or_raise(manager, "docker node rm --force %s", stale["ID"])  # the entry the node had before it left
    entry = _entry(node_list(manager), hostname)
    if entry and bool(entry["ManagerStatus"]) != (role == "manager"):
        run_or_raise(manager, "docker node update --role %s %s", role, entry["ID"])
    await_ready(manager, {hostname})


def ensure_worker(manager, manager_address: str, host, hostname: str) -> None:
    """Join `host` to the manager's swarm as a worker; demote it if it joined as a manager."""
    ensure_member(manager, manager_address, host, hostname, "worker")


def ensure_outside(host) -> None:
    """The node is in no swarm."""
    if local_swarm(host).get("LocalNodeState") not in (None, "inactive"):
        run_or_raise(host, "docker swarm leave --force")


def await_ready(manager, hostnames: set[str]) -> None:
    """Wait until every hostname is Ready, dropping stale Down entries left by recreated or re-joined nodes."""
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        listing = node_list(manager)
        ready = {entry["Hostname"] for entry in listing if entry["Status"] == "Ready"}
        for entry in listing:
            if entry["Status"] == "Down" and entry["Hostname"] in ready:
                run_or_raise(manager, "docker node rm --force %s", entry["ID"])
        if hostnames <= ready:
            return
        if time.monotonic() > deadline:
            raise SolveError(f"These nodes did not become Ready in the swarm within {READY_TIMEOUT} s: "
                             f"{', '.join(sorted(hostnames - ready))}.")
        time.sleep(0.5)


def has_leader(manager) -> bool:
    """The node answers swarm requests: it manages a swarm that has a leader (False when it manages none, its swarm
    has no quorum, or its docker does not answer): for a solve deciding whether to wait for tasks, never a grade."""
    return manager.run("curl -sf -o /dev/null --unix-socket /var/run/docker.sock %s", API + "/nodes").rc == 0


def nodes(manager, command: str = "docker node inspect") -> list[dict]:
    """Every node as `docker node inspect` shows it (the Engine API's nodes): role, availability, labels,
    manager status. On a node that is not a manager, NodeRefused naming `command`."""
    found = api_json(manager, "/nodes")
    if found is None:
        raise not_managing(manager, command)
    return found


def hostnames(details: list[dict]) -> dict[str, str]:
    """Node ID -> hostname."""
    return {entry["ID"]: hostname(entry) for entry in details}


def _details(details: list[dict], hostname: str) -> dict | None:
    return next((entry for entry in details if entry["Description"]["Hostname"] == hostname), None)


def ready(details: list[dict]) -> set[str]:
    """The IDs of the nodes that are Ready (whatever their availability)."""
    return {entry["ID"] for entry in details if (entry.get("Status") or {}).get("State") == "ready"}


def unreported(details: list[dict]) -> list[str]:
    """The nodes whose state the manager does not know yet: hostnames. Right after docker restarted on the manager it
    says unknown for each node until that node reports again (a node whose docker stopped turns down)."""
    return [entry["Description"]["Hostname"] for entry in details if entry["Status"]["State"] == "unknown"]


def active(details: list[dict]) -> dict[str, str]:
    """The Ready nodes whose availability is active (where the scheduler places tasks): ID -> hostname."""
    return {entry["ID"]: entry["Description"]["Hostname"] for entry in details
            if entry["Spec"].get("Availability") == "active" and entry["Status"]["State"] == "ready"}


def labelled(details: list[dict], hostname: str, key: str, value: str) -> Verdict:
    expected = f"{hostname} labelled {key}={value}"
    entry = _details(details, hostname)
    labels = (entry or {}).get("Spec", {}).get("Labels") or {}
    shown = ", ".join(f"{name}={found}" for name, found in sorted(labels.items())) or "no labels"
    return verdict(labels.get(key) == value, expected, f"{hostname} has {shown}" if entry else f"no node {hostname}")


def drained(details: list[dict], hostname: str, running_there: int) -> Verdict:
    """Availability drain and no running task left on the node."""
    entry = _details(details, hostname)
    availability = entry["Spec"].get("Availability") if entry else "not in the swarm"
    return verdict(availability == "drain" and running_there == 0, f"{hostname} drained, no task running on it",
                   f"{hostname} is {availability}, {running_there} task(s) running on it")


def managers(details: list[dict], count: int) -> Verdict:
    """`count` managers, every one reachable."""
    found = sorted((entry["Description"]["Hostname"], entry["ManagerStatus"].get("Reachability"))
                   for entry in details if entry.get("ManagerStatus"))
    shown = ", ".join(f"{hostname} ({reachability})" for hostname, reachability in found)
    return verdict(len(found) == count and all(reach == "reachable" for _, reach in found),
                   f"{count} managers, all reachable", f"{len(found)} manager(s): {shown}")
