"""Image bundles (dcalab images save/load) and images made elsewhere: fakes for the rules, and on the real engine a
bundle saved from the cluster's engine loaded into a second, empty engine that then makes the node image with no
network."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.errors import ImageNotFound

from dcalab import images
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.errors import DcalabError
from dcalab.images import bases, bundle
from dcalab.images.build import OWNER_LABEL, made_elsewhere


class FakeImages:
    def __init__(self, labels: dict[str, dict[str, str]]) -> None:
        self.labels = labels

    def get(self, tag: str) -> object:
        if tag not in self.labels:
            raise ImageNotFound(tag)
        return type("Image", (), {"labels": self.labels[tag], "id": f"sha256:{tag}"})()


class FakeClient:
    def __init__(self, labels: dict[str, dict[str, str]]) -> None:
        self.images = FakeImages(labels)


DCALAB_MADE = {OWNER_LABEL: "dcalab"}


def test_an_image_whose_host_files_are_missing_is_used_as_the_engine_has_it(tmp_path: Path) -> None:
    there, gone = tmp_path / "there", tmp_path / "gone"
    there.touch()
    client = FakeClient({"dcalab/busybox:latest": DCALAB_MADE, "other/busybox:latest": {}})
    assert made_elsewhere(client, "dcalab/busybox:latest", [there, gone])
    assert not made_elsewhere(client, "dcalab/busybox:latest", [there])  # made here: its inputs decide
    assert not made_elsewhere(client, "other/busybox:latest", [gone])  # not dcalab's
    assert not made_elsewhere(client, "dcalab/registry:2", [gone])  # nothing to use: made (or the packages named)


def test_busybox_from_a_bundle_needs_no_debian_package(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bases, "BUSYBOX", tmp_path / "busybox")  # a host without busybox-static

    def no_apt(binaries: dict[str, str]) -> None:
        raise AssertionError(f"asked for packages {binaries}")

    monkeypatch.setattr(bases, "ensure_packages", no_apt)
    bases.ensure_busybox(FakeClient({bases.BUSYBOX_TAG: DCALAB_MADE}))
    with pytest.raises(AssertionError, match="busybox-static"):
        bases.ensure_busybox(FakeClient({}))


def test_the_bundle_holds_the_bases_the_hub_content_and_the_node_system_not_the_machine_lab(monkeypatch) -> None:
    monkeypatch.delenv("DCALAB_NODE_SUITE", raising=False)
    tags = images.bundled_tags()
    assert {"dcalab/debian:bookworm", "dcalab/busybox:latest", "dcalab/node-base:bookworm", "dcalab/registry:2",
            "dcalab/nginx:1.22", "dcalab/gcc:12", "dcalab/standin-alpine:latest"} <= set(tags)
    assert images.node_tag() not in tags and len(tags) == len(set(tags))
    monkeypatch.setenv("DCALAB_NODE_SUITE", "trixie")
    assert {"dcalab/debian:trixie", "dcalab/node-base:trixie", "dcalab/debian:bookworm"} <= set(images.bundled_tags())


def test_save_never_writes_over_a_file_and_names_the_images_it_lacks(tmp_path: Path) -> None:
    kept = tmp_path / "notes.tar"
    kept.write_text("the learner's")
    with pytest.raises(DcalabError, match="already exists") as raised:
        bundle.save_bundle(FakeClient({}), kept)
    assert kept.read_text() == "the learner's" and f"rm {kept}" in raised.value.fix
    with pytest.raises(DcalabError, match="no dcalab/busybox:latest") as raised:
        bundle.save_bundle(FakeClient({}), tmp_path / "new.tar")
    assert "dcalab cluster up" in raised.value.fix and not (tmp_path / "new.tar").exists()


def test_load_of_no_file_says_which_file_to_give(tmp_path: Path) -> None:
    with pytest.raises(DcalabError, match="no image bundle at") as raised:
        bundle.load_bundle(FakeClient({}), tmp_path / "missing.tar")
    assert "dcalab images save FILE" in raised.value.fix


@pytest.fixture
def empty_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[docker.DockerClient]:
    """A second Docker engine with no image and no bridge (its builds have no network), stopped by its PID."""
    if os.geteuid() != 0:
        pytest.skip("a second engine needs root")
    data = tmp_path_factory.mktemp("empty-engine")
    run = Path(f"/run/dcalab-test-engine-{os.getpid()}")
    socket = f"unix://{run}.sock"
    command = ["/usr/sbin/dockerd", "--data-root", str(data), "--exec-root", str(run), "--pidfile", f"{run}.pid",
               "-H", socket, "--bridge=none", "--iptables=false", "--ip-masq=false"]
    with open(data / "dockerd.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = docker.DockerClient(base_url=socket, timeout=300)  # asks the engine's API version
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
        subprocess.run(["rm", "-rf", str(run), str(data)], check=False)


def test_a_bundle_loaded_into_an_empty_engine_makes_every_image_there_without_a_network(
        embedded: EmbeddedCluster, empty_engine: docker.DockerClient, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DCALAB_NODE_SUITE", raising=False)
    saved = tmp_path / "images.tar"
    tags = bundle.save_bundle(embedded.client, saved)
    broken = tmp_path / "broken.tar"
    broken.write_bytes(saved.read_bytes()[: 1 << 20])
    with pytest.raises(DcalabError, match="not an image bundle the engine could load"):
        bundle.load_bundle(empty_engine, broken)

    loaded = bundle.load_bundle(empty_engine, saved)
    assert sorted(loaded) == sorted(tags)
    assert {tag: empty_engine.images.get(tag).id for tag in tags} == {tag: embedded.client.images.get(tag).id
                                                                     for tag in tags}
    built: list[str] = []
    build = images.build

    def recorded(client: docker.DockerClient, tag: str, *rest: object) -> bool:
        made = build(client, tag, *rest)
        built.extend([tag] if made else [])
        return made

    monkeypatch.setattr(images, "build", recorded)
    images.ensure_hub_images(empty_engine)
    assert built == []  # every hub image current as loaded: nothing made again
    ca, key = tmp_path / "ca.crt", tmp_path / "key.pub"
    ca.write_text("another machine's lab CA\n")
    key.write_text("ssh-ed25519 AAAA another-machine\n")
    images.ensure_node_image(empty_engine, ca, key)  # this engine's builds have no network: files only
    assert built == [images.node_tag()]
    assert empty_engine.images.get(images.node_tag()).labels[OWNER_LABEL] == "dcalab"
