"""Task with-registry-auth: the service private-web runs the registry's nginx on worker1, which never logged in."""

from checks import registry_api, services, swarm, verdict

TASK = "with-registry-auth"
WORKER1 = "worker1.docker-dca.example"


def test_with_registry_auth(task) -> None:
    master, image = task.host("master"), f"{task.settings['registry']}/nginx"
    create = (f"docker service create -d -q --name private-web --with-registry-auth "
              f"--constraint node.hostname=={WORKER1} {image}")
    if task.solving:
        services.ensure(master, "private-web", create, "docker service update -d -q --with-registry-auth private-web",
                        lambda found: bool(services.running(services.tasks_of(services.task_list(master), found))))
    service, tasks = services.when_settled(task, master, "private-web")
    hostnames = swarm.hostnames(swarm.nodes(master))
    on_worker1 = [entry for entry in services.running(tasks) if hostnames.get(entry["NodeID"]) == WORKER1]
    shown = services.image_of(service) if service else ""
    own_login = registry_api.logged_in(task.host("worker1"), task.settings["registry"])
    error = services.last_error(tasks) or ", and no task error"
    task.grade({
        "private-image": verdict(services.without_tag(shown) == image, f"private-web runs {image}",
                                 f"it runs {shown}" if service else "there is no service private-web"),
        "running-on-worker1": verdict(
            bool(on_worker1) and not own_login, "a task of private-web running on worker1, which never logged in",
            "worker1 logged in itself, which shows nothing of --with-registry-auth (docker logout "
            f"{task.settings['registry']} there)" if own_login else "no service private-web" if service is None
            else "it runs there" if on_worker1 else f"none{error}"),
    })
