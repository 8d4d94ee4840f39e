"""Task delete-gc: wordpress:latest is gone from the registry, the blobs only it used are gone from its storage
(recorded by the lab's start), and the other images are still served."""

from checks import registry_api, registry_server, run_or_raise, verdict

TASK = "delete-gc"
SETTINGS = {"REGISTRY_HTTP_TLS_CERTIFICATE": "/certs/registry.crt", "REGISTRY_HTTP_TLS_KEY": "/certs/registry.key",
            "REGISTRY_AUTH": "htpasswd", "REGISTRY_AUTH_HTPASSWD_REALM": "dca-lab",
            "REGISTRY_AUTH_HTPASSWD_PATH": "/auth/htpasswd", "REGISTRY_STORAGE_DELETE_ENABLED": "true"}
MOUNTS = ("/root/certs:/certs:ro", "/root/auth:/auth:ro")
DOOMED = "/etc/dcalab/delete-blobs"  # written by the lab's start


def test_delete_gc(task) -> None:
    registry, master = task.host("registry"), task.host("master")
    base = f"https://{task.settings['registry']}/v2"
    user = f"-k {registry_api.as_user(task.settings['auth_file'])}"

    def manifest(name: str) -> registry_api.Response:
        return registry_api.get(master, f"{base}/{name}/manifests/latest", accept=registry_api.MANIFEST_TYPES,
                                options=user)

    if task.solving:
        digest = registry_api.manifest_digest(manifest("wordpress"))
        delete = f"curl -sSf -X DELETE {user} %s >/dev/null"  # the digest is the server's answer: passed quoted
        url = f"{base}/wordpress/manifests/{digest}"
        if digest and master.run(delete, url).rc != 0:  # 405 while deletion is off
            registry_server.ensure(registry, SETTINGS, MOUNTS)
            run_or_raise(master, delete, url)
        server = registry_server.serving(registry, 5000)
        if registry_server.blobs_present(registry, server, DOOMED):
            run_or_raise(registry, "docker exec %s registry garbage-collect /etc/docker/registry/config.yml "
                                   ">/dev/null", server["Id"])
    wordpress, alpine = manifest("wordpress"), manifest("alpine")
    left = registry_server.blobs_present(registry, registry_server.serving(registry, 5000), DOOMED)
    doomed = registry.run("wc -l < %s", DOOMED).stdout.strip()
    task.grade({
        "manifest-gone": verdict(wordpress.status == 404, "wordpress:latest answers 404", wordpress.describe()),
        "blobs-reclaimed": verdict(wordpress.status == 404 and not left, f"the {doomed} blobs only wordpress:latest "
                                   "used gone from the storage", f"{len(left)} of them still there" if left else
                                   "they are gone, but wordpress:latest is still served"),
        "others-kept": verdict(wordpress.status == 404 and alpine.status == 200, "wordpress deleted, alpine:latest "
                               "still served", f"alpine: {alpine.describe()}; wordpress: {wordpress.describe()}"),
    })
