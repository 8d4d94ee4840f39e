"""Task bridge-network: appnet on worker1 is a bridge with subnet 172.30.0.0/24 and gateway 172.30.0.1; app1
resolves app2 by name to app2's address on it."""

from checks import Verdict, containers, networks, run_or_raise

TASK = "bridge-network"
CREATE = "docker network create --subnet 172.30.0.0/24 --gateway 172.30.0.1 appnet"


def shape(appnet: dict | None, lab_subnet: str) -> Verdict:
    return networks.shaped(appnet, "appnet", "bridge", "172.30.0.0/24", lab_subnet, gateway="172.30.0.1")


def test_bridge_network(task) -> None:
    worker1, lab_subnet = task.host("worker1"), task.topology.subnet
    if task.solving:
        if not shape(networks.network(worker1, "appnet"), lab_subnet).passed:  # a subnet cannot change: made anew
            run_or_raise(worker1, f"docker rm -f app1 app2 >/dev/null 2>&1; docker network rm appnet >/dev/null "
                                  f"2>&1; {CREATE}")
        for name in ("app1", "app2"):
            containers.ensure(worker1, name, f"docker run -d --name {name} --network appnet busybox sleep 1d",
                              lambda found: bool(networks.addresses_on(found, "appnet")))
    app2 = containers.named(worker1, "app2")
    task.grade({
        "subnet-gateway": shape(networks.network(worker1, "appnet"), lab_subnet),
        "names-resolve": networks.resolves(networks.resolve(worker1, "app1", "app2"), "app1", "app2",
                                           networks.addresses_on(app2, "appnet") or ["app2's address on appnet"]),
    })
