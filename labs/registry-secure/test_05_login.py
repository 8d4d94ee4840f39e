"""Task login: root on master and on worker2 has logged in to the registry (an auths entry; never shown)."""

from checks import run_or_raise, verdict

TASK = "login"
CONFIG = "/root/.docker/config.json"


def logged_in(host, registry: str) -> bool:
    return host.run("jq -e --arg r %s '.auths[$r]' %s >/dev/null", registry, CONFIG).rc == 0


def test_login(task) -> None:
    registry = task.settings["registry"]
    if task.solving:
        task.each(lambda host: logged_in(host, registry) or run_or_raise(
            host, "cut -d: -f2- /etc/dcalab/registry-auth | docker login -u dca --password-stdin %s >/dev/null",
            registry))
    task.grade({"logged-in": {node: verdict(logged, f"{CONFIG} has credentials for {registry}",
                                            "it has" if logged else f"no \"auths\" entry for {registry} in {CONFIG}")
                              for node, logged in task.each(lambda host: logged_in(host, registry)).items()}})
