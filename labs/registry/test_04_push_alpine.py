"""Task push-alpine: alpine tagged and pushed; the registry serves the digest the push recorded."""

from checks import images, registry_api

TASK = "push-alpine"


def test_push_alpine(task) -> None:
    host, registry = task.host("registry"), task.settings["registry"]
    if task.solving:
        images.ensure_mirrored(host, "alpine", f"{registry}/alpine")
    master = task.host("master")
    answer = registry_api.manifest(master, registry, "alpine", "latest")
    task.grade(
        {
            "in-registry": registry_api.has_manifest(
                answer, f"{registry}/alpine:latest", registry_api.catalog(master, registry)
            ),
            "is-alpine": images.same_image(
                host, "alpine:latest", registry_api.config_digest(answer), f"{registry}/alpine:latest"
            ),
            "digest-matches": images.records_digest(
                host, task.settings["registry_names"], "alpine", registry_api.manifest_digest(answer)
            ),
        }
    )
