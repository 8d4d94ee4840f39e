"""Task start-on-boot: docker.service on the registry node enabled (started at boot) and active.

Read with systemctl only: a docker that is stopped is never started by the grade through its socket."""

from checks import run_or_raise, systemd

TASK = "start-on-boot"
UNIT = "docker.service"


def test_start_on_boot(task) -> None:
    registry = task.host("registry")
    if task.solving:
        state = systemd.unit_state(registry, UNIT)
        if not (systemd.enabled(state, UNIT).passed and systemd.active(state, UNIT).passed):
            run_or_raise(registry, "systemctl enable --now %s", UNIT)
    state = systemd.unit_state(registry, UNIT)
    task.grade({"enabled": systemd.enabled(state, UNIT), "running": systemd.active(state, UNIT)})
