"""Task swarm-join: the registry node joined master's swarm as a worker; four nodes Ready."""

from checks import swarm

TASK = "swarm-join"


def test_swarm_join(task) -> None:
    manager, joiner = task.host("master"), task.fqdn("registry")
    if task.solving:
        swarm.ensure_worker(manager, task.manager_address, task.host("registry"), joiner)
    listing = swarm.node_list(manager)
    task.grade({
        "registry-joined": swarm.member(listing, joiner),
        "joined-as-worker": swarm.is_worker(listing, joiner),
        "four-ready": swarm.all_ready(listing, 4),
    })
