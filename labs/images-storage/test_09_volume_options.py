"""Task volume-options: the local volume shared binds /srv/shared (type=none, o=bind, device)."""

from checks import run_or_raise, volumes

TASK = "volume-options"
CREATE = ("docker volume create --driver local --opt type=none --opt o=bind --opt device=/srv/shared "
          "--label keep=true shared")


def test_volume_options(task) -> None:
    master = task.host("master")
    if task.solving and volumes.volume(master, "shared") is None:
        run_or_raise(master, f"{CREATE} >/dev/null")
    task.grade({"bind-options": volumes.local_bind(volumes.volume(master, "shared"), "shared", "/srv/shared")})
