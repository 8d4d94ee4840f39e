"""Containers on a node: which image runs, what it publishes, where its data lives.

>>> found = find_running(host("registry"), "registry:2"); publishes(found, 5000).passed
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from checks import Verdict, run_or_raise, verdict
from checks.docker_cli import api_json

SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*$", re.IGNORECASE)


def _image_matches(configured: str, image: str) -> bool:
    """registry:2 also matches registry:2@sha256:... (swarm tasks) and docker.io/library/registry:2."""
    name = configured.split("@")[0]
    return name in (image, f"docker.io/library/{image}", f"library/{image}")


def containers_of(host, image: str) -> list[dict]:
    """`docker inspect` of every container on the node created from `image`, running ones first.

    The list names each container's image as it was given (Config.Image) or, once that name points to another
    image, by the image's ID: only those two kinds can match, and only they are inspected, one API call each
    (a lab's node holds a few containers; a curl costs a third of a `docker inspect`)."""
    candidates = [found["Id"] for found in api_json(host, "/containers/json?all=1") or []
                  if _image_matches(found["Image"], image) or found["Image"] == found["ImageID"]]
    inspected = [api_json(host, f"/containers/{container_id}/json") for container_id in candidates]
    matching = [info for info in inspected if info and _image_matches(info["Config"]["Image"], image)]
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


def port_bindings(info: dict) -> dict[str, list[int]]:
    """Each published container port ("5000/tcp") with its host ports; a stopped container keeps its wanted
    bindings in HostConfig only."""
    live = {key: value for key, value in (info["NetworkSettings"].get("Ports") or {}).items() if value}
    wanted = {key: value for key, value in (info["HostConfig"].get("PortBindings") or {}).items() if value}
    return {key: sorted({int(b["HostPort"]) for b in bindings if b.get("HostPort")})
            for key, bindings in (live or wanted).items()}


def publishes(info: dict | None, host_port: int) -> Verdict:
    """Some container port is published on `host_port` (whichever port the program listens on inside:
    whether it answers there is a check of its own)."""
    expected = f"a port published on host port {host_port}"
    if info is None:
        return verdict(False, expected, "no container")
    bindings = port_bindings(info)
    found = ("publishes " + ", ".join(f"{key} on host port {', '.join(map(str, ports))}"
                                      for key, ports in bindings.items())) if bindings else "no port published"
    return verdict(any(host_port in ports for ports in bindings.values()), expected, found)


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


def named(host, name: str) -> dict | None:
    """`docker inspect` of the container of that name, or None. The API also takes an ID or the start of one
    for a name: only a container called exactly that counts."""
    info = api_json(host, f"/containers/{quote(name, safe='')}/json")
    return info if info and info["Name"] == f"/{name}" else None


def absent(name: str, expected: str) -> Verdict:
    return verdict(False, expected, f"there is no container {name} (docker ps -a)")


def healthy(info: dict | None, name: str) -> Verdict:
    expected = f"{name} running and healthy"
    if info is None:
        return absent(name, expected)
    health = info["State"].get("Health") or {}
    status = health.get("Status", "without a health check")
    last = (health.get("Log") or [{}])[-1].get("Output", "").strip()
    return verdict(info["State"]["Running"] and status == "healthy", expected,
                   f"{name} is {info['State']['Status']}, {status}" + (f"; last check said: {last[-200:]}"
                                                                       if last and status != "healthy" else ""))


def health_settled(info: dict | None) -> Verdict:
    """PASS unless the health checks are still starting (worth waiting for)."""
    status = ((info or {}).get("State", {}).get("Health") or {}).get("Status")
    return verdict(status != "starting", "health settled", f"health {status}")


def size_in_bytes(text: str) -> int | None:
    """A docker size (`64m`, `256M`, `1g`, `67108864`) in bytes: binary units, as docker reads them."""
    match = SIZE.match(text)
    return int(float(match[1]) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[match[2].lower()]) if match else None


def mounts_of(info: dict | None) -> dict[str, dict]:
    """Each mount by its destination: type, source, name, read-only, and a tmpfs's size in bytes."""
    if info is None:
        return {}
    found = {mount["Destination"]: {"type": mount["Type"], "source": mount.get("Source", ""),
                                    "name": mount.get("Name", ""), "read_only": not mount.get("RW", True)}
             for mount in info.get("Mounts") or []}
    for destination, options in (info["HostConfig"].get("Tmpfs") or {}).items():  # --tmpfs PATH:OPTIONS
        size = next((size_in_bytes(option[5:]) for option in options.split(",") if option.startswith("size=")), None)
        found[destination] = {"type": "tmpfs", "source": "", "name": "", "read_only": "ro" in options.split(","),
                              "size": size}
    for mount in info["HostConfig"].get("Mounts") or []:  # --mount type=tmpfs,tmpfs-size=...
        if mount.get("Type") == "tmpfs":
            found[mount["Target"]] = {"type": "tmpfs", "source": "", "name": "", "read_only": False,
                                      "size": (mount.get("TmpfsOptions") or {}).get("SizeBytes")}
    return found


def describe_mount(destination: str, mount: dict | None) -> str:
    if mount is None:
        return f"nothing mounted at {destination}"
    what = {"volume": f"the volume {mount['name']}", "bind": f"the host folder {mount['source']}"}.get(
        mount["type"], mount["type"] + (f" of {mount['size']} bytes" if mount.get("size") else " without a size"))
    return f"{what} at {destination}" + (", read-only" if mount["read_only"] else ", writable")


def ensure(host, name: str, run: str, right: Callable[[dict], bool] = lambda _: True) -> None:
    """Solve mode: the container of that name, made with `run`; one that is not `right` is made anew (docker rm
    -f first), a stopped one is started."""
    found = named(host, name)
    if found is not None and not right(found):
        run_or_raise(host, "docker rm -f %s", name)
        found = None
    if found is None:
        run_or_raise(host, run)
    elif not found["State"]["Running"]:
        run_or_raise(host, "docker start %s", name)
