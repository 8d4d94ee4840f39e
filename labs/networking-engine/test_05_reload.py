"""Task reload: registry's dockerd runs with debug on and the label rack=r1, applied by a reload (SIGHUP), not a
restart: it started before daemon.json last changed."""

from checks import daemon, run_or_raise

TASK = "reload"
SETTINGS = {"debug": True, "labels": ["rack=r1"]}
RELOAD_SECONDS = 5


def test_reload(task) -> None:
    registry = task.host("registry")
    changed = task.solving and daemon.ensure_settings(registry, SETTINGS)[0]
    if task.solving and (changed or not daemon.reloaded_not_restarted(daemon.running_since(registry), True).passed):
        # a restart since the change is repaired by changing the file again; reload returns once SIGHUP is sent
        run_or_raise(registry, "touch %s && systemctl reload docker", daemon.DAEMON_JSON)
        task.until(lambda: daemon.info_shows(daemon.engine_info(registry), "Debug", True, ""), RELOAD_SECONDS)
    info = daemon.engine_info(registry)
    debug = daemon.info_shows(info, "Debug", True, "Debug: true")
    label = daemon.info_shows(info, "Labels", "rack=r1", "the label rack=r1")
    task.grade({
        "debug-on": debug,
        "label-set": label,
        "not-restarted": daemon.reloaded_not_restarted(daemon.running_since(registry), debug.passed and label.passed),
    })
