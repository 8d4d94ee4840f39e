"""Task docker-group: alice is in the docker group and runs docker without sudo."""

from checks import run_or_raise, users

TASK = "docker-group"


def test_docker_group(task) -> None:
    worker2 = task.host("worker2")
    if task.solving and "docker" not in (users.groups_of(worker2, "alice") or []):
        run_or_raise(worker2, "usermod -aG docker alice")
    task.grade({
        "in-docker-group": users.in_group(users.groups_of(worker2, "alice"), "alice", "docker"),
        "alice-runs-docker": users.runs_docker(worker2, "alice"),
    })
