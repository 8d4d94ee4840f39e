"""Task stack: the compose file deployed as the stack blog, with its overlay network, named volume, dnsrr
endpoint and host-mode port, changed to two replicas and deployed again (the file and the service agree)."""

from checks import retried, run_or_raise, services, verdict

TASK = "stack"
COMPOSE = "/root/blog/docker-compose.yml"
SOLVED = """version: "3.8"
services:
  web:
    image: nginx:1.25
    networks: [backend]
    volumes:
      - content:/usr/share/nginx/html/content
    ports:
      - target: 80
        published: 8081
        protocol: tcp
        mode: host
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
networks:
  backend:
    driver: overlay
volumes:
  content:
"""


def _replicas_in_file(manager) -> list[str]:
    """The replicas: values the compose file sets (its one service sets one)."""
    return manager.run("sed -nE 's/^[[:space:]]*replicas:[[:space:]]*([0-9]+).*/\\1/p' %s", COMPOSE).stdout.split()


def test_stack(task) -> None:
    manager = task.host("master")
    if task.solving:
        web = services.services(manager).get("blog_web")
        if not (web and services.endpoint_mode(web, "dnsrr").passed and _replicas_in_file(manager) == ["2"]
                and web["Spec"]["Mode"]["Replicated"]["Replicas"] == 2):
            run_or_raise(manager, f"cat > {COMPOSE} <<'YAML'\n{SOLVED}YAML")
            # asked again for up to 30 s: a manager's docker has been seen (once, on a loaded machine) to refuse
            # the stack's overlay network with "This node is not a swarm manager" while it listed services
            run_or_raise(manager, retried(f"docker stack deploy -c {COMPOSE} blog >/dev/null", 10, pause=3))
    web, tasks = services.when_settled(task, manager, "blog_web")
    in_file = _replicas_in_file(manager)
    running = services.replicas(web, tasks, 2)
    task.grade({
        "deployed-as-blog": services.in_stack(web, "web", "blog"),
        "overlay-network": services.on_overlay(web, "blog_backend", services.networks(manager)),
        "named-volume": services.mounts_volume(web, "blog_content", "/usr/share/nginx/html/content"),
        "dnsrr": services.endpoint_mode(web, "dnsrr"),
        "host-port-8081": services.host_published(web, 8081, 80),
        "two-replicas": verdict(running.passed and in_file == ["2"], "2 replicas running, and replicas: 2 in the file",
                                f"{running.found}; the file says replicas: {', '.join(in_file) or 'nothing'}"),
    })
