"""Task troubleshoot: the planted service broken runs both replicas, fixed in place (the same service ID)."""

from checks import run_or_raise, services, verdict

TASK = "troubleshoot"
PLANTED_ID = "/etc/dcalab/broken.id"  # written by the lab's start


def test_troubleshoot(task) -> None:
    manager = task.host("master")
    if task.solving and not services.replicas(*services.when_settled(task, manager, "broken"), 2).passed:
        run_or_raise(manager, "docker service update -q --constraint-rm node.labels.tier==frontend broken")
    broken, tasks = services.when_settled(task, manager, "broken")
    planted = manager.run("cat %s", PLANTED_ID).stdout.strip()
    task.grade({
        "replicas-running": services.replicas(broken, tasks, 2),
        "fixed-in-place": verdict(broken is not None and broken["ID"] == planted and services.running(tasks),
                                  "the planted service itself running, fixed in place",
                                  "no service broken" if broken is None else
                                  "a new service named broken (the planted one was removed)" if broken["ID"] != planted
                                  else f"the planted service, with {len(services.running(tasks))} running task(s)"),
    })
