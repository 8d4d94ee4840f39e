"""Task quorum: master's swarm, which lost two of its three managers, recovered with its services and secrets, and
master, worker1 and worker2 managers again, one leader.

Judged once settled: a re-joined manager is "unknown" for a moment, a leader is being elected, tasks are placed."""

from checks import SolveError, quorum, run_or_raise, swarm

TASK = "quorum"
MANAGERS = ("master", "worker1", "worker2")
KEPT = {"web": (), "agent": (), "api": ("api_key",)}  # the services the lab's start made, with their secrets
# After a forced new cluster the lost nodes' old entries stay "unknown" about 35 s, then go Down and their tasks are
# placed again within 5 s (measured on docker-in-docker nodes); two managers joining take seconds
SETTLE_SECONDS = 60


def test_quorum(task) -> None:
    hosts = {name: task.host(name) for name in MANAGERS}
    master = hosts["master"]

    def look() -> tuple[dict | None, dict[str, dict]]:
        return quorum.raft_view(master), {name: quorum.swarm_view(host) for name, host in hosts.items()}

    if task.solving:
        own = quorum.swarm_view(master)
        if not swarm.has_leader(master):
            if not own.get("ControlAvailable"):
                raise SolveError("master holds no swarm state to recover from (it left its swarm or was never a "
                                 "manager), so the services and secrets cannot be brought back by a solve.")
            run_or_raise(master, "docker swarm init --force-new-cluster --advertise-addr %s",
                         task.topology.node("master").ip)
        address = f"{task.topology.node('master').ip}:{task.topology.swarm_port}"
        for name in MANAGERS[1:]:
            swarm.ensure_member(master, address, hosts[name], task.topology.node(name).fqdn, "manager")
    task.until(lambda: quorum.in_flight(*look()), SETTLE_SECONDS)
    raft, own = look()
    task.grade({
        "one-leader": quorum.leader(raft, own["master"]),
        "three-managers": quorum.managers(raft, own),
        "services-kept": quorum.services_kept(raft, own["master"], KEPT),
    })
