"""Task bridge-network: appnet on worker1 is a bridge with subnet 172.30.0.0/24 and gateway 172.30.0.1; app1
resolves app2 by name to app2's address on it."""

from checks import containers, networks, run_or_raise

TASK = "bridge-network"
CREATE = "docker network create --subnet 172.30.0.0/24 --gateway 172.30.0.1 appnet"


def test_bridge_network(task) -> None:
    worker1 = task.host("worker1")
    if task.solving:
        if networks.network(worker1, "appnet") is None:
            run_or_raise(worker1, CREATE)
        for name in ("app1", "app2"):
            if containers.named(worker1, name) is None:
                run_or_raise(worker1, "docker run -d --name %s --network appnet busybox sleep 1d", name)
    app2 = containers.named(worker1, "app2")
    task.grade({
        "subnet-gateway": networks.shaped(networks.network(worker1, "appnet"), "appnet", "bridge", "172.30.0.0/24",
                                          gateway="172.30.0.1"),
        "names-resolve": networks.resolves(networks.resolve(worker1, "app1", "app2"), "app1", "app2",
                                           networks.addresses_on(app2, "appnet") or ["app2's address on appnet"]),
    })
