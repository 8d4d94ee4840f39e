"""Task dnsrr-scaled: whoami runs 3 tasks in dnsrr mode; inside one of its tasks, the name whoami resolves to
exactly the running tasks' addresses on backbone."""

from checks import Verdict, networks, services, swarm, verdict

TASK = "dnsrr-scaled"
UPDATE = "docker service update -d -q --endpoint-mode dnsrr --replicas 3 whoami"
CREATE = "docker service create -d -q --name whoami --network backbone --endpoint-mode dnsrr --replicas 3 nginx:1.25"


def backbone_address(entry: dict) -> str:
    """A task's address on backbone (its network attachments hold 10.20.0.5/24)."""
    return next((address.split("/")[0] for attachment in entry.get("NetworksAttachments") or []
                 if attachment["Network"]["Spec"]["Name"] == "backbone" for address in attachment["Addresses"]), "")


def test_dnsrr_scaled(task) -> None:
    master = task.host("master")
    if task.solving:
        services.ensure(master, "whoami", CREATE, UPDATE,
                        lambda found: services.replicas(*services.when_settled(task, master, "whoami"), 3).passed
                        and services.endpoint_mode(found, "dnsrr").passed)
    whoami, tasks = services.when_settled(task, master, "whoami")
    running = services.running(tasks)
    addresses = [address for address in map(backbone_address, running) if address]
    resolved = verdict(False, "whoami resolves inside its own task", "no running task of whoami on backbone")
    if running and addresses:
        inside = running[0]
        node = task.host(swarm.hostnames(swarm.nodes(master))[inside["NodeID"]].split(".")[0])
        container = inside["Status"]["ContainerStatus"]["ContainerID"]

        def look() -> Verdict:
            return networks.resolves(networks.resolve(node, container, "whoami"), "a task of whoami", "whoami",
                                     addresses)

        # new tasks reach the other nodes' DNS by gossip: wait for that, in dnsrr mode only
        dnsrr = services.endpoint_mode(whoami, "dnsrr").passed
        resolved = task.until(look, networks.GOSSIP_SECONDS) if dnsrr else look()
    task.grade({
        "endpoint-dnsrr": services.endpoint_mode(whoami, "dnsrr"),
        "three-running": services.replicas(whoami, tasks, 3),
        "name-resolves-to-tasks": resolved,
    })
