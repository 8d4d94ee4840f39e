"""Task batch-mirror: nginx, mysql:5.7, wordpress and traefik in the registry with the seed's tags."""

from checks import images, registry_api

TASK = "batch-mirror"


def test_batch_mirror(task) -> None:
    host, registry = task.host("registry"), task.settings["registry"]
    if task.solving:
        for image in task.settings["mirror_images"]:
            images.ensure_mirrored(host, image, f"{registry}/{image}")
    master, results = task.host("master"), {}
    for image in task.settings["mirror_images"]:
        name, _, tag = image.partition(":")
        results[name] = registry_api.has_exact_tags(registry_api.tags(master, registry, name), name, [tag or "latest"])
    task.grade(results)
