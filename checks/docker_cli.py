"""Running docker commands on a node, where a daemon that does not answer is an EnvironmentFault."""

from __future__ import annotations

import json

from checks import EnvironmentFault

DAEMON_DOWN = ("Cannot connect to the Docker daemon", "Is the docker daemon running")


def docker_output(host, command: str, *args: str) -> str | None:
    """The stdout of a docker command, or None when docker answered with an error."""
    result = host.run(command, *args)
    if result.rc != 0:
        if any(sign in result.stderr for sign in DAEMON_DOWN):
            raise EnvironmentFault("Docker is not running on this node.", "Start it there: systemctl start docker")
        return None
    return result.stdout


def docker_json(host, command: str, *args: str):
    output = docker_output(host, command, *args)
    return None if output is None else json.loads(output)


def inspect(host, *names: str) -> list[dict]:
    """`docker inspect` of containers or images; [] when none exists."""
    if not names:
        return []
    return docker_json(host, "docker inspect " + " ".join(["%s"] * len(names)), *names) or []
