"""Task rolling-update: shop has an update policy, was updated to nginx:1.25 and rolled back to nginx:1.24."""

from checks import run_or_raise, services

TASK = "rolling-update"
OLD, NEW = "nginx:1.24", "nginx:1.25"
CREATE = (f"docker service create -q --name shop --replicas 2 --update-parallelism 1 --update-delay 5s "
          f"--update-failure-action rollback {OLD}")


def test_rolling_update(task) -> None:
    manager = task.host("master")
    if task.solving:
        services.ensure(manager, "shop", CREATE, "docker service update -q --update-parallelism 1 --update-delay 5s "
                        "--update-failure-action rollback shop",
                        lambda shop: services.update_policy(shop, 1, "rollback").passed)
        if not services.rolled_back(services.services(manager)["shop"], OLD, NEW).passed:
            run_or_raise(manager, f"docker service update -q --image {NEW} shop && docker service rollback -q shop")
    shop, tasks = services.when_settled(task, manager, "shop")
    task.grade({
        "update-policy": services.update_policy(shop, 1, "rollback"),
        "rolled-back": services.rolled_back(shop, OLD, NEW),
        "tasks-on-old-image": services.runs_image(shop, tasks, OLD),
    })
