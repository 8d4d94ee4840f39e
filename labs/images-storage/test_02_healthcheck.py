"""Task healthcheck: app:1.0 has a HEALTHCHECK; the container app runs it and reports healthy."""

from checks import containers, images

TASK = "healthcheck"
SETTLE = 30  # seconds: the first checks of a new container (5 s apart) decide its health


def test_healthcheck(task) -> None:
    master = task.host("master")
    if task.solving:  # a stopped app (docker restarted) is started again
        containers.ensure(master, "app", "docker run -d --name app -p 8080:8080 app:1.0")
    task.until(lambda: containers.health_settled(containers.named(master, "app")), SETTLE)
    app = images.image(master, "app:1.0")
    task.grade({
        "has-healthcheck": images.has_healthcheck(app) if app else images.absent("app:1.0", "master"),
        "healthy": containers.healthy(containers.named(master, "app"), "app"),
    })
