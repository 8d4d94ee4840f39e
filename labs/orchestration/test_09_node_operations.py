"""Task node-operations: worker2 drained with no task left on it; three managers, all reachable."""

from checks import Verdict, run_or_raise, services, swarm, verdict

TASK = "node-operations"
SETTLE = 30  # seconds a drained node's tasks take to stop, and a promoted node to become reachable


def _running_on(manager, hostname: str) -> int:
    node_ids = [node_id for node_id, name in swarm.hostnames(swarm.nodes(manager)).items() if name == hostname]
    return len([entry for entry in services.running(services.task_list(manager)) if entry["NodeID"] in node_ids])


def _settled(manager, hostname: str) -> Verdict:
    """Nothing in motion: no task still stopping on a drained node, none of its replacements still starting
    elsewhere, no manager still joining the raft."""
    details = swarm.nodes(manager)
    draining = any(entry["Description"]["Hostname"] == hostname and entry["Spec"].get("Availability") == "drain"
                   for entry in details) and _running_on(manager, hostname) > 0
    joining = any(entry["Spec"].get("Role") == "manager"
                  and (entry.get("ManagerStatus") or {}).get("Reachability") != "reachable" for entry in details)
    tasks = services.task_list(manager)
    moving = any(services.settling(service, services.tasks_of(tasks, service), swarm.ready(details))
                 for service in services.services(manager).values())
    return verdict(not (draining or joining or moving), "the nodes settled",
                   "tasks stopping or starting, or a manager joining")


def test_node_operations(task) -> None:
    manager, worker2 = task.host("master"), task.fqdn("worker2")
    if task.solving:
        details = swarm.nodes(manager)
        if not swarm.drained(details, worker2, _running_on(manager, worker2)).passed:
            run_or_raise(manager, "docker node update --availability drain %s", worker2)
        managing = {entry["Description"]["Hostname"] for entry in details if entry.get("ManagerStatus")}
        candidates = [task.fqdn(node) for node in ("worker1", "registry") if task.fqdn(node) not in managing]
        for hostname in candidates[: max(0, 3 - len(managing))]:
            run_or_raise(manager, "docker node promote %s", hostname)
    task.until(lambda: _settled(manager, worker2), SETTLE)
    details = swarm.nodes(manager)
    task.grade({
        "worker2-drained": swarm.drained(details, worker2, _running_on(manager, worker2)),
        "three-managers": swarm.managers(details, 3),
    })
