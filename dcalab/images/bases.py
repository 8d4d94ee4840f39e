"""The base images: Debian (pulled, loaded or made by debootstrap) and busybox built on it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import docker
from docker.errors import DockerException, ImageNotFound

from dcalab.engine import ensure_packages
from dcalab.errors import DcalabError, as_root
from dcalab.images.build import INPUTS_LABEL, OWNER_LABEL, build, inputs_digest, is_current, render
from dcalab.progress import step
from dcalab.settings import image_platform, image_source, state_dir

DEBOOTSTRAP = Path("/usr/sbin/debootstrap")
BUSYBOX_TAG = "dcalab/busybox:latest"
DEBIAN_SUITE = "bookworm"  # the hub's Debian images (nginx, gcc) and the nodes unless DCALAB_NODE_SUITE says otherwise


def debian_tag(suite: str) -> str:
    return f"dcalab/debian:{suite}"


DEBIAN_TAG = debian_tag(DEBIAN_SUITE)


def debian_mirror() -> str:
    return os.environ.get("DCALAB_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def _import(client: docker.DockerClient, tag: str, tar_file: io.IOBase, digest: str, cmd: str) -> None:
    repository, image_tag = tag.rsplit(":", 1)
    client.api.import_image(
        src=tar_file,
        repository=repository,
        tag=image_tag,
        changes=[f"CMD {cmd}", f"LABEL {INPUTS_LABEL}={digest} {OWNER_LABEL}=dcalab"],
    )


def ensure_busybox(client: docker.DockerClient) -> None:
    """busybox, from Debian's busybox-static installed inside a build on the Debian base."""
    ensure_debian(client)
    build(client, BUSYBOX_TAG, render("busybox.Dockerfile", base=DEBIAN_TAG, packages=["busybox-static"]))


def _pulled(client: docker.DockerClient, suite: str) -> bool:
    """debian:<suite> pulled through the engine (Docker Hub or the engine's own registry mirror) and tagged as the
    base; False when no registry gives it."""
    try:
        with step(f"Pulling debian:{suite} for the base image"):
            pulled = client.images.pull("debian", tag=suite, platform=image_platform() or None)
            pulled.tag(*debian_tag(suite).split(":"))
        return True
    except DockerException:  # an API error (no registry gives it) or an engine that stopped answering
        return False


def _pull_first(client: docker.DockerClient) -> bool:
    """Pull the base before making it: asked (DCALAB_IMAGES=dockerhub), or the engine has a registry mirror, or
    debootstrap cannot run here (not root, or not Debian)."""
    mirrors = client.info().get("RegistryConfig", {}).get("Mirrors") or []
    return image_source() == "dockerhub" or bool(mirrors) or not _can_debootstrap()


def _can_debootstrap() -> bool:
    return os.geteuid() == 0 and Path("/etc/debian_version").exists()


def _kept(client: docker.DockerClient, tag: str) -> bool:
    """The engine has the base and this machine would not make it again: pulled (no dcalab label), or loaded from
    a bundle where debootstrap cannot run."""
    try:
        labels = client.images.get(tag).labels or {}
    except ImageNotFound:
        return False
    return OWNER_LABEL not in labels or not _can_debootstrap()


def ensure_debian(client: docker.DockerClient, suite: str = DEBIAN_SUITE) -> None:
    """The Debian base, from where it can be had: the engine already has it (made before, loaded from a bundle,
    pulled); pulled through the engine; debootstrap as root on Debian."""
    tag = debian_tag(suite)
    platform = image_platform()
    digest = inputs_digest("minbase", suite, debian_mirror(), *([platform] if platform else []))
    if is_current(client, tag, digest) or _kept(client, tag):
        return
    if _pull_first(client) and _pulled(client, suite):
        return
    if not _can_debootstrap():
        other_way = ", or keep the default nodes: unset DCALAB_NODE_SUITE" if suite != DEBIAN_SUITE else ""
        raise DcalabError(
            f"Making the Debian {suite} base image {tag} needs an image bundle, a registry that serves debian:{suite} "
            "(Docker Hub or the engine's mirror), or debootstrap, which runs only as root on Debian.",
            f"Load a bundle (dcalab images load FILE, written by dcalab images save FILE where the images are), or "
            f"make it once as root ({as_root('cluster up')}), then run your command again{other_way}.")
    ensure_packages({str(DEBOOTSTRAP): "debootstrap"})
    with (
        step(f"Making image {tag} with debootstrap (about 30 s)"),
        tempfile.TemporaryDirectory(dir=state_dir()) as work,
    ):
        root = Path(work) / "root"
        done = subprocess.run(
            [str(DEBOOTSTRAP), "--variant=minbase", *([f"--arch={platform.split('/')[1]}"] if platform else []), suite,
             str(root), debian_mirror()],  # /usr/sbin: not on every PATH; another arch runs under qemu-user
            capture_output=True,
            text=True,
        )
        if done.returncode:
            last = (done.stdout + done.stderr).strip().splitlines()[-3:]
            raise DcalabError(
                f"debootstrap of Debian {suite} from {debian_mirror()} failed: {' / '.join(last)}",
                "Check that the mirror answers (set DCALAB_DEBIAN_MIRROR to another one), then run the command again.",
            )
        for leftovers in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(root / leftovers, ignore_errors=True)
            (root / leftovers / "partial").mkdir(parents=True)
        tar_path = Path(work) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(root), "-cf", str(tar_path), "."], check=True)
        with open(tar_path, "rb") as tar_file:
            _import(client, tag, tar_file, digest, '["/bin/bash"]')
