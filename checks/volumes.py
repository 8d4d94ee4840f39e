"""Volumes: their drivers and options, and a registry's data on disk, in the volume of its container.

>>> layout = registry_layout(host("registry"), "/var/lib/docker/volumes/<id>/_data", "alpine", "latest")
"""

from __future__ import annotations

from checks import Verdict, verdict
from checks.docker_cli import docker_json, docker_output

REGISTRY_ROOT = "docker/registry/v2"


def registry_paths(data_dir: str, name: str, tag: str) -> dict[str, str]:
    root = f"{data_dir.rstrip('/')}/{REGISTRY_ROOT}"
    return {
        "blobs": f"{root}/blobs/sha256",
        "repository": f"{root}/repositories/{name}/_layers",
        "tag-link": f"{root}/repositories/{name}/_manifests/tags/{tag}/current/link",
    }


def is_directory(host, path: str) -> Verdict:
    return verdict(host.file(path).is_directory, f"{path} exists", "present" if host.file(path).exists else "missing")


def tag_link(host, path: str) -> str | None:
    link = host.file(path)
    return link.content_string.strip() if link.exists else None


def link_agrees(link: str | None, path: str, digests: dict[str, str | None]) -> Verdict:
    """The tag's current/link names the same digest as every other source (three-way agreement)."""
    found = f"{path} holds {link}" if link else f"{path} is missing"
    disagree = [f"{source} says {digest}" for source, digest in digests.items() if digest != link]
    return verdict(link is not None and not disagree, f"{path} names the digest the registry serves",
                   found + (f"; {'; '.join(disagree)}" if disagree and link else ""))


def volume(host, name: str) -> dict | None:
    """`docker volume inspect` of the volume, or None when there is none of that name."""
    found = docker_json(host, "docker volume inspect %s", name)
    return found[0] if found else None


def names(host) -> set[str]:
    return set((docker_output(host, "docker volume ls -q") or "").split())


def local_bind(found: dict | None, name: str, device: str) -> Verdict:
    """A local-driver volume binding a host folder: options type=none, o=bind, device=<folder>."""
    expected = f"{name}: driver local, type=none, o=bind, device={device}"
    if found is None:
        return verdict(False, expected, f"there is no volume {name}")
    options = found.get("Options") or {}
    shown = ", ".join(f"{key}={value}" for key, value in sorted(options.items())) or "no options"
    return verdict(found["Driver"] == "local" and options.get("type") == "none" and options.get("device") == device
                   and "bind" in options.get("o", "").split(","), expected, f"driver {found['Driver']}, {shown}")
