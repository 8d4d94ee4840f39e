"""Named clusters' pure parts: the addresses a named cluster's lab network gives its nodes, the lab's text in them,
and the names a cluster may have. The clusters themselves are tested on the engine in test_named_clusters.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dcalab.backends import get_cluster
from dcalab.errors import DcalabError
from dcalab.lab import find_lab
from dcalab.labnet import LABELS, NAME_LABEL, holds_lab_addresses, named_labels
from dcalab.settings import cluster_name
from dcalab.topology import topology
from tests.labrun import ROOT

NAMED = topology().renumbered("dcalab-alice-lab", "10.10.12.0/24")


def test_a_named_cluster_keeps_each_address_host_part_on_its_own_network() -> None:
    assert (NAMED.network, NAMED.subnet, NAMED.gateway, NAMED.hub_ip) == (
        "dcalab-alice-lab", "10.10.12.0/24", "10.10.12.1", "10.10.12.2")
    assert {node.name: node.ip for node in NAMED.nodes} == {
        "master": "10.10.12.100", "worker1": "10.10.12.110", "worker2": "10.10.12.120", "registry": "10.10.12.130"}
    assert [node.fqdn for node in NAMED.nodes] == [node.fqdn for node in topology().nodes]


def test_only_the_clusters_own_addresses_are_rewritten_in_a_labs_text() -> None:
    text = ("join 10.10.10.100:2377; the hub 10.10.10.2; a network apart from 10.10.10.0/24; the DNS server "
            "10.10.10.53 a task names; 110.10.10.100 and 10.10.10.1000 are not lab addresses")
    assert NAMED.localize(text) == (
        "join 10.10.12.100:2377; the hub 10.10.12.2; a network apart from 10.10.12.0/24; the DNS server "
        "10.10.10.53 a task names; 110.10.10.100 and 10.10.10.1000 are not lab addresses")
    assert topology().localize(text) == text
    assert NAMED.readdress(NAMED.localize(text), topology().subnet) == text  # read back as the default cluster's


def test_a_lab_localized_for_a_named_cluster_shows_its_addresses_everywhere() -> None:
    lab = find_lab("registry")
    named = lab.localized(NAMED)
    join = named.task("swarm-join")
    assert "10.10.12.100:2377" in join.goal and "10.10.12.100:2377" in join.instructions
    assert "10.10.10.100" not in join.goal + join.instructions + join.solution
    assert lab.localized(topology()) is lab
    secure = find_lab("registry-secure").localized(NAMED)
    assert "10.10.12.2" in secure.task("pull-through-cache").instructions


@pytest.mark.parametrize("name", ["alice", "Learner_07", "a.b-c", "x" * 40])
def test_a_cluster_name_a_container_name_can_hold_is_taken(name: str) -> None:
    assert cluster_name(name) == name


@pytest.mark.parametrize("name", ["-alice", "al ice", "alice/bob", "ä", "x" * 41, "../x"])
def test_a_cluster_name_no_container_name_can_hold_is_one_sentence(name: str) -> None:
    with pytest.raises(DcalabError, match="cannot name a cluster") as refused:
        cluster_name(name)
    assert "--cluster-name alice" in refused.value.fix


def test_the_environment_names_the_cluster_when_the_command_line_does_not(monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_CLUSTER", "bob")
    assert cluster_name() == "bob" and cluster_name("") == ""
    assert get_cluster("embedded", read_only=True).identity == "embedded-bob"
    assert get_cluster("embedded", read_only=True, cluster_name="").identity == "embedded"


def test_ssh_and_vagrant_clusters_have_no_names() -> None:
    with pytest.raises(DcalabError, match="has no named clusters"):
        get_cluster("ssh", cluster_name="alice")


def test_a_bad_cluster_name_on_the_command_line_is_a_sentence_not_a_traceback() -> None:
    done = subprocess.run([sys.executable, "-m", "dcalab", "cluster", "status", "--cluster-name", "al ice"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "'al ice' cannot name a cluster" in done.stderr and "--cluster-name alice" in done.stderr


def test_a_grade_of_a_named_cluster_on_ssh_is_one_sentence_and_a_usage_error(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DCALAB_STATE": str(tmp_path / "state"),
           "DCALAB_HISTORY": str(tmp_path / "history.sqlite3"), "DCALAB_CLUSTER": "alice"}
    done = subprocess.run([sys.executable, "-m", "pytest", "labs/registry", "-p", "no:cacheprovider", "-q",
                           "--cluster=ssh", "--lab-ssh-config", "/dev/null"], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "The ssh cluster has no named clusters" in done.stdout and "Unset DCALAB_CLUSTER" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr and "base.py" not in done.stdout


def test_only_the_default_clusters_nodes_hold_the_lab_addresses_the_vagrant_machines_need() -> None:
    """A named cluster left on the engine (a class) does not stop the docker provider's machines: its nodes are on a
    subnet of their own (seen when a cluster test ran beside a named cluster)."""
    node = {**LABELS, "org.dcalab.role": "node"}
    assert holds_lab_addresses(node)
    assert holds_lab_addresses({**node, NAME_LABEL: ""})  # the default cluster's name, empty on its nodes
    assert not holds_lab_addresses({**named_labels("ann"), "org.dcalab.role": "node"})
    assert not holds_lab_addresses({**LABELS, "org.dcalab.role": "hub"})
    assert not holds_lab_addresses({**node, "org.dcalab.cluster": "vagrant"})
