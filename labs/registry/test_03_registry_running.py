"""Task registry-running: a registry:2 container on the registry node, port 5000, data in a volume."""

from checks import Verdict, containers, registry_api

TASK = "registry-running"
STARTING_SECONDS = 10  # a registry started just now listens a moment later (docker start returns before that)


def test_registry_running(task) -> None:
    host, image = task.host("registry"), task.settings["registry_image"]
    local = "http://localhost:5000/v2/"

    def answers() -> Verdict:
        return registry_api.answers(registry_api.get(host, local), local)

    if task.solving:
        containers.ensure_running(host, image, f"docker container run -d -p 5000:5000 --restart=always "
                                               f"--name registry {image}")
        task.until(answers, STARTING_SECONDS)
    found = containers.find_running(host, image)
    task.note(f"restart policy: {containers.restart_policy(found)}")
    task.grade({
        "running": containers.running(found, image),
        "port-5000": containers.publishes(found, 5000),
        "data-in-volume": containers.data_in_volume(found, "/var/lib/registry"),
        "answers": answers(),
    })
