"""Task templates: hosts sets --hostname '{{.Node.Hostname}}-{{.Task.Slot}}'; its containers carry the result."""

from checks import services, swarm, verdict
from checks.docker_cli import inspect

TASK = "templates"
TEMPLATE = "{{.Node.Hostname}}-{{.Task.Slot}}"
CREATE = f"docker service create -q --name hosts --replicas 2 --hostname '{TEMPLATE}' busybox sleep 1d"
FIX = f"docker service update -q --hostname '{TEMPLATE}' hosts"


def test_templates(task) -> None:
    manager = task.host("master")
    if task.solving:
        services.ensure(manager, "hosts", CREATE, FIX, lambda hosts: services.hostname_template(hosts, TEMPLATE).passed)
    hosts, tasks = services.when_settled(task, manager, "hosts")
    nodes = {node_id: hostname.split(".")[0] for node_id, hostname in swarm.hostnames(swarm.nodes(manager)).items()}
    found, wrong = [], []
    for entry in services.running(tasks):
        node = nodes[entry["NodeID"]]
        container = inspect(task.host(node), entry["Status"]["ContainerStatus"]["ContainerID"])
        hostname = container[0]["Config"]["Hostname"] if container else "(container not found)"
        wanted = f"{task.fqdn(node)}-{entry['Slot']}"
        found.append(f"{hostname} on {node}")
        if hostname != wanted:
            wrong.append(hostname)
    task.grade({
        "template": services.hostname_template(hosts, TEMPLATE),
        "hostnames-follow": verdict(bool(found) and not wrong, "each running task's hostname is <node>-<slot>",
                                    ", ".join(found) or "no running task"),
    })
