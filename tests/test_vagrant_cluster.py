"""The Vagrant backend on real machines: `vagrant up --provider=docker` with the embedded node image
(sshd inside) in place of the embedded nodes, python-vagrant's status and ssh-config, the registry lab
solved and graded over SSH, and each environment fault named with the vagrant command that mends it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import vagrant

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.vagrant import VagrantCluster, machine_names
from dcalab.engine import answering_client
from dcalab.errors import DcalabError
from dcalab.hub import HUB_CONTAINER
from dcalab.labnet import network_name
from dcalab.start import apply_start
from dcalab.topology import topology
from tests.labrun import ROOT, run_lab
from tests.pristine import REGISTRY_LAB, pristine_violations

pytestmark = [pytest.mark.skipif(shutil.which("vagrant") is None, reason="needs vagrant (.ci/run installs it)"),
              pytest.mark.cluster]  # Vagrant's docker provider asks the engine even for `vagrant status`

VAGRANT = "--cluster=vagrant"


@pytest.fixture(scope="module")
def machines(embedded: EmbeddedCluster) -> Iterator[VagrantCluster]:
    """The lab as the docker provider's machines, on the embedded cluster's addresses (its nodes step aside)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAGRANT_DEFAULT_PROVIDER", "docker")
        embedded.remove_nodes()
        cluster = VagrantCluster()
        cluster.up()
        apply_start(cluster, REGISTRY_LAB)  # over SSH, as on any hosts dcalab did not make
        yield cluster
        cluster.down()
    embedded.up()


def verdicts(graded: dict[str, dict]) -> set[str]:
    return {entry["verdict"] for entry in graded.values()}


def test_vagrant_up_and_the_labs_start_make_the_pristine_cluster(machines: VagrantCluster) -> None:
    listed = vagrant.Vagrant(root=str(ROOT)).status()
    assert {(status.name, status.state, status.provider) for status in listed} == {
        (node.name, "running", "docker") for node in topology().nodes}
    assert all(f"Host {node.name}\n" in machines.ssh_config() for node in topology().nodes)
    reports = {report.name: report for report in machines.status()}
    assert all(report.healthy for report in reports.values()), reports
    assert reports["master"].notes[1:] == ["swarm active as manager"] and reports["registry"].notes[1:] == [
        "not in a swarm"]
    assert all(report.notes[0].startswith("docker 20.10.") for report in reports.values()), reports
    assert pristine_violations(machines) == []
    graded = run_lab("grade", "", VAGRANT)
    assert verdicts(graded) == {"FAIL", "BLOCKED"} and sum(entry["score"] for entry in graded.values()) == 0


def test_the_registry_lab_solves_and_grades_over_ssh(machines: VagrantCluster) -> None:
    assert verdicts(run_lab("solve", "", VAGRANT)) == {"PASS"}
    assert verdicts(run_lab("grade", "", VAGRANT)) == {"PASS"}
    hostname = machines.host("registry").check_output("hostname")
    assert hostname == "registry.docker-dca.example"  # graded over SSH on the Vagrant machine itself
    assert answering_client().containers.get("dcalab-vagrant-registry").labels["org.dcalab.cluster"] == "vagrant"


@pytest.mark.parametrize(("break_it", "state", "fix"), [
    (lambda cluster: cluster._vagrant("halt", "worker2"), "stopped", "run `vagrant up worker2`"),
    (lambda cluster: cluster._vagrant("destroy", "worker2"), "not created", "run `vagrant up worker2`"),
])
def test_a_stopped_or_missing_machine_is_env_error_naming_vagrant_up(machines: VagrantCluster, break_it, state,
                                                                      fix) -> None:
    break_it(machines)
    graded = run_lab("grade", "daemon_json", VAGRANT)
    assert graded["daemon-json"]["verdict"] == "ENV-ERROR"
    assert f"Vagrant says worker2 is {state}: {fix}" in graded["daemon-json"]["output"]
    machines.up()
    assert all(report.healthy for report in machines.status())


def test_refused_ssh_is_env_error_naming_vagrant_ssh(machines: VagrantCluster) -> None:
    node = answering_client().containers.get("dcalab-vagrant-worker1")
    node.exec_run("systemctl stop ssh")
    try:
        graded = run_lab("grade", "daemon_json", VAGRANT)
    finally:
        node.exec_run("systemctl start ssh")
    assert graded["daemon-json"]["verdict"] == "ENV-ERROR"
    output = graded["daemon-json"]["output"]
    assert "cannot reach worker1" in output and "`vagrant ssh worker1`" in output and "vagrant reload" in output


def test_the_machines_keep_the_default_cluster_away_not_a_named_one(machines: VagrantCluster) -> None:
    """The machines hold the default lab network's addresses; a named cluster's network is its own, and it is made
    beside them."""
    with pytest.raises(DcalabError, match="The Vagrant cluster's machines") as raised:
        EmbeddedCluster().prepare()
    assert raised.value.fix == "Remove them first: dcalab cluster down --cluster vagrant"
    beside = EmbeddedCluster(cluster_name="ci-beside-vagrant")
    try:
        beside.prepare()
        assert beside.topology.subnet != topology().subnet
    finally:  # its network, as `dcalab cluster down --cluster-name` removes it while other clusters stay
        name = network_name(beside.cluster_name)
        for network in [found for found in answering_client().networks.list(names=[name]) if found.name == name]:
            network.disconnect(HUB_CONTAINER, force=True)
            network.remove()


def vagrantfile_without_worker2(folder: Path, monkeypatch) -> None:
    (folder / "dcalab").symlink_to(ROOT / "dcalab")
    original = (ROOT / "Vagrantfile").read_text()
    edited = original.replace('nodes = topology["nodes"]\n',
                              'nodes = topology["nodes"].reject { |node| node["name"] == "worker2" }\n')
    assert edited != original
    (folder / "Vagrantfile").write_text(edited)
    monkeypatch.setenv("VAGRANT_CWD", str(folder))


def no_vagrant(folder: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(folder))  # no vagrant on it (nor anything else)


@pytest.mark.parametrize(("arrange", "problem", "fix"), [
    (vagrantfile_without_worker2, "defines no machine for the lab node worker2 ", "git checkout Vagrantfile"),
    (no_vagrant, "Vagrant is not installed", "apt-get install vagrant"),
])
def test_bad_setups_make_every_task_env_error_with_the_fix(tmp_path: Path, monkeypatch, arrange, problem,
                                                           fix) -> None:
    arrange(tmp_path, monkeypatch)
    with pytest.raises(DcalabError, match=problem) as raised:
        VagrantCluster().status()
    assert fix in raised.value.fix
    graded = run_lab("grade", "", VAGRANT)
    assert verdicts(graded) == {"ENV-ERROR"}  # never BLOCKED: that is for a task that was graded and failed
    assert problem in graded["swarm-join"]["output"] and fix in graded["swarm-join"]["output"]


def test_machine_names_follow_dcalab_vagrant_machines(monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_VAGRANT_MACHINES", "master=manager1, worker2=node2")
    assert machine_names() == {"master": "manager1", "worker1": "worker1", "worker2": "node2", "registry": "registry"}
    monkeypatch.setenv("DCALAB_VAGRANT_MACHINES", "leader=manager1")
    with pytest.raises(DcalabError, match="does not map a lab node"):
        machine_names()
