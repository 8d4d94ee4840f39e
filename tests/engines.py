"""A second Docker engine beside the lab's, for the image tests and bench/images.py: empty, on a bridge of its own,
stopped by its PID; and a registry mirror on this machine's loopback that serves library/debian as Docker Hub would."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docker

from dcalab.images import REGISTRY_TAG
from dcalab.images.bases import DEBIAN_TAG


@contextlib.contextmanager
def second_engine(folder: Path, *options: str) -> Iterator[docker.DockerClient]:
    """A Docker engine of its own beside the lab's, with no image, stopped by its PID. Its default bridge is one of its
    own (a dockerd told --bridge=none deletes the host's docker0, the lab engine's), without NAT; its builds use the
    host's network."""
    run = Path(f"/run/dcalab-test-engine-{folder.name}")
    socket = f"unix://{run}.sock"
    bridge = f"dcalab-e{os.getpid() % 100000}"
    subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", "192.0.2.1/24", "dev", bridge], check=True)  # TEST-NET-1: routes nowhere
    command = ["/usr/sbin/dockerd", "--data-root", str(folder), "--exec-root", str(run), "--pidfile", f"{run}.pid",
               "-H", socket, "--bridge", bridge, "--iptables=false", "--ip-masq=false", *options]
    with open(folder / "dockerd.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = docker.DockerClient(base_url=socket, timeout=600)  # asks the engine's API version
                break
            except docker.errors.DockerException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        assert client.images.list() == []
        yield client
    finally:
        process.terminate()
        process.wait(60)
        for mounted in sorted(line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
                              if line.split()[1].startswith((f"{run}/", f"{folder}/"))):
            subprocess.run(["umount", "-l", mounted], check=False)  # dockerd leaves its netns mounted
        subprocess.run(["ip", "link", "delete", bridge], check=False)
        subprocess.run(["rm", "-rf", str(run), f"{run}.sock", str(folder)], check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def debian_mirror(lab_engine: docker.DockerClient) -> Iterator[str]:
    """A registry:2 of the lab's engine on a free loopback port serving library/debian:bookworm (the lab engine's
    base); yields its URL for --registry-mirror."""
    port = free_port()
    mirror = lab_engine.containers.run(REGISTRY_TAG, name=f"dcalab-test-mirror-{os.getpid()}", detach=True,
                                       network_mode="host", environment={"REGISTRY_HTTP_ADDR": f"127.0.0.1:{port}"})
    served = f"127.0.0.1:{port}/library/debian:bookworm"
    try:
        lab_engine.images.get(DEBIAN_TAG).tag(served)
        deadline = time.monotonic() + 30
        while "error" in str(pushed := lab_engine.images.push(served)) and time.monotonic() < deadline:
            time.sleep(0.5)  # the registry listens a moment after its start
        assert '"error"' not in pushed, pushed
        yield f"http://127.0.0.1:{port}"
    finally:
        lab_engine.images.remove(served)
        mirror.remove(force=True, v=True)
