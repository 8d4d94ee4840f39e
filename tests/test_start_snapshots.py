"""Start snapshots on the real engine (dcalab.backends.snapshot_store): for every lab, a start restored from its
snapshot is graded as the replayed start that recorded it, and solves to every task PASS; a changed [start]
section and an aged snapshot are replayed. One replay and one restore per lab: the CI budget is near full."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.snapshot_store import KEY_LABEL
from dcalab.lab import load_lab
from dcalab.snapshots import max_age
from dcalab.start import start_lab
from tests.labrun import ROOT, outputs, run_lab, verdicts
from tests.pristine import start_registry

LABS = sorted(path.parent for path in (ROOT / "labs").glob("*/lab.toml"))


@pytest.fixture(scope="module")
def cluster(embedded: EmbeddedCluster) -> EmbeddedCluster:
    """The embedded cluster, left at the registry lab's start after the module."""
    yield embedded
    start_registry(embedded)


def comparable(graded: dict[str, dict]) -> dict[str, dict]:
    """A grade's report entries without timings: the report's own time is not in the entries, and curl's time to
    a refused connection ("after 2 ms") is in what a check found."""
    return {task: {**entry, "output": re.sub(r"after \d+ ms", "after N ms", entry["output"])}
            for task, entry in graded.items()}


def snapshot_keys(cluster: EmbeddedCluster) -> set[str]:
    return {volume.attrs["Labels"][KEY_LABEL] for volume in cluster.client.volumes.list(filters={"label": KEY_LABEL})}


@pytest.mark.parametrize("lab", LABS, ids=[lab.name for lab in LABS])
def test_a_restored_start_is_graded_as_the_replayed_start_and_solves(cluster: EmbeddedCluster, lab: Path) -> None:
    """A start with several managers is not recorded (its restore waits out a raft election): it replays again."""
    replayed = start_lab(cluster, load_lab(lab), fresh=True)
    assert not replayed.restored
    at_replay = comparable(run_lab("grade", lab=lab))
    again = start_lab(cluster, load_lab(lab))
    assert again.restored == (len(load_lab(lab).start.managers) < 2) and again.recreated
    assert comparable(run_lab("grade", lab=lab)) == at_replay
    tasks = [task.id for task in load_lab(lab).tasks]
    assert verdicts(run_lab("solve", lab=lab)) == dict.fromkeys(tasks, "PASS")
    graded = run_lab("grade", lab=lab)
    assert verdicts(graded) == dict.fromkeys(tasks, "PASS"), outputs(graded, "PASS")


def copied_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the images-storage lab (the quickest start) under its own id, in a labs folder of its own."""
    folder = tmp_path / "labs" / "snapshot-copy"
    shutil.copytree(ROOT / "labs" / "images-storage", folder, ignore=shutil.ignore_patterns("__pycache__"))
    toml = folder / "lab.toml"
    toml.write_text(toml.read_text().replace('id = "images-storage"', 'id = "snapshot-copy"', 1))
    monkeypatch.setenv("DCALAB_LABS", str(tmp_path / "labs"))
    return folder


def test_a_changed_start_section_and_an_aged_snapshot_are_replayed(cluster: EmbeddedCluster, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = copied_lab(tmp_path, monkeypatch)
    store = cluster.snapshots()
    start_lab(cluster, load_lab(folder), fresh=True)
    first = store.key(load_lab(folder))
    assert first in snapshot_keys(cluster)
    toml = folder / "lab.toml"
    toml.write_text(toml.read_text() + '\n[[start.steps]]\nnode = "worker1"\nrun = "touch /root/changed-start"\n')
    changed = start_lab(cluster, load_lab(folder))
    assert not changed.restored
    assert cluster.host("worker1").file("/root/changed-start").exists
    second = store.key(load_lab(folder))
    assert second != first and second in snapshot_keys(cluster)
    assert first not in snapshot_keys(cluster)  # replaced: one snapshot per lab and subnet
    assert start_lab(cluster, load_lab(folder)).restored
    assert cluster.host("worker1").file("/root/changed-start").exists

    made = store.find(second).made
    later = made + max_age(store.find(second).cert_lifetime)  # half of the certificates' lifetime, to the second
    monkeypatch.setattr("dcalab.backends.snapshot_store.clock", lambda: later)
    aged = start_lab(cluster, load_lab(folder))
    assert not aged.restored
    assert store.find(second).made == later  # recorded anew by the replay
    store.remove(second)  # the copy is started no more
