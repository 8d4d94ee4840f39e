"""Task login: root on master and on worker2 has logged in to the registry (an auths entry; never shown)."""

from checks import run_or_raise, verdict
from checks.registry_api import DOCKER_CONFIG, logged_in

TASK = "login"


def test_login(task) -> None:
    registry = task.settings["registry"]
    if task.solving:
        task.each(lambda host: logged_in(host, registry) or run_or_raise(
            host, "cut -d: -f2- /etc/dcalab/registry-auth | docker login -u dca --password-stdin %s >/dev/null",
            registry))
    absent = f"no \"auths\" entry for {registry} in {DOCKER_CONFIG}"
    task.grade({"logged-in": {node: verdict(logged, f"{DOCKER_CONFIG} has credentials for {registry}",
                                            "it has" if logged else absent)
                              for node, logged in task.each(lambda host: logged_in(host, registry)).items()}})
