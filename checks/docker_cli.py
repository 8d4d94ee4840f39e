"""Running docker commands on a node, where a daemon that does not answer is an EnvironmentFault."""

from __future__ import annotations

import json

from dcalab.errors import EnvironmentFault, NodeRefused

DAEMON_DOWN = ("Cannot connect to the Docker daemon", "Is the docker daemon running")
SOCKET_DENIED = "permission denied while trying to connect to the Docker daemon socket"
# The Engine API of Docker 20.10, which later engines still serve, through the node's socket.
API = "http://docker/v1.41"
# When systemd gave up on docker, dockerd's last complaint about its configuration (the learner's doing).
REFUSAL = ("[ \"$(systemctl show docker.service -p ActiveState --value)\" = failed ] && "
           "journalctl -u docker.service -n 40 --no-pager -o cat | "
           "grep -E 'unable to configure the Docker daemon|failed to start daemon' | tail -n 1")


def node_of(host) -> str:
    """The lab node a testinfra host stands for (set by the cluster backend)."""
    return getattr(host.backend, "node", host.backend.hostname)


def docker_output(host, command: str, *args: str) -> str | None:
    """The stdout of a docker command, or None when docker answered with an error.

    A daemon that does not answer, or a socket the grading user may not use, is an EnvironmentFault:
    the harness could not look, which is never the learner's mistake; a daemon that systemd gave up on
    because dockerd refused its configuration is NodeRefused: the learner's state, graded as a FAIL."""
    result = host.run(command, *args)
    # docker 26's client (Debian trixie) exits 0 from `docker info` that reached no daemon: its stderr tells
    if result.rc != 0 or SOCKET_DENIED in result.stderr or any(sign in result.stderr for sign in DAEMON_DOWN):
        node = node_of(host)
        # `docker info --format` with no daemon prints a template error, not the reason: ask docker version
        error = result.stderr + host.run("docker version --format '{{.Server.Version}}'").stderr
        if any(sign in error for sign in DAEMON_DOWN):
            refusal = host.run(REFUSAL).stdout.strip()
            if refusal:
                raise NodeRefused(f"Docker on {node} refuses to start: {refusal[:300]}",
                                  f"Correct /etc/docker/daemon.json on {node} (`journalctl -u docker` shows the "
                                  "complaint), then: systemctl reset-failed docker; systemctl restart docker")
            raise EnvironmentFault(f"Docker is not running on {node}.", f"Start it: dcalab shell {node}, then: "
                                   "systemctl reset-failed docker; systemctl start docker")
        if SOCKET_DENIED in error:
            raise EnvironmentFault(f"The grading user may not use docker on {node} (permission denied on "
                                   "/var/run/docker.sock).",
                                   "Grade as root (sudo), or add the user to the docker group: "
                                   "sudo usermod -aG docker USER, then log in again.")
        return None
    return result.stdout


def raise_unless_answering(host) -> None:
    """After a command that failed: the EnvironmentFault (or NodeRefused) saying why, when docker on the node
    cannot answer at all; nothing when it can (the failure was the command's own)."""
    docker_output(host, "docker version --format '{{.Server.Version}}'")


def docker_json(host, command: str, *args: str):
    output = docker_output(host, command, *args)
    return None if output is None else json.loads(output)


def inspect(host, *names: str) -> list[dict]:
    """`docker inspect` of containers or images; [] when none exists."""
    if not names:
        return []
    return docker_json(host, "docker inspect " + " ".join(["%s"] * len(names)), *names) or []


def api_json(host, path: str):
    """GET `path` from the Docker Engine API with curl on the node's socket: the JSON it answers, or None for an
    answer that is not 200 (a container or image that does not exist). curl is one small process where the
    docker client is a Go program of about 25 ms of CPU: what a live grade, repeated every second, costs.
    When curl cannot reach the daemon, the docker client is asked why, as docker_output does (down, refusing
    its configuration, or denying the user)."""
    result = host.run("curl -sS --unix-socket /var/run/docker.sock -w '\\n%%{http_code}' %s", API + path)
    if result.rc != 0:
        raise_unless_answering(host)
        node = node_of(host)
        raise EnvironmentFault(f"curl on {node} could not ask docker ({result.stderr.strip()[:200]}).",
                               f"Check that curl is installed on {node}: apt-get install curl")
    body, _, status = result.stdout.rpartition("\n")
    return json.loads(body) if status == "200" else None
