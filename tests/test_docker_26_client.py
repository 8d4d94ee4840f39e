"""The checks on a node whose docker client is 26 (Debian trixie), faked: its `docker info` exits 0 even when it
reached no daemon (measured in a trixie node), where 20.10's exits 1."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from checks.daemon import restart_docker
from checks.docker_cli import docker_json
from dcalab.errors import EnvironmentFault

NO_DAEMON = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
SOCKET_DENIED = ("permission denied while trying to connect to the Docker daemon socket at "
                 'unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.45/info": '
                 "dial unix /var/run/docker.sock: connect: permission denied")


class Docker26Node:
    """A testinfra host whose docker daemon answers from the `answers_after`-th `docker version` on; until then
    `docker info` exits 0 with `reason` on stderr and other docker commands exit 1."""

    backend = SimpleNamespace(node="worker1", hostname="dcalab-worker1")

    def __init__(self, reason: str, answers_after: int = 0) -> None:
        self.reason, self.answers_after, self.version_asked = reason, answers_after, 0

    def run(self, command: str, *args: str) -> SimpleNamespace:
        if command.startswith("docker version"):
            self.version_asked += 1
        if not command.startswith("docker") or 0 < self.answers_after <= self.version_asked:
            return SimpleNamespace(rc=0, stdout="", stderr="", command=command)  # systemd did not give up on docker
        return SimpleNamespace(rc=0 if command.startswith("docker info") else 1, stdout="{}\n", stderr=self.reason)


@pytest.mark.parametrize(("reason", "fault"), [(NO_DAEMON, "Docker is not running on worker1"),
                                               (SOCKET_DENIED, "grading user may not use docker on worker1")])
def test_docker_info_that_reached_no_daemon_is_env_error_not_an_empty_answer(reason: str, fault: str) -> None:
    with pytest.raises(EnvironmentFault, match=fault):
        docker_json(Docker26Node(reason), "docker info --format '{{json .Swarm}}'")


def test_a_restart_waits_for_a_daemon_that_answers(monkeypatch) -> None:
    monkeypatch.setattr("checks.daemon.time.sleep", lambda seconds: None)
    node = Docker26Node(NO_DAEMON, answers_after=3)
    restart_docker(node)
    assert node.version_asked == 3
