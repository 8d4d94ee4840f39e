"""Task network-alias: inside shop-web the name api resolves to shop-api, and http://api/ answers."""

from checks import containers, networks, run_or_raise

TASK = "network-alias"


def test_network_alias(task) -> None:
    worker1 = task.host("worker1")
    if task.solving and not networks.resolve(worker1, "shop-web", "api"):
        run_or_raise(worker1, "docker network connect --alias api shop-front shop-api")
    api = containers.named(worker1, "shop-api")
    addresses = [address for name in ((api or {}).get("NetworkSettings", {}).get("Networks") or {})
                 for address in networks.addresses_on(api, name)]
    task.grade({
        "alias-resolves": networks.resolves(networks.resolve(worker1, "shop-web", "api"), "shop-web", "api",
                                            addresses or ["shop-api's addresses"], among=True),
        "request-answers": networks.answers(networks.request(worker1, "shop-web", "http://api/"), "shop-web",
                                            "http://api/"),
    })
