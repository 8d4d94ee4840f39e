"""Images built inside Docker from one Debian base, and image bundles (dcalab images save/load): fakes for where the
base comes from; on real engines a bundle saved from the lab's engine loaded into a second, empty engine that then
makes only the node image, and the whole set built on an engine whose registry mirror serves the Debian base."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.errors import APIError, ImageNotFound

from dcalab import images
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.errors import DcalabError
from dcalab.images import bases, bundle
from dcalab.images.build import OWNER_LABEL, from_images
from dcalab.settings import image_platform
from tests.engines import debian_mirror, second_engine

pytestmark = pytest.mark.engine_wide  # changes what every cluster on the engine shares: run alone (.ci/cluster-session)


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


class FakeEngine(FakeClient):
    """An engine with these images whose registries give `pulled` (nothing when None), with these mirrors."""

    def __init__(self, labels: dict[str, dict[str, str]], pulled: bool = False, mirrors: tuple = ()) -> None:
        super().__init__(labels)
        self.pulls: list[str] = []
        self.mirrors = list(mirrors)

        def pull(name: str, tag: str, platform: str | None = None) -> object:
            self.pulls.append(f"{name}:{tag}")
            if not pulled:
                raise APIError("no route to host")
            return type("Pulled", (), {"tag": lambda _, repository, tag: labels.update({f"{repository}:{tag}": {}})})()

        self.images.pull = pull

    def info(self) -> dict:
        return {"RegistryConfig": {"Mirrors": self.mirrors}}


def never_debootstrap(monkeypatch) -> None:
    monkeypatch.setattr(bases, "ensure_packages", lambda binaries: pytest.fail(f"apt asked for {binaries}"))
    monkeypatch.setattr(bases, "DEBOOTSTRAP", Path("/nonexistent/debootstrap"))


def test_a_dockerfile_is_built_from_its_images_not_its_stages() -> None:
    assert from_images("FROM dcalab/debian:bookworm AS debian\nRUN x\nFROM scratch\nCOPY --from=debian / /\n") == [
        "dcalab/debian:bookworm"]
    assert from_images("FROM a:1 AS build\nFROM build\nFROM b:2\n") == ["a:1", "b:2"]


def test_the_image_platform_is_the_engines_own_unless_another_is_chosen(monkeypatch) -> None:
    monkeypatch.delenv("DCALAB_PLATFORM", raising=False)
    assert image_platform() == ""
    monkeypatch.setenv("DCALAB_PLATFORM", "linux/arm64")
    assert image_platform() == "linux/arm64"
    monkeypatch.setenv("DCALAB_PLATFORM", "arm64")
    with pytest.raises(DcalabError, match="DCALAB_PLATFORM='arm64' is not an image platform") as raised:
        image_platform()
    assert raised.value.fix == "Use one of: linux/amd64, linux/arm64."


def test_a_base_the_engine_has_is_used_where_it_would_not_be_made_again(monkeypatch) -> None:
    never_debootstrap(monkeypatch)
    pulled = FakeEngine({"dcalab/debian:bookworm": {}})  # pulled earlier: no dcalab label
    bases.ensure_debian(pulled, "bookworm")
    monkeypatch.setattr(bases, "_can_debootstrap", lambda: False)  # a user; a bundle's base of another mirror
    loaded = FakeEngine({"dcalab/debian:bookworm": {OWNER_LABEL: "dcalab", "org.dcalab.inputs": "another mirror"}})
    bases.ensure_debian(loaded, "bookworm")
    assert pulled.pulls == loaded.pulls == []


@pytest.mark.parametrize(("source", "mirrors", "root"), [("dockerhub", (), True), ("offline", ("http://m:5000",), True),
                                                        ("offline", (), False)])
def test_the_base_is_pulled_first_when_asked_or_a_mirror_answers_or_debootstrap_cannot_run(
        monkeypatch, source: str, mirrors: tuple, root: bool) -> None:
    never_debootstrap(monkeypatch)
    monkeypatch.setenv("DCALAB_IMAGES", source)
    monkeypatch.setattr(bases, "_can_debootstrap", lambda: root)
    engine = FakeEngine({}, pulled=True, mirrors=mirrors)
    bases.ensure_debian(engine, "trixie")
    assert engine.pulls == ["debian:trixie"] and "dcalab/debian:trixie" in engine.images.labels


def test_root_on_debian_with_no_mirror_makes_the_base_without_trying_a_registry(monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_IMAGES", "offline")
    monkeypatch.setattr(bases, "_can_debootstrap", lambda: True)
    monkeypatch.setattr(bases, "ensure_packages", lambda binaries: (_ for _ in ()).throw(DcalabError("apt")))
    engine = FakeEngine({})
    with pytest.raises(DcalabError, match="apt"):  # debootstrap's package: the offline path, no registry asked
        bases.ensure_debian(engine, "bookworm")
    assert engine.pulls == []


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
    if os.geteuid() != 0:
        pytest.skip("a second engine needs root")
    with second_engine(tmp_path_factory.mktemp("empty-engine")) as client:
        yield client


@pytest.fixture
def engine_with_a_mirror(embedded: EmbeddedCluster,
                         tmp_path_factory: pytest.TempPathFactory) -> Iterator[docker.DockerClient]:
    """An empty engine whose registry mirror (a registry:2 of the lab's engine, on this machine's loopback) serves
    library/debian:bookworm, as Docker Hub or a company's mirror would."""
    if os.geteuid() != 0:
        pytest.skip("a second engine needs root")
    folder = tmp_path_factory.mktemp("mirrored-engine")
    with debian_mirror(embedded.client) as mirror, second_engine(folder, "--registry-mirror", mirror) as client:
        yield client


def test_a_bundle_loaded_into_an_empty_engine_leaves_only_the_node_image_to_make(
        embedded: EmbeddedCluster, empty_engine: docker.DockerClient, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DCALAB_NODE_SUITE", raising=False)
    saved = tmp_path / "images.tar"
    tags = bundle.save_bundle(embedded.client, saved)
    broken = tmp_path / "broken.tar"
    broken.write_bytes(saved.read_bytes()[: 1 << 20])
    with pytest.raises(DcalabError, match="not an image bundle the engine could load"):
        bundle.load_bundle(empty_engine, broken)

    assert Path("/sys/class/net/docker0").exists()  # the lab engine's bridge, which a second engine must not take
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
    images.ensure_node_image(empty_engine, ca, key)  # the machine's lab on the bundle's node system: files only
    assert built == [images.node_tag()]
    assert empty_engine.images.get(images.node_tag()).labels[OWNER_LABEL] == "dcalab"


def test_the_whole_image_set_is_built_from_a_debian_base_a_mirror_serves_with_no_host_package(
        engine_with_a_mirror: docker.DockerClient, tmp_path: Path, monkeypatch) -> None:
    """Issue 28: the Docker Hub path, offline: debootstrap, busybox-static and docker-registry are not used."""
    never_debootstrap(monkeypatch)
    monkeypatch.delenv("DCALAB_NODE_SUITE", raising=False)
    monkeypatch.setenv("DCALAB_IMAGES", "offline")
    ca, key = tmp_path / "ca.crt", tmp_path / "key.pub"
    ca.write_text("a lab CA\n")
    key.write_text("ssh-ed25519 AAAA a-lab\n")
    images.ensure_hub_images(engine_with_a_mirror)
    images.ensure_node_image(engine_with_a_mirror, ca, key)
    engine = engine_with_a_mirror
    assert all(engine.images.get(tag) for tag in [*images.bundled_tags(), images.node_tag()])

    def run(image: str, *command: str) -> str:
        return engine.containers.run(image, list(command), entrypoint=[], remove=True,
                                     network_mode="none").decode().strip()

    assert run(images.REGISTRY_TAG, "/bin/registry", "--version").startswith("/bin/registry github.com/docker/")
    assert run(bases.BUSYBOX_TAG, "sh", "-c", "stat -c %a /tmp; echo hi | busybox sha256sum") == (
        "1777\n98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4  -")
