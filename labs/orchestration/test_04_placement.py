"""Task placement: worker1 labelled zone=east; east constrained on that label runs only there."""

from checks import run_or_raise, services, swarm

TASK = "placement"
CONSTRAINT = "node.labels.zone==east"
CREATE = f"docker service create -q --name east --replicas 2 --constraint {CONSTRAINT} nginx:1.25"
FIX = f"docker service update -q --constraint-add {CONSTRAINT} east"


def test_placement(task) -> None:
    manager, worker1 = task.host("master"), task.fqdn("worker1")
    if task.solving:
        if not swarm.labelled(swarm.nodes(manager), worker1, "zone", "east").passed:
            run_or_raise(manager, "docker node update --label-add zone=east %s", worker1)
        services.ensure(manager, "east", CREATE, FIX, lambda east: services.constrained(east, CONSTRAINT).passed)
    east, tasks = services.when_settled(task, manager, "east")
    details = swarm.nodes(manager)
    task.grade({
        "zone-label": swarm.labelled(details, worker1, "zone", "east"),
        "label-constraint": services.constrained(east, CONSTRAINT),
        "only-in-zone": services.only_on(tasks, swarm.hostnames(details), worker1),
    })
