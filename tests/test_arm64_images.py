"""Opt-in (DCALAB_TEST_ARM64=1, as root): the images built for linux/arm64 on this x86_64 machine, under Debian's
qemu-user-static registered in binfmt_misc, on a second, empty engine: registry --version and busybox applets run
inside them. What an Apple Silicon learner's engine builds natively, short of the real machine."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dcalab import images
from dcalab.engine import ensure_packages
from dcalab.images import bases
from tests.engines import second_engine

BINFMT = Path("/proc/sys/fs/binfmt_misc")
QEMU_AARCH64 = Path("/usr/lib/binfmt.d/qemu-aarch64.conf")  # Debian's, with the F flag: usable inside containers

pytestmark = pytest.mark.skipif(os.environ.get("DCALAB_TEST_ARM64") != "1" or os.geteuid() != 0,
                                reason="opt-in, as root: DCALAB_TEST_ARM64=1 builds the images for linux/arm64 under "
                                       "qemu-user (about 10 minutes here)")


@contextlib.contextmanager
def qemu_for_arm64() -> Iterator[None]:
    """arm64 programs run through qemu-user: binfmt_misc mounted and qemu-aarch64 registered, each undone after
    where this test did it."""
    ensure_packages({"/usr/bin/qemu-aarch64-static": "qemu-user-static"})
    mounted = not (BINFMT / "register").exists()
    if mounted:
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], check=True)
    registered = not (BINFMT / "qemu-aarch64").exists()
    if registered:
        (BINFMT / "register").write_text(QEMU_AARCH64.read_text().strip())
    try:
        yield
    finally:
        if registered:
            (BINFMT / "qemu-aarch64").write_text("-1")
        if mounted:
            subprocess.run(["umount", str(BINFMT)], check=False)


def test_the_images_built_for_arm64_run_their_programs(tmp_path_factory: pytest.TempPathFactory,
                                                       monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_PLATFORM", "linux/arm64")
    monkeypatch.setenv("DCALAB_IMAGES", "offline")
    monkeypatch.delenv("DCALAB_NODE_SUITE", raising=False)
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path_factory.mktemp("state")))  # debootstrap's work folder
    work = tmp_path_factory.mktemp("arm64")
    ca, key = work / "ca.crt", work / "key.pub"
    ca.write_text("a lab CA\n")
    key.write_text("ssh-ed25519 AAAA arm64\n")
    with qemu_for_arm64(), second_engine(tmp_path_factory.mktemp("arm64-engine")) as engine:
        images.ensure_hub_images(engine)  # the base by debootstrap --arch=arm64, then every build under qemu
        images.ensure_node_image(engine, ca, key)
        # (Docker 20.10 labels what it imports and builds with its own architecture, amd64 here, over the arm64
        # programs the runs below show; on an arm64 engine, where Apple Silicon learners build, the two agree)

        def run(image: str, *command: str) -> str:
            container = engine.containers.run(image, list(command), entrypoint=[], detach=True, network_mode="none")
            try:
                container.wait(timeout=120)
                return container.logs().decode().strip()
            finally:
                container.remove(force=True)

        assert run(images.REGISTRY_TAG, "/bin/registry", "--version").startswith("/bin/registry github.com/docker/")
        assert run(bases.BUSYBOX_TAG, "sh", "-c", "uname -m; echo hi | busybox sha256sum") == (
            "aarch64\n98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4  -")
        assert run(images.node_tag(), "dpkg", "--print-architecture") == "arm64"

