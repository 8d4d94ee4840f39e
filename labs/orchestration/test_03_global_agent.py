"""Task global-agent: agent is global, with one running task on each active node."""

from checks import services, swarm

TASK = "global-agent"
CREATE = "docker service create -q --name agent --mode global busybox sleep 1d"


def test_global_agent(task) -> None:
    manager = task.host("master")
    if task.solving:
        services.ensure(manager, "agent", CREATE)
    agent, tasks = services.when_settled(task, manager, "agent")
    task.grade({
        "global": services.is_global(agent, "agent"),
        "one-per-active-node": services.on_each(tasks, swarm.active(swarm.nodes(manager))),
    })
