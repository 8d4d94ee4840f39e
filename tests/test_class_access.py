"""`dcalab class access` on the real engine (issue 29): two named clusters started by one `class start`, each with
its own SSH key and its own ports on this server; every printed ssh line reaches its node from outside the lab
network, one learner's key is refused on the other's ports, dcalab's own ssh backend reaches a named cluster with
its key, a named cluster's grade is kept in the history under its name, and the ports go with the cluster.

The two clusters' names can be given (DCALAB_TEST_CLUSTERS=a,b) where an engine is shared and each tester has
their own."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import retried
from dcalab import history
from dcalab.access import forwarded
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.pki import cluster_ssh_key, ensure_lab_ssh_key
from dcalab.settings import state_dir
from dcalab.topology import topology
from tests.labrun import ROOT, run_lab, verdicts

pytestmark = pytest.mark.engine_wide  # changes what every cluster on the engine shares: run alone (.ci/cluster-session)

FIRST, SECOND = os.environ.get("DCALAB_TEST_CLUSTERS", "ci-ann,ci-ben").split(",")
LEARNERS = {"ann": FIRST, "ben": SECOND}
BIND = "127.0.0.1"  # the test's ssh comes from this machine: only its loopback address is opened
NON_INTERACTIVE = ["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
                   "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"]


def dcalab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dcalab", *args], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def roster(embedded: EmbeddedCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Both learners' clusters at the registry lab's start, their SSH ports open on the loopback address;
    removed afterwards."""
    path = tmp_path_factory.mktemp("access") / "class.toml"
    path.write_text('lab = "registry"\n' + "".join(f'[[learners]]\nname = "{learner}"\ncluster_name = "{name}"\n'
                                                   for learner, name in LEARNERS.items()))
    try:
        started = dcalab("class", "start", "--roster", str(path), "--bind", BIND)
        said = started.stdout + started.stderr
        assert started.returncode == 0 and "Done for 2 of 2 learners." in started.stdout, said
        assert said.count("SSH from other machines on ports ") == 2, said
        for name in LEARNERS.values():
            cluster = EmbeddedCluster(cluster_name=name)
            for node in topology().nodes:  # sshd makes its host keys after docker answers
                cluster.host(node.name).check_output(retried("systemctl is-active -q ssh", 120, pause=0.5))
        yield path
    finally:
        for name in LEARNERS.values():
            EmbeddedCluster(cluster_name=name).down()


def handed_out(roster: Path) -> dict[str, dict[str, list[str]]]:
    """Per learner, per node, the ssh line `class access` prints, as words."""
    shown = dcalab("class", "access", "--roster", str(roster))
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stdout + shown.stderr
    lines: dict[str, dict[str, list[str]]] = {}
    learner = ""
    for line in shown.stdout.splitlines():
        if not line.startswith(" "):
            learner = line.split(":", 1)[0]
            assert f"with the key {cluster_ssh_key(LEARNERS[learner])} (hand it over" in line, line
        else:
            node, command = line.split(None, 1)
            lines.setdefault(learner, {})[node] = shlex.split(command)
    return lines


def points(graded: dict[str, dict]) -> dict[str, int]:
    return {task: entry["score"] for task, entry in graded.items()}


def through(words: list[str], command: str = "hostname", key: Path | None = None) -> subprocess.CompletedProcess:
    """A printed ssh line run as a learner's machine would, without questions; `key` in place of the one it names."""
    if key is not None:
        words = [str(key) if word == words[words.index("-i") + 1] else word for word in words]
    return subprocess.run([words[0], *NON_INTERACTIVE, *words[1:], command], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def test_every_printed_line_reaches_its_node_with_the_learners_key(roster: Path) -> None:
    lines = handed_out(roster)
    assert set(lines) == set(LEARNERS) and all(set(nodes) == {n.name for n in topology().nodes}
                                               for nodes in lines.values())
    ports = [words[words.index("-p") + 1] for nodes in lines.values() for words in nodes.values()]
    assert len(set(ports)) == 8, ports  # no port given twice
    for learner, nodes in lines.items():
        for node, words in nodes.items():
            assert words[-1] == f"root@{BIND}" and words[words.index("-i") + 1] == str(cluster_ssh_key(
                LEARNERS[learner]))
            reached = through(words)
            assert reached.returncode == 0 and reached.stdout.strip() == topology().node(node).fqdn, reached.stderr


def test_one_learners_key_and_the_lab_key_are_refused_on_the_other_learners_ports(roster: Path) -> None:
    lines = handed_out(roster)
    for learner, other in (("ann", "ben"), ("ben", "ann")):
        for key in (cluster_ssh_key(LEARNERS[learner]), ensure_lab_ssh_key()):
            refused = through(lines[other]["master"], key=key)
            assert refused.returncode == 255 and "Permission denied (publickey" in refused.stderr, refused


def test_the_ports_are_kept_in_the_state_and_open_again_the_same(roster: Path) -> None:
    before = handed_out(roster)
    recorded = json.loads((state_dir() / "access-ports.json").read_text())
    cluster = EmbeddedCluster(cluster_name=FIRST)
    assert recorded[f"dcalab-{FIRST}-access"] == forwarded(cluster).ports
    status = dcalab("cluster", "status", "--cluster-name", FIRST).stdout
    assert f"learners' SSH on {BIND}: master {forwarded(cluster).ports['master']}, worker1 " in status, status
    cluster.client.containers.get(f"dcalab-{FIRST}-access").stop(timeout=1)
    assert "not open yet" in dcalab("class", "access", "--roster", str(roster)).stdout
    status = dcalab("cluster", "status", "--cluster-name", FIRST)
    assert "The learners' SSH ports are closed: dcalab class access --open" in status.stdout + status.stderr
    opened = dcalab("class", "access", "--roster", str(roster), "--open", "--bind", BIND)
    assert opened.returncode == 0, opened.stdout + opened.stderr
    assert handed_out(roster) == before


def test_the_ssh_backend_reaches_a_named_cluster_with_its_key_and_its_grade_is_kept_under_its_name(
        roster: Path, tmp_path: Path) -> None:
    cluster = EmbeddedCluster(cluster_name=FIRST)
    config = tmp_path / "lab.ssh"
    config.write_text(cluster.ssh_config())
    assert f"IdentityFile {cluster_ssh_key(FIRST)}\n" in config.read_text()
    kept = tmp_path / "history.sqlite3"
    named = run_lab("grade", "", f"--cluster-name={FIRST}", history=kept)
    over_ssh = run_lab("grade", "", "--cluster=ssh", "--cluster-name=", f"--lab-ssh-config={config}")
    # the verdicts and points; the words differ where a hint names an address: the ssh backend knows the default
    # cluster's topology, not the named cluster's
    assert verdicts(over_ssh) == verdicts(named) and points(over_ssh) == points(named)
    (run,) = history.runs(path=kept)
    assert (run.backend, run.cluster_name) == ("embedded", FIRST)


def test_the_ports_go_with_the_cluster_the_other_learners_stay(roster: Path) -> None:
    lines = handed_out(roster)
    stopped = dcalab("class", "stop", "ben", "--roster", str(roster))
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    gone = EmbeddedCluster(cluster_name=SECOND)
    assert not gone.client.containers.list(all=True, filters={"name": f"dcalab-{SECOND}-access"})
    assert f"dcalab-{SECOND}-access" not in json.loads((state_dir() / "access-ports.json").read_text())
    assert through(lines["ben"]["master"]).returncode == 255
    assert through(lines["ann"]["worker1"]).stdout.strip() == topology().node("worker1").fqdn
    down = dcalab("cluster", "down", "--cluster-name", FIRST)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not gone.client.containers.list(all=True, filters={"name": f"dcalab-{FIRST}-access"})
