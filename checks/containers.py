"""Containers on a node: which image runs, what it publishes, where its data lives.

>>> found = find_running(host("registry"), "registry:2"); publishes(found, 5000, 5000).passed
"""

from __future__ import annotations

from checks import Verdict, run_or_raise, verdict
from checks.docker_cli import docker_output, inspect


def _image_matches(configured: str, image: str) -> bool:
    """registry:2 also matches registry:2@sha256:... (swarm tasks) and docker.io/library/registry:2."""
    name = configured.split("@")[0]
    return name in (image, f"docker.io/library/{image}", f"library/{image}")


def containers_of(host, image: str) -> list[dict]:
    """`docker inspect` of every container on the node created from `image`, running ones first."""
    ids = (docker_output(host, "docker ps -aq --no-trunc") or "").split()
    matching = [info for info in inspect(host, *ids) if _image_matches(info["Config"]["Image"], image)]
    return sorted(matching, key=lambda info: not info["State"]["Running"])


def find_running(host, image: str) -> dict | None:
    found = containers_of(host, image)
    return found[0] if found else None


def running(info: dict | None, image: str) -> Verdict:
    expected = f"a running {image} container"
    if info is None:
        return verdict(False, expected, f"no container from {image}")
    state = info["State"]
    name = info["Name"].lstrip("/")
    found = f"{name} is {state['Status']}" + (f" (exit code {state['ExitCode']})" if not state["Running"] else "")
    return verdict(state["Running"], expected, found)


def published_ports(info: dict, container_port: int) -> list[int]:
    bindings = (info["NetworkSettings"].get("Ports") or {}).get(f"{container_port}/tcp") or []
    if not bindings:  # a stopped container keeps its wanted bindings in HostConfig only
        bindings = (info["HostConfig"].get("PortBindings") or {}).get(f"{container_port}/tcp") or []
    return sorted({int(binding["HostPort"]) for binding in bindings if binding.get("HostPort")})


def publishes(info: dict | None, container_port: int, host_port: int) -> Verdict:
    expected = f"container port {container_port} published on host port {host_port}"
    if info is None:
        return verdict(False, expected, "no container")
    ports = published_ports(info, container_port)
    others = {key: value for key, value in (info["HostConfig"].get("PortBindings") or {}).items() if value}
    if ports:
        found = f"published on host port {', '.join(map(str, ports))}"
    elif others:
        found = "publishes " + ", ".join(f"{key} on {v[0]['HostPort']}" for key, v in others.items())
    else:
        found = "no port published"
    return verdict(host_port in ports, expected, found)


def mount_at(info: dict | None, destination: str) -> dict | None:
    return next((m for m in (info or {}).get("Mounts", []) if m["Destination"] == destination), None)


def data_in_volume(info: dict | None, destination: str) -> Verdict:
    expected = f"{destination} in a volume (or bind mount)"
    if info is None:
        return verdict(False, expected, "no container")
    mount = mount_at(info, destination)
    tmpfs = destination in (info["HostConfig"].get("Tmpfs") or {})
    if mount is None:
        found = f"{destination} is a tmpfs" if tmpfs else f"nothing is mounted on {destination}"
    else:
        found = f"{mount['Type']} {mount.get('Name') or mount['Source']}"
    return verdict(mount is not None and mount["Type"] in ("volume", "bind"), expected, found)


def restart_policy(info: dict | None) -> str:
    return ((info or {}).get("HostConfig", {}).get("RestartPolicy") or {}).get("Name") or "no"


def ensure_running(host, image: str, run_command: str) -> None:
    """Keep a running container of `image`; start a stopped one; else run `run_command`."""
    found = find_running(host, image)
    if found is None:
        run_or_raise(host, run_command)
    elif not found["State"]["Running"]:
        run_or_raise(host, "docker start %s", found["Id"])
