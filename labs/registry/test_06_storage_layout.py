"""Task storage-layout: the registry volume holds alpine's blobs and a tag link naming the served digest."""

from checks import containers, images, registry_api, volumes

TASK = "storage-layout"


def test_storage_layout(task) -> None:
    host, registry = task.host("registry"), task.settings["registry"]
    mount = containers.mount_at(containers.find_running(host, task.settings["registry_image"]), "/var/lib/registry")
    data_dir = mount["Source"] if mount else "/var/lib/registry (no volume found)"
    task.note(f"the registry's data is in {data_dir}")
    paths = volumes.registry_paths(data_dir, "alpine", "latest")
    served = registry_api.manifest_digest(registry_api.manifest(task.host("master"), registry, "alpine", "latest"))
    pushed = images.recorded_digests(host, task.settings["registry_names"], "alpine")
    task.grade({
        "blobs": volumes.is_directory(host, paths["blobs"]),
        "repository": volumes.is_directory(host, paths["repository"]),
        "tag-link": volumes.link_agrees(volumes.tag_link(host, paths["tag-link"]), paths["tag-link"], {
            "the registry API": served, "the pushed image": served if served in pushed else next(iter(pushed), None),
        }),
    })
