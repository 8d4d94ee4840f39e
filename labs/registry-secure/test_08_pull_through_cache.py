"""Task pull-through-cache: worker1's docker uses the registry node's mirror on 5001, and the mirror cached an image
worker1 pulled (library/nginx in its catalog)."""

from checks import containers, daemon, registry_api, run_or_raise

TASK = "pull-through-cache"
RUN = ("docker run -d --restart=always --name mirror -p 5001:5000 "
       "-e REGISTRY_PROXY_REMOTEURL=https://registry-1.docker.io --add-host registry-1.docker.io:{hub_ip} "
       "-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro registry:2")


def test_pull_through_cache(task) -> None:
    registry, worker1, mirror = task.host("registry"), task.host("worker1"), task.settings["mirror"]
    catalog_url = "http://localhost:5001/v2/_catalog"
    if task.solving:
        containers.ensure(registry, "mirror", RUN.format(hub_ip=task.topology.hub_ip))
        if daemon.ensure_settings(worker1, {"registry-mirrors": [mirror]})[0]:
            run_or_raise(worker1, "systemctl reload docker && sleep 1")
        if not registry_api.lists_repository(registry_api.get(registry, catalog_url), "library/nginx").passed:
            run_or_raise(worker1, "docker pull -q nginx:1.24 >/dev/null")
    task.grade({
        "mirror-configured": daemon.uses_mirror(worker1, mirror),
        "pulled-through": registry_api.lists_repository(registry_api.get(registry, catalog_url), "library/nginx"),
    })
