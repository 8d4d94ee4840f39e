"""A registry's data on disk, in the volume of its container.

>>> layout = registry_layout(host("registry"), "/var/lib/docker/volumes/<id>/_data", "alpine", "latest")
"""

from __future__ import annotations

from checks import Verdict, verdict

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
