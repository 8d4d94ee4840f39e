"""Task overlay-attachable: backbone is an attachable overlay with subnet 10.20.0.0/24; the container probe on
worker2 reaches the dnsrr service whoami on it by name."""

from checks import Verdict, containers, networks, run_or_raise, services

TASK = "overlay-attachable"
NETWORK = "docker network create -d overlay --attachable --subnet 10.20.0.0/24 backbone"
SERVICE = "docker service create -d -q --name whoami --network backbone --endpoint-mode dnsrr nginx:1.25"


def test_overlay_attachable(task) -> None:
    master, worker2 = task.host("master"), task.host("worker2")
    if task.solving:
        if networks.network(master, "backbone") is None:
            run_or_raise(master, NETWORK)
        services.ensure(master, "whoami", SERVICE)
        if containers.named(worker2, "probe") is None:
            run_or_raise(worker2, "docker run -d --name probe --network backbone busybox sleep 1d")
    whoami, tasks = services.when_settled(task, master, "whoami")
    probe = containers.named(worker2, "probe")

    def reaches() -> Verdict:
        return networks.answers(networks.request(worker2, "probe", "http://whoami/"), "probe", "http://whoami/")

    # the service's name reaches worker2 by gossip: wait for it while a dnsrr whoami runs and probe is up
    settling = (services.endpoint_mode(whoami, "dnsrr").passed and services.running(tasks)
                and probe is not None and probe["State"]["Running"])
    task.grade({
        "attachable-overlay": networks.shaped(networks.network(master, "backbone"), "backbone", "overlay",
                                              "10.20.0.0/24", attachable=True),
        "probe-reaches-service": task.until(reaches, networks.GOSSIP_SECONDS) if settling else reaches(),
    })
