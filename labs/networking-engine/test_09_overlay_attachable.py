"""Task overlay-attachable: backbone is an attachable overlay with subnet 10.20.0.0/24; the container probe on
worker2 reaches the dnsrr service whoami on it by name."""

from checks import Verdict, containers, networks, retried, run_or_raise, services

TASK = "overlay-attachable"
NETWORK = "docker network create -d overlay --attachable --subnet 10.20.0.0/24 backbone"
SERVICE = "docker service create -d -q --name whoami --network backbone --endpoint-mode dnsrr nginx:1.25"


def shape(backbone: dict | None, lab_subnet: str) -> Verdict:
    return networks.shaped(backbone, "backbone", "overlay", "10.20.0.0/24", lab_subnet, attachable=True)


def test_overlay_attachable(task) -> None:
    master, worker2 = task.host("master"), task.host("worker2")
    lab_subnet = task.topology.subnet
    if task.solving:
        if not shape(networks.network(master, "backbone"), lab_subnet).passed:  # made anew, without what uses it
            run_or_raise(worker2, "docker rm -f probe >/dev/null 2>&1; true")
            # a network removed a moment ago is still there for a while
            run_or_raise(master, "docker service rm whoami >/dev/null 2>&1; docker network rm backbone >/dev/null "
                                 f"2>&1; {retried(NETWORK, 30)} >/dev/null")
        services.ensure(master, "whoami", SERVICE, "docker service update -d -q --endpoint-mode dnsrr whoami",
                        lambda found: services.endpoint_mode(found, "dnsrr").passed)
        containers.ensure(worker2, "probe", "docker run -d --name probe --network backbone busybox sleep 1d",
                          lambda found: bool(networks.addresses_on(found, "backbone")))
    whoami, tasks = services.when_settled(task, master, "whoami")
    probe = containers.named(worker2, "probe")

    def reaches() -> Verdict:
        return networks.answers(networks.request(worker2, "probe", "http://whoami/"), "probe", "http://whoami/")

    # the service's name reaches worker2 by gossip: wait for it while a dnsrr whoami runs and probe is up
    settling = (services.endpoint_mode(whoami, "dnsrr").passed and services.running(tasks)
                and probe is not None and probe["State"]["Running"])
    task.grade({
        "attachable-overlay": shape(networks.network(master, "backbone"), lab_subnet),
        "probe-reaches-service": task.until(reaches, networks.GOSSIP_SECONDS) if settling else reaches(),
    })
