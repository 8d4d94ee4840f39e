"""Task daemon-json: every node's daemon.json lists the registry as insecure, and docker loaded it."""

from checks import daemon

TASK = "daemon-json"


def test_daemon_json(task) -> None:
    registry = task.settings["registry"]
    if task.solving:
        for node, kept in task.each(lambda host: daemon.ensure_insecure_registry(host, registry)).items():
            if kept:
                task.note(f"{node}: {kept}")
    configs = task.each(daemon.read_config)
    task.grade({
        "valid-json": {node: daemon.valid_json(config) for node, config in configs.items()},
        "lists-registry": {node: daemon.lists_insecure_registry(config, registry) for node, config in configs.items()},
        "daemon-loaded": {node: daemon.daemon_loaded(task.host(node), config, registry)
                          for node, config in configs.items()},
    })
