"""Start snapshots on the real engine (dcalab.backends.snapshot_store): a class's clusters restore the snapshot one
start recorded on another lab network, graded as that start; a changed [start] section and an aged snapshot are
replayed. Every lab's restored start graded as its replayed one, before and after a solve: .ci/check-the-checkers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.snapshot_store import KEY_LABEL
from dcalab.lab import load_lab
from dcalab.snapshots import max_age
from dcalab.start import start_lab
from dcalab.topology import topology
from tests.labrun import LAB, ROOT, outputs, run_lab, verdicts
from tests.pristine import start_registry
from tests.same_grades import differences

pytestmark = pytest.mark.engine_wide  # changes what every cluster on the engine shares: run alone (.ci/cluster-session)


@pytest.fixture(scope="module")
def cluster(embedded: EmbeddedCluster) -> EmbeddedCluster:
    """The embedded cluster, left at the registry lab's start after the module."""
    yield embedded
    start_registry(embedded)


def snapshot_keys(cluster: EmbeddedCluster) -> set[str]:
    return {volume.attrs["Labels"][KEY_LABEL] for volume in cluster.client.volumes.list(filters={"label": KEY_LABEL})}


def as_default(graded: dict[str, dict], cluster: EmbeddedCluster) -> dict[str, dict]:
    """A named cluster's grade as the default cluster's would read: its addresses (in what the checks found and
    hinted) written as the default cluster's."""
    return {task: {**entry, "output": cluster.topology.readdress(entry["output"], topology().subnet)}
            for task, entry in graded.items()}


def test_a_class_starts_from_one_replay_and_restores_on_each_lab_network(cluster: EmbeddedCluster,
                                                                         tmp_path: Path) -> None:
    """The registry lab (a swarm of one manager) with no snapshot: a class of two learners on named clusters (other
    lab networks), started two at a time, replays and records it once; the other start waits for that recording and
    restores it on its own lab network, its swarm at its own addresses. Both are graded as the start replayed on the
    default cluster; the restored one solves to every task PASS."""
    assert not start_lab(cluster, load_lab(LAB), fresh=True).restored
    replayed = run_lab("grade", lab=LAB)
    store = cluster.snapshots()
    store.remove(store.key(load_lab(LAB)))
    roster = tmp_path / "class.toml"
    roster.write_text('lab = "registry"\n[[learners]]\nname = "zeta"\ncluster_name = "ci-zeta"\n'
                      '[[learners]]\nname = "eta"\ncluster_name = "ci-eta"\n')
    learners = {name: EmbeddedCluster(cluster_name=f"ci-{name}") for name in ("zeta", "eta")}
    try:
        started = subprocess.run([sys.executable, "-m", "dcalab", "class", "start", "--roster", str(roster),
                                  "--parallel", "2"], capture_output=True, text=True, cwd=ROOT, timeout=600)
        said = started.stdout + started.stderr  # a line per learner as each ends, on stderr
        restored = [name for name in learners if re.search(f"^{name}: .*from its start snapshot", said, re.MULTILINE)]
        assert started.returncode == 0 and len(restored) == 1, said
        for learner in learners.values():
            assert all(learner.owns(learner.node_container(node).labels) for node in learner.topology.nodes)
            master = learner.host("master")
            assert master.run("docker info --format '{{.Swarm.NodeAddr}} {{.Swarm.RemoteManagers}}'").stdout.count(
                learner.topology.node("master").ip) == 2  # its own address, and its raft's
            graded = run_lab("grade", "", f"--cluster-name={learner.cluster_name}")
            assert differences(replayed, as_default(graded, learner)) == []
        moved = learners[restored[0]]
        ip = moved.topology.node("master").ip
        assert moved.host("master").run(  # its raft reads its own address back from disk: the new one
            "systemctl restart docker && for try in $(seq 30); do docker info --format '{{.Swarm.RemoteManagers}}' "
            "| grep -qF %s:2377 && exit 0; sleep 1; done; exit 1", ip).rc == 0
        run_lab("solve", "", f"--cluster-name=ci-{restored[0]}")
        solved = run_lab("grade", "", f"--cluster-name=ci-{restored[0]}")
        assert set(verdicts(solved).values()) == {"PASS"}, outputs(solved, "PASS")
    finally:
        for learner in learners.values():
            learner.down()


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
