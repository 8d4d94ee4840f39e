"""Task cross-node-pull: worker2 can pull from the private registry (reaches it, and its docker trusts it)."""

from checks import daemon, images, registry_api

TASK = "cross-node-pull"


def test_cross_node_pull(task) -> None:
    worker, registry = task.host("worker2"), task.settings["registry"]
    if task.solving:
        images.ensure_pulled(worker, f"{registry}/nginx")
    reference = f"{registry}/nginx:latest"
    task.grade({
        "reaches-registry": registry_api.answers(registry_api.manifest(worker, registry, "nginx", "latest"),
                                                 f"{reference} from worker2"),
        "daemon-trusts": daemon.daemon_loaded(worker, daemon.read_config(worker), registry),
    })
