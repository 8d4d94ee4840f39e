"""Task secrets-configs: app gets db_password at /run/secrets/db_password (0400) and app_conf at /etc/app/app.conf.

The files are compared by digest inside the running task, so the grade never shows the secret's value."""

import hashlib

from checks import run_or_raise, services, swarm, verdict

TASK = "secrets-configs"
SECRET, SECRET_PATH, SECRET_VALUE = "db_password", "/run/secrets/db_password", "dca-s3cret"
CONFIG, CONFIG_PATH, CONFIG_VALUE = "app_conf", "/etc/app/app.conf", "listen=8000\n"
CREATE = (f"docker service create -q --name app --secret source={SECRET},target={SECRET},mode=0400 "
          f"--config source={CONFIG},target={CONFIG_PATH} busybox sleep 1d")
FIX = (f"docker service update -q --secret-rm {SECRET} --secret-add source={SECRET},target={SECRET},mode=0400 "
       f"--config-rm {CONFIG} --config-add source={CONFIG},target={CONFIG_PATH} app")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_secrets_configs(task) -> None:
    manager = task.host("master")
    if task.solving:
        for kind, name, value in (("secret", SECRET, SECRET_VALUE), ("config", CONFIG, CONFIG_VALUE)):
            if manager.run(f"docker {kind} inspect %s", name).rc != 0:
                run_or_raise(manager, f"printf %s | docker {kind} create %s -", value, name)
        services.ensure(manager, "app", CREATE, FIX, lambda app: (
            services.file_given(app, "secret", SECRET, SECRET_PATH, 0o400).passed
            and services.file_given(app, "config", CONFIG, CONFIG_PATH).passed))
    app, tasks = services.when_settled(task, manager, "app")
    listed = swarm.nodes(manager)
    nodes = swarm.hostnames(listed)
    inside = "no running task of app"
    files_right = False
    for entry in services.last_running(tasks, swarm.ready(listed))[:1]:
        node, container = nodes[entry["NodeID"]].split(".")[0], entry["Status"]["ContainerStatus"]["ContainerID"]
        secret = services.file_in_task(task.host(node), container, SECRET_PATH)
        config = services.file_in_task(task.host(node), container, CONFIG_PATH)
        secret_said = ("missing" if secret is None else
                       "holds the password" if secret[1] == _digest(SECRET_VALUE) else "holds something else")
        config_said = ("missing" if config is None else
                       "holds listen=8000" if config[1] == _digest(CONFIG_VALUE) else "holds something else")
        files_right = secret_said == "holds the password" and config_said == "holds listen=8000"
        inside = f"in the task on {node}: {SECRET_PATH} {secret_said}; {CONFIG_PATH} {config_said}"
    task.grade({
        "secret-mode-0400": services.file_given(app, "secret", SECRET, SECRET_PATH, 0o400),
        "config-path": services.file_given(app, "config", CONFIG, CONFIG_PATH),
        "files-in-task": verdict(files_right, f"{SECRET_PATH} holds the password, {CONFIG_PATH} the config", inside),
    })
