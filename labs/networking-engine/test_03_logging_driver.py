"""Task logging-driver: master's default logging driver is local with max-size 10m; the new container logged has it."""

from checks import Verdict, containers, daemon, verdict

TASK = "logging-driver"
SETTINGS = {"log-driver": "local", "log-opts": {"max-size": "10m"}}
MAX_SIZE = 10 << 20  # bytes: docker reads 10m, 10M and 10mb alike


def log_config(info: dict | None) -> Verdict:
    expected = "logged uses the local driver with max-size 10m"
    if info is None:
        return containers.absent("logged", expected)
    config = info["HostConfig"]["LogConfig"]
    size = (config.get("Config") or {}).get("max-size", "")
    return verdict(config["Type"] == "local" and containers.size_in_bytes(size) == MAX_SIZE, expected,
                   f"logged uses {config['Type']}" + (f" with max-size {size}" if size else " without max-size"))


def test_logging_driver(task) -> None:
    master = task.host("master")
    if task.solving:
        if daemon.ensure_settings(master, SETTINGS)[0] or daemon.engine_info(master)["LoggingDriver"] != "local":
            daemon.restart_docker(master)
        # restarted by docker: the next task restarts docker on master
        containers.ensure(master, "logged", "docker run -d --restart unless-stopped --name logged busybox sleep 1d",
                          lambda found: log_config(found).passed)
    task.grade({
        "daemon-default": daemon.info_shows(daemon.engine_info(master), "LoggingDriver", "local",
                                            "the logging driver local"),
        "new-container-local": log_config(containers.named(master, "logged")),
    })
