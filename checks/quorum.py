"""A swarm's quorum: one leader, each manager by its own account, and what the raft kept (services and their secrets).

Read from master's Engine API and each node's own `docker info`. Without a leader a manager answers no swarm
request: what it lists is then None, and the verdicts say why.

>>> leader(raft_view(host("master")), swarm_view(host("master"))).passed
"""

from __future__ import annotations

from checks import Verdict, verdict
from checks.docker_cli import api_json
from checks.services import running, settling, tasks_of
from checks.swarm import hostname, ready


def raft_view(manager) -> dict | None:
    """What the swarm's raft holds, as the manager lists it (nodes, services with their status, tasks, secrets), or
    None when it lists nothing: no leader (a lost quorum), or the node manages no swarm."""
    read = {}
    for part, path in (("nodes", "/nodes"), ("services", "/services?status=true"), ("tasks", "/tasks"),
                       ("secrets", "/secrets")):
        read[part] = api_json(manager, path)
        if read[part] is None:  # a leader lost between two reads lists nothing either: never an empty swarm
            return None
    return {**read, "services": {entry["Spec"]["Name"]: entry for entry in read["services"]}}


def swarm_view(host) -> dict:
    """The node's own account of its swarm membership: docker info's Swarm section."""
    return (api_json(host, "/info") or {}).get("Swarm") or {}


def why_unlisted(own: dict, node: str = "master") -> str:
    """Why a node's swarm lists nothing, from its own docker info."""
    state = own.get("LocalNodeState") or "unknown"
    if state == "inactive":
        return f"{node} is in no swarm"
    if not own.get("ControlAvailable"):
        return f"{node} is not a manager (its swarm state: {state})"
    said = (own.get("Error") or "").split("desc = ")[-1].split(".")[0]
    return f"{node}'s swarm has no leader ({said or 'its state: ' + state})"


def leader(raft: dict | None, master_own: dict) -> Verdict:
    expected = "one leader of the swarm, answering on master"
    if raft is None:
        return verdict(False, expected, why_unlisted(master_own))
    leaders = [hostname(entry) for entry in raft["nodes"] if (entry.get("ManagerStatus") or {}).get("Leader")]
    return verdict(len(leaders) == 1, expected, f"{', '.join(leaders) or 'no node'} leads")


def managers(raft: dict | None, own: dict[str, dict]) -> Verdict:
    """Every node of `own` (node -> its own docker info Swarm) a manager of master's swarm by its own account, and
    Ready and reachable in master's list."""
    names = list(own)
    expected = f"{', '.join(names[:-1])} and {names[-1]} managers of master's swarm, all reachable"
    cluster = swarm_id(own["master"])
    found = []
    for name, view in own.items():
        state = view.get("LocalNodeState")
        if state != "active":
            found.append(f"{name} is in no swarm" if state == "inactive" else f"{name}'s swarm state is {state}")
        elif not view.get("ControlAvailable"):
            found.append(f"{name} is a worker")
        elif swarm_id(view) != cluster:
            found.append(f"{name} manages a swarm of its own")
        elif raft is None:
            found.append(f"{name} a manager, but {why_unlisted(own['master'])}")
        else:
            reach, status = listed_as(raft, view)
            fine = reach == "reachable" and status == "ready"
            found.append(f"{name} {'reachable' if fine else f'{reach}, {status}'}")
    passed = all(line.endswith(" reachable") for line in found)
    return verdict(passed, expected, "; ".join(found))


def swarm_id(view: dict) -> str | None:
    """The ID of the swarm a node is in, by its own account."""
    return (view.get("Cluster") or {}).get("ID")


def listed_as(raft: dict, view: dict) -> tuple[str, str]:
    """A node's reachability (as a manager) and status in the raft's list, found by the node ID of its own view."""
    entry = next((e for e in raft["nodes"] if e["ID"] == view.get("NodeID")), None) or {}
    return ((entry.get("ManagerStatus") or {}).get("Reachability", "not listed"),
            (entry.get("Status") or {}).get("State", "not listed"))


def services_kept(raft: dict | None, master_own: dict, wanted: dict[str, tuple[str, ...]]) -> Verdict:
    """The services `wanted` (name -> the secrets it uses) still in the swarm with those secrets, each secret
    there, each replicated service running its replicas and each global one a task, on Ready nodes."""
    shown = ", ".join(f"{name} (secret {', '.join(secrets)})" if secrets else name for name, secrets in wanted.items())
    expected = f"the services {shown} in the swarm, running their tasks"
    if raft is None:
        return verdict(False, expected, f"{why_unlisted(master_own)}: it lists no service or secret")
    secrets = {entry["Spec"]["Name"] for entry in raft["secrets"]}
    missing = [name for name in wanted if name not in raft["services"]]
    lost = sorted({secret for used in wanted.values() for secret in used} - secrets)
    if missing and len(missing) == len(wanted):
        return verdict(False, expected, f"the swarm holds none of them ({len(raft['services'])} other service(s))"
                       + (f", nor the secret {', '.join(lost)}" if lost else ""))
    found = [f"no service {name}" for name in missing] + [f"no secret {secret}" for secret in lost]
    up = ready(raft["nodes"])
    for name, used in wanted.items():
        service = raft["services"].get(name)
        if service is None:
            continue
        spec = service["Spec"]
        refs = {ref.get("SecretName") for ref in spec["TaskTemplate"]["ContainerSpec"].get("Secrets") or []}
        found += [f"{name} without its secret {secret}" for secret in used if secret not in refs]
        runs = len([t for t in running(tasks_of(raft["tasks"], service)) if t.get("NodeID") in up])
        replicas = (spec.get("Mode") or {}).get("Replicated", {}).get("Replicas")
        if runs < (1 if replicas is None else replicas):
            found.append(f"{name} runs {runs} task(s)" + (f" of {replicas}" if replicas is not None else ""))
    return verdict(not found, expected, "; ".join(found) or "all there, running")


def in_flight(raft: dict | None, own: dict[str, dict]) -> Verdict:
    """Settled: nothing about to change by itself. Not settled while a node joins, a leader is elected among managers
    that can reach one another, a manager's reachability or a node's status is not known yet (after a forced new
    cluster the lost nodes' old entries are "unknown" until the leader marks them Down and places their tasks
    elsewhere), a manager of this swarm by its own account is not reachable and Ready in the raft's list yet (its
    docker just restarted: the leader sees it again within seconds), or a service's tasks move. A swarm with no
    manager but master left is settled: nothing brings its quorum back by itself."""
    moving = [f"{name} {view.get('LocalNodeState')}" for name, view in own.items()
              if view.get("LocalNodeState") == "pending" and (raft is not None or name != "master")]
    if raft is None:
        moving += [f"{name} a manager waiting for a leader" for name, view in own.items()
                   if name != "master" and view.get("ControlAvailable")]
    else:
        for entry in raft["nodes"]:  # an old entry of a lost node too: once Down, its tasks are placed elsewhere
            reach = (entry.get("ManagerStatus") or {}).get("Reachability")
            if reach == "unknown" or (entry.get("Status") or {}).get("State") == "unknown":
                moving.append(f"{hostname(entry)} ({entry['ID'][:12]}) not known yet")
        cluster = swarm_id(own["master"])
        for name, view in own.items():
            listed = listed_as(raft, view)
            if view.get("ControlAvailable") and swarm_id(view) == cluster and listed != ("reachable", "ready"):
                moving.append(f"{name} reconnecting ({', '.join(listed)})")
        up = ready(raft["nodes"])
        moving += [f"{name} tasks moving" for name, service in raft["services"].items()
                   if settling(service, tasks_of(raft["tasks"], service), up)]
    return verdict(not moving, "the swarm settled", "; ".join(moving) or "settled")
