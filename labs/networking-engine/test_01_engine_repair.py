"""Task engine-repair: docker starts again on worker2, with daemon.json's other settings kept, and rejoins the swarm."""

from checks import daemon, verdict
from dcalab.errors import NodeRefused

TASK = "engine-repair"
REJOIN_SECONDS = 20  # a restarted worker reconnects to its manager within seconds


def docker_state(host) -> tuple[bool, str]:
    """(running, dockerd's complaint when it refuses to start)."""
    try:
        return bool(daemon.engine_info(host)), ""
    except NodeRefused as refusal:
        return False, refusal.message


def swarm_state(host) -> str:
    return (daemon.engine_info(host).get("Swarm") or {}).get("LocalNodeState", "")


def test_engine_repair(task) -> None:
    worker2 = task.host("worker2")
    if task.solving:  # the clash with -H fd:// gone, the file's other setting kept
        daemon.ensure_settings(worker2, {"log-level": "warn"}, drop=("hosts",))
        if not docker_state(worker2)[0]:
            daemon.restart_docker(worker2)
    running, why = docker_state(worker2)
    if running:  # a worker whose docker just came back reconnects to its manager
        task.until(lambda: verdict(swarm_state(worker2) == "active", "", ""), REJOIN_SECONDS)
    state = swarm_state(worker2) if running else ""
    level = (daemon.read_config(worker2).data or {}).get("log-level")
    task.grade({
        "docker-starts": verdict(running, "docker running on worker2", "docker is running" if running else why),
        "log-level-kept": verdict(running and level == "warn", "docker running, daemon.json keeping "
                                  "\"log-level\": \"warn\"", "docker is not running" if not running else
                                  f"daemon.json's \"log-level\" is {level!r}"),
        "back-in-swarm": verdict(state == "active", "worker2 in the swarm (docker info: Swarm: active)",
                                 f"Swarm: {state}" if running else "docker is not running"),
    })
