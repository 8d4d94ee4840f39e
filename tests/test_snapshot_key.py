"""The start snapshot's key and age rule (dcalab.snapshots), without an engine: every input of a start's state
changes the key, what the start does not read leaves it, and a snapshot is restored only before half its swarm
certificates' lifetime."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dcalab.backends.snapshot_store import join_request
from dcalab.lab import load_lab
from dcalab.snapshots import (
    DEFAULT_CERT_LIFETIME,
    lab_chain,
    max_age,
    portable,
    restorable,
    start_inputs,
    start_key,
    swarm_managers,
)
from dcalab.topology import topology

ROOT = Path(__file__).parent.parent


def key_of(folder: Path, subnet: str = "", node_image: str = "sha256:node", source: str = "offline seed1") -> str:
    topo = topology() if not subnet else topology().renumbered("dcalab-x-lab", subnet)
    return start_key(start_inputs(load_lab(folder), topo, node_image, source))


@pytest.fixture
def labs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's labs, which find_lab reads (a lab's `after_lab` is found there)."""
    shutil.copytree(ROOT / "labs", tmp_path / "labs", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("DCALAB_LABS", str(tmp_path / "labs"))
    return tmp_path / "labs"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_same_inputs_give_the_same_key_and_each_input_another(labs: Path) -> None:
    registry = labs / "registry"
    key = key_of(registry)
    assert key == key_of(registry)
    others = {key_of(registry, node_image="sha256:other"), key_of(registry, source="online"),
              key_of(registry, source="offline seed2"), key_of(labs / "orchestration")}
    assert key not in others and len(others) == 4


def test_a_portable_start_has_one_key_on_every_lab_network_and_a_swarm_of_managers_one_per_network(
        labs: Path) -> None:
    assert portable(load_lab(labs / "orchestration")) and portable(load_lab(labs / "images-storage"))
    assert key_of(labs / "orchestration", subnet="10.10.11.0/24") == key_of(labs / "orchestration")
    assert not portable(load_lab(labs / "operations"))  # three managers
    assert key_of(labs / "operations", subnet="10.10.11.0/24") != key_of(labs / "operations")
    edit(labs / "images-storage" / "lab.toml", "docker volume create old-cache",
         "echo 10.10.10.130 > /root/peer && docker volume create old-cache")
    assert not portable(load_lab(labs / "images-storage"))  # a file written with the recorded address


def test_a_lab_started_after_another_has_that_lab_s_swarm(labs: Path) -> None:
    assert swarm_managers(load_lab(labs / "registry-secure")) == ("master",)
    assert swarm_managers(load_lab(labs / "images-storage")) == ()


def test_the_raft_join_request_is_a_grpc_frame_of_the_protobuf_message() -> None:
    """Field 1 (addr), length-delimited; the frame: no compression, the message's length in 4 bytes."""
    assert join_request("10.10.12.100:2377") == b"\x00\x00\x00\x00\x13\x0a\x1110.10.12.100:2377"


def test_a_changed_start_section_changes_the_key_and_a_task_text_does_not(labs: Path) -> None:
    lab = labs / "orchestration"
    key = key_of(lab)
    edit(lab / "lab.toml", 'title = "Lock the swarm\'s managers at rest"', 'title = "Lock the managers"')
    assert key_of(lab) == key  # a task's text: not what the start makes
    edit(lab / "lab.toml", "--replicas 2 \\\n--constraint", "--replicas 3 \\\n--constraint")
    assert key_of(lab) != key
    edit(lab / "lab.toml", "--replicas 3 \\\n--constraint", "--replicas 2 \\\n--constraint")
    assert key_of(lab) == key
    edit(lab / "lab.toml", 'workers = ["worker1", "worker2", "registry"]', 'workers = ["worker1", "worker2"]')
    assert key_of(lab) != key


def test_a_lab_started_after_another_changes_with_that_lab_and_its_solve(labs: Path) -> None:
    secure = labs / "registry-secure"
    key = key_of(secure)
    assert [lab.id for lab in lab_chain(load_lab(secure))] == ["registry-secure", "registry"]
    module = sorted((labs / "registry").glob("test_*.py"))[0]
    module.write_text(module.read_text() + "\n# a changed solve\n")
    assert key_of(secure) != key  # the solve of registry is part of registry-secure's start
    assert key_of(labs / "registry") == key_of(ROOT / "labs" / "registry")  # not of registry's own start


def test_a_snapshot_is_restored_only_before_half_its_certificates_lifetime() -> None:
    day = 24 * 3600.0
    assert max_age(0) == DEFAULT_CERT_LIFETIME / 2 == 45 * day  # no swarm: the default lifetime's half
    assert restorable(1000.0, 90 * day, 1000.0)
    assert restorable(1000.0, 90 * day, 1000.0 + 45 * day - 1)
    assert not restorable(1000.0, 90 * day, 1000.0 + 45 * day)
    assert not restorable(1000.0, 2 * day, 1000.0 + 1.5 * day)  # a swarm with 2-day certificates: one day
    assert not restorable(1000.0, 90 * day, 999.0)  # recorded "later" than now: a clock set back
