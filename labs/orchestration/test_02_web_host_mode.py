"""Task web-host-mode: web runs 3 replicas of nginx, each publishing 8080 in host mode on its node."""

from checks import services, swarm, verdict

TASK = "web-host-mode"
CREATE = "docker service create -q --name web --replicas 3 --publish mode=host,published=8080,target=80 nginx:1.25"
# --publish-rm takes the port as it was published (8080:80 for an ingress port, in one update with the add)
PUBLISH = "docker service update -q --publish-rm 8080:80 --publish-add mode=host,published=8080,target=80 web"


def test_web_host_mode(task) -> None:
    manager = task.host("master")
    if task.solving:
        services.ensure(manager, "web", CREATE, PUBLISH, lambda web: services.host_published(web, 8080, 80).passed)
        services.ensure(manager, "web", CREATE, "docker service update -q --replicas 3 web",
                        lambda web: web["Spec"]["Mode"].get("Replicated", {}).get("Replicas") == 3)
    web, tasks = services.when_settled(task, manager, "web")
    nodes = swarm.hostnames(swarm.nodes(manager))
    answered = {nodes[entry["NodeID"]]: manager.run("curl -s -m 3 -o /dev/null -w '%%{http_code}' http://%s:8080/",
                                                    nodes[entry["NodeID"]]).stdout
                for entry in services.running(tasks)}
    task.grade({
        "three-replicas": services.replicas(web, tasks, 3),
        "host-mode-8080": services.host_published(web, 8080, 80),
        "answers": verdict(bool(answered) and set(answered.values()) == {"200"},
                           "HTTP 200 on port 8080 of every node that runs a task of web",
                           ", ".join(f"{node}: {code or 'no answer'}" for node, code in sorted(answered.items()))
                           or "no running task"),
    })
