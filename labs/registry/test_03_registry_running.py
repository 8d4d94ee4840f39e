"""Task registry-running: a registry:2 container on the registry node, port 5000, data in a volume."""

from checks import containers, registry_api

TASK = "registry-running"


def test_registry_running(task) -> None:
    host, image = task.host("registry"), task.settings["registry_image"]
    if task.solving:
        containers.ensure_running(host, image, f"docker container run -d -p 5000:5000 --restart=always "
                                               f"--name registry {image}")
    found = containers.find_running(host, image)
    task.note(f"restart policy: {containers.restart_policy(found)}")
    local = "http://localhost:5000/v2/"
    task.grade({
        "running": containers.running(found, image),
        "port-5000": containers.publishes(found, 5000),
        "data-in-volume": containers.data_in_volume(found, "/var/lib/registry"),
        "answers": registry_api.answers(registry_api.get(host, local), local),
    })
