"""Named clusters on the real engine: three side by side with the default cluster, each in another lab and state,
each graded alone as its own cluster, and one removed or made anew without touching the others."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dcalab.backends.base import in_parallel
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import load_lab
from dcalab.start import start_lab
from tests.labrun import LAB, ROOT, changed, fingerprint, run_lab, verdicts
from tests.pristine import pristine_violations
from tests.test_ssh_cluster import ssh_file  # noqa: F401 (a fixture: the default cluster's nodes over SSH)

pytestmark = pytest.mark.engine_wide  # changes what every cluster on the engine shares: run alone (.ci/cluster-session)

LABS = ROOT / "labs"
# name -> (the lab it starts, the tasks solved after its start): each cluster in another lab and another state
CLASS = {"ci-alpha": (LAB, "all"), "ci-beta": (LABS / "images-storage", "multi_stage"),
         "ci-gamma": (LABS / "networking-engine", "")}


def dcalab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dcalab", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


def grade(name: str) -> dict[str, dict]:
    return run_lab("grade", "", f"--cluster-name={name}", lab=CLASS[name][0])


def assert_graded_as_its_state(name: str, graded: dict[str, dict]) -> None:
    """All PASS where every task was solved, none where none was; where one was, it passes and others do not."""
    solved, passed = CLASS[name][1], {task for task, verdict in verdicts(graded).items() if verdict == "PASS"}
    if solved == "all":
        assert passed == set(graded), (name, verdicts(graded))
    elif not solved:
        assert not passed, (name, verdicts(graded))
    else:
        assert solved.replace("_", "-") in passed and passed != set(graded), (name, verdicts(graded))


@pytest.fixture(scope="module")
def named(embedded: EmbeddedCluster) -> dict[str, EmbeddedCluster]:
    """The three named clusters in their labs' states, beside the default cluster at the registry lab's start;
    removed afterwards."""
    clusters = {name: EmbeddedCluster(cluster_name=name) for name in CLASS}

    def into_its_state(name: str) -> None:
        lab, solved = CLASS[name]
        start_lab(clusters[name], load_lab(lab))
        if solved:
            run_lab("solve", "" if solved == "all" else solved, f"--cluster-name={name}", lab=lab)

    try:
        in_parallel(into_its_state, CLASS)  # at once, as `dcalab class start` starts a class's clusters
        yield clusters
    finally:
        for cluster in clusters.values():
            cluster.down()


def test_each_named_cluster_has_its_own_nodes_network_and_addresses(named: dict[str, EmbeddedCluster]) -> None:
    subnets = {cluster.topology.subnet for cluster in named.values()}
    assert len(subnets) == 3 and "10.10.10.0/24" not in subnets
    for name, cluster in named.items():
        master = cluster.client.containers.get(f"dcalab-{name}-master")
        address = master.attrs["NetworkSettings"]["Networks"][f"dcalab-{name}-lab"]["IPAddress"]
        assert address == cluster.topology.node("master").ip and address.endswith(".100")
        # inside, the same names as every cluster: the lab's text and checks hold everywhere
        assert cluster.host("master").check_output("hostname") == "master.docker-dca.example"
        assert cluster.host("worker1").check_output("getent hosts master").split()[0] == address


def test_each_cluster_is_graded_on_its_own_state_and_the_default_beside_them(
        named: dict[str, EmbeddedCluster], embedded: EmbeddedCluster) -> None:
    before = {name: fingerprint(cluster) for name, cluster in named.items()}
    for name in named:
        assert_graded_as_its_state(name, grade(name))
    default = run_lab("grade")  # the unnamed cluster, at the registry lab's start
    assert set(verdicts(default).values()) <= {"FAIL", "BLOCKED"}
    for name, cluster in named.items():
        now = fingerprint(cluster)
        assert now == before[name], f"a grade changed {name}:\n{changed(before[name], now)}"


def test_a_named_clusters_learner_reads_and_is_hinted_their_own_addresses(named: dict[str, EmbeddedCluster]) -> None:
    master = named["ci-alpha"].topology.node("master").ip
    shown_lab = dcalab("lab", "show", "registry", "--guided", "--cluster-name", "ci-alpha")
    assert shown_lab.returncode == 0, shown_lab.stderr
    assert f"{master}:2377" in shown_lab.stdout and "10.10.10.100" not in shown_lab.stdout
    # a named cluster's swarm is led from its own address: a grade of the joined registry node sees it
    listing = named["ci-alpha"].host("registry").check_output("docker info --format '{{.Swarm.RemoteManagers}}'")
    assert f"{master}:2377" in listing


def test_a_class_of_named_clusters_the_default_one_and_ssh_nodes_grades_as_each_alone(
        named: dict[str, EmbeddedCluster], ssh_file: Path, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    roster = tmp_path / "class.toml"
    roster.write_text('lab = "registry"\n'
                      '[[learners]]\nname = "alpha"\ncluster_name = "ci-alpha"\n'
                      '[[learners]]\nname = "beta"\ncluster_name = "ci-beta"\nlab = "images-storage"\n'
                      '[[learners]]\nname = "local"\ncluster = "embedded"\n'
                      f'[[learners]]\nname = "remote"\nssh_config = "{ssh_file}"\n')
    done = dcalab("class", "grade", "--roster", str(roster), "--out", str(tmp_path / "out"),
                  "--history", str(tmp_path / "class.sqlite3"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr

    def reported(learner: str) -> dict[str, tuple[str, int]]:
        report = json.loads((tmp_path / "out" / f"{learner}.json").read_text())
        return {test["task"]: (test["verdict"], test["score"]) for test in report["tests"]}

    def alone(graded: dict[str, dict]) -> dict[str, tuple[str, int]]:
        return {task: (entry["verdict"], entry["score"]) for task, entry in graded.items()}

    assert reported("alpha") == alone(grade("ci-alpha"))
    assert reported("beta") == alone(grade("ci-beta"))
    assert reported("local") == reported("remote") == alone(run_lab("grade"))
    assert reported("alpha") != reported("local")  # alpha's solved registry lab, the default cluster at its start


def test_class_start_makes_two_named_clusters_at_once_in_one_process(embedded: EmbeddedCluster,
                                                                    tmp_path: Path) -> None:
    roster = tmp_path / "class.toml"
    roster.write_text('lab = "registry"\n[[learners]]\nname = "delta"\ncluster_name = "ci-delta"\n'
                      '[[learners]]\nname = "epsilon"\ncluster_name = "ci-epsilon"\n')
    clusters = [EmbeddedCluster(cluster_name=name) for name in ("ci-delta", "ci-epsilon")]
    try:
        started = dcalab("class", "start", "--roster", str(roster))
        said = started.stdout + started.stderr
        assert started.returncode == 0 and "Done for 2 of 2 learners." in started.stdout, said
        for cluster in clusters:
            assert pristine_violations(cluster) == []
            assert set(verdicts(run_lab("grade", "", f"--cluster-name={cluster.cluster_name}")).values()) <= {
                "FAIL", "BLOCKED"}
    finally:
        for cluster in clusters:
            cluster.down()


def test_removing_or_remaking_one_cluster_leaves_the_others_and_the_hub(named: dict[str, EmbeddedCluster],
                                                                       embedded: EmbeddedCluster) -> None:
    """ci-beta removed and ci-gamma made anew by the CLI: ci-alpha and the default cluster unchanged."""
    untouched = {"ci-alpha": named["ci-alpha"], "default": embedded}
    before = {name: fingerprint(cluster) for name, cluster in untouched.items()}
    removed = dcalab("cluster", "down", "--cluster-name", "ci-beta")
    assert removed.returncode == 0 and "The embedded cluster ci-beta is removed." in removed.stdout, removed.stderr
    client = embedded.client
    assert not [c.name for c in client.containers.list(all=True) if c.name.startswith("dcalab-ci-beta-")]
    assert not [n.name for n in client.networks.list() if n.name == "dcalab-ci-beta-lab"]
    remade = dcalab("cluster", "reset", "--cluster-name", "ci-gamma")
    assert remade.returncode == 0, remade.stdout + remade.stderr
    for name, cluster in untouched.items():
        now = fingerprint(cluster)
        assert now == before[name], f"{name} changed:\n{changed(before[name], now)}"
    # the hub still serves every remaining cluster's network, under Docker Hub's name
    for cluster in (named["ci-alpha"], named["ci-gamma"], embedded):
        cluster.reconnect()
        pulled = cluster.host("worker2").run("docker pull -q busybox:latest")
        assert pulled.rc == 0, pulled.stderr
