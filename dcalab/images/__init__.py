"""Every image the lab needs, made offline and cached: bases, registry:2, the node, the stand-ins, nginx, gcc."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import docker

from dcalab.images.bases import BUSYBOX_TAG, DEBIAN_SUITE, DEBIAN_TAG, debian_tag, ensure_busybox, ensure_debian
from dcalab.images.build import HERE, build, render
from dcalab.settings import node_suite

REGISTRY_TAG = "dcalab/registry:2"
NODE_PACKAGES = (
    "docker.io iptables iproute2 procps curl ca-certificates systemd systemd-sysv dbus "
    "jq tree less vim-tiny sudo iputils-ping netcat-openbsd openssh-server apache2-utils openssl"
).split()
# trixie moved the docker client out of docker.io into docker-cli (only recommended); bookworm has no such package.
NODE_SUITE_PACKAGES = {"bookworm": [], "trixie": ["docker-cli"]}


@dataclass(frozen=True)
class HubImage:
    """An image the lab hub serves as library/<name>:<tag>, made locally as `local`."""

    name: str
    tags: tuple[str, ...]
    local: str


# Real programs from Debian bookworm, served under the upstream tag of the version Debian ships.
NGINX = HubImage("nginx", ("1.22",), "dcalab/nginx:1.22")  # nginx-light 1.22.1: it proxies, unlike the stand-in
GCC = HubImage("gcc", ("12",), "dcalab/gcc:12")  # gcc 12.2, a build stage for multi-stage builds


def standins() -> list[dict]:
    return json.loads((HERE / "standins.json").read_text())["standins"]


def ensure_registry_image(client: docker.DockerClient) -> None:
    ensure_busybox(client)  # and the Debian base it is built on, which the registry's first stage is too
    files = {name: (HERE / f"registry-{name}").read_bytes() for name in ("config.yml", "entrypoint.sh")}
    dockerfile = render("registry.Dockerfile", debian=DEBIAN_TAG, base=BUSYBOX_TAG,
                        packages=["docker-registry", "ca-certificates"])
    build(client, REGISTRY_TAG, dockerfile, files)


def node_tag() -> str:
    """The node image of the chosen Debian release (DCALAB_NODE_SUITE); each its own tag, so both can exist.
    bookworm's keeps the tag it always had, which the Vagrantfile names."""
    suite = node_suite()
    return "dcalab/node:latest" if suite == DEBIAN_SUITE else f"dcalab/node:{suite}"


def node_base_tag(suite: str) -> str:
    return f"dcalab/node-base:{suite}"


def ensure_node_image(client: docker.DockerClient, lab_ca: Path, ssh_public_key: Path) -> None:
    """The node system (packages: the network or a bundle), then this machine's lab on it (files only)."""
    suite = node_suite()
    ensure_debian(client, suite)
    packages = [*NODE_PACKAGES, *NODE_SUITE_PACKAGES[suite]]
    build(client, node_base_tag(suite), render("node-base.Dockerfile", base=debian_tag(suite), packages=packages))
    files = {"lab-ca.crt": lab_ca.read_bytes(), "lab-ssh.pub": ssh_public_key.read_bytes()}
    build(client, node_tag(), render("node.Dockerfile", base=node_base_tag(suite)), files)


def _ensure_on_debian(client: docker.DockerClient, image: HubImage, packages: list[str]) -> None:
    ensure_debian(client)
    template = f"{image.name}.Dockerfile"
    build(client, image.local, render(template, base=DEBIAN_TAG, name=image.name, tags=image.tags, packages=packages))


def ensure_nginx_image(client: docker.DockerClient) -> None:
    _ensure_on_debian(client, NGINX, ["nginx-light"])


def ensure_gcc_image(client: docker.DockerClient) -> None:
    _ensure_on_debian(client, GCC, ["gcc", "libc6-dev"])


def standin_tag(standin: dict) -> str:
    return f"dcalab/standin-{standin['name']}:{standin['tags'][0]}"


def ensure_hub_images(client: docker.DockerClient) -> list[HubImage]:
    """Build the stand-ins, registry:2, busybox, nginx and gcc; return what the hub must serve."""
    ensure_busybox(client)
    ensure_registry_image(client)
    ensure_nginx_image(client)
    ensure_gcc_image(client)
    served = [HubImage("registry", ("2",), REGISTRY_TAG), HubImage("busybox", ("latest",), BUSYBOX_TAG), NGINX, GCC]
    for standin in standins():
        build(client, standin_tag(standin), render("standin.Dockerfile", base=BUSYBOX_TAG, **standin))
        served.append(HubImage(standin["name"], tuple(standin["tags"]), standin_tag(standin)))
    return served


def bundled_tags() -> list[str]:
    """Every image a cluster of the chosen node release needs, as an image bundle carries them: the bases, the
    hub's content and the node system (the node image itself is remade from it with the loading machine's lab)."""
    suite = node_suite()
    bases = dict.fromkeys([BUSYBOX_TAG, DEBIAN_TAG, debian_tag(suite), node_base_tag(suite)])
    return [*bases, REGISTRY_TAG, NGINX.local, GCC.local, *dict.fromkeys(map(standin_tag, standins()))]
