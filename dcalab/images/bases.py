"""Base images made without any registry: busybox from Debian's busybox-static, Debian by debootstrap."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import docker

from dcalab.engine import ensure_packages
from dcalab.errors import DcalabError, as_root
from dcalab.images.build import INPUTS_LABEL, OWNER_LABEL, inputs_digest, is_current, made_elsewhere
from dcalab.progress import step
from dcalab.settings import state_dir

BUSYBOX = Path("/bin/busybox")
DEBOOTSTRAP = Path("/usr/sbin/debootstrap")
BUSYBOX_TAG = "dcalab/busybox:latest"
PASSWD = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
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


def _busybox_rootfs(busybox: bytes, applets: list[str]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:

        def add(name: str, kind: bytes = tarfile.DIRTYPE, mode: int = 0o755, data: bytes = b"", link: str = "") -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.size, info.linkname = kind, mode, len(data), link
            tar.addfile(info, io.BytesIO(data) if data else None)

        for directory in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "var", "lib"):
            add(directory)
        add("tmp", mode=0o1777)
        add("bin/busybox", tarfile.REGTYPE, data=busybox)
        for applet in applets:
            if applet.strip("/") != "bin/busybox":
                add(applet.strip("/"), tarfile.SYMTYPE, mode=0o777, link="/bin/busybox")
        add(
            "etc/passwd",
            tarfile.REGTYPE,
            0o644,
            PASSWD,
        )
        add("etc/group", tarfile.REGTYPE, 0o644, b"root:x:0:\nnogroup:x:65534:\n")
    buffer.seek(0)
    return buffer


def ensure_busybox(client: docker.DockerClient) -> None:
    if made_elsewhere(client, BUSYBOX_TAG, [BUSYBOX]):
        return
    ensure_packages({str(BUSYBOX): "busybox-static"})
    busybox = BUSYBOX.read_bytes()
    applets = subprocess.run([str(BUSYBOX), "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    digest = inputs_digest(busybox, applets)
    if not is_current(client, BUSYBOX_TAG, digest):
        with step(f"Making image {BUSYBOX_TAG}"):
            _import(client, BUSYBOX_TAG, _busybox_rootfs(busybox, applets), digest, '["/bin/sh"]')


def ensure_debian(client: docker.DockerClient, suite: str = DEBIAN_SUITE) -> None:
    tag = debian_tag(suite)
    digest = inputs_digest("minbase", suite, debian_mirror())
    if is_current(client, tag, digest):
        return
    if os.geteuid() != 0:
        other_way = ", or keep the default nodes: unset DCALAB_NODE_SUITE" if suite != DEBIAN_SUITE else ""
        raise DcalabError(f"Making the Debian {suite} base image {tag} needs debootstrap, which runs only as root.",
                          f"Make it once as root ({as_root('cluster up')}), then run your command again{other_way}.")
    ensure_packages({str(DEBOOTSTRAP): "debootstrap"})
    with (
        step(f"Making image {tag} with debootstrap (about 30 s)"),
        tempfile.TemporaryDirectory(dir=state_dir()) as work,
    ):
        root = Path(work) / "root"
        done = subprocess.run(
            [str(DEBOOTSTRAP), "--variant=minbase", suite, str(root), debian_mirror()],  # /usr/sbin: not on every PATH
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
