"""Task swarm-join: the registry node joined master's swarm as a worker; four nodes Ready, each by its own account."""

from checks import swarm

TASK = "swarm-join"
SETTLE = 20  # seconds a node that has just joined may take to show Ready on the manager


def test_swarm_join(task) -> None:
    manager, registry, joiner = task.host("master"), task.host("registry"), task.fqdn("registry")
    if task.solving:
        swarm.ensure_worker(manager, task.manager_address, registry, joiner)
    own = swarm.local_swarm(registry)  # a node that left is not a member, whatever the manager still lists
    if own.get("LocalNodeState") == "active":
        task.until(lambda: swarm.member(swarm.node_list(manager), joiner), SETTLE)
    task.until(lambda: swarm.known(swarm.node_list(manager)), SETTLE)  # after a restart of master's docker
    listing = swarm.node_list(manager)
    views = {task.fqdn(node): swarm.local_swarm(task.host(node)) for node in ("master", "worker1", "worker2")}
    task.grade({
        "registry-joined": swarm.member(listing, joiner, own),
        "joined-as-worker": swarm.is_worker(listing, joiner),
        "four-ready": swarm.all_ready(listing, 4, {**views, joiner: own}, task.manager_address),
    })
