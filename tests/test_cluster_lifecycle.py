"""up repairs, status explains, down removes exactly ours; bad input gets one clear sentence."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pexpect
import pytest

from checks.swarm import node_list
from dcalab import hub
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.snapshot_store import KEY_LABEL
from dcalab.errors import DcalabError
from dcalab.lab import find_lab
from dcalab.labnet import CLUSTER_LABEL, NAME_LABEL
from dcalab.start import start_lab
from dcalab.topology import topology
from tests import terminal
from tests.labrun import run_lab
from tests.pristine import pristine_violations, start_registry

pytestmark = pytest.mark.engine_wide  # changes what every cluster on the engine shares: run alone (.ci/cluster-session)


def dcalab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dcalab", *args], capture_output=True, text=True, timeout=300)


def test_status_cli_reports_a_ready_cluster(embedded: EmbeddedCluster) -> None:
    done = dcalab("cluster", "status")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The cluster is ready." in done.stdout
    assert re.search(r"registry +running +docker 20\.10\.\S+; not in a swarm", done.stdout), done.stdout
    assert re.search(r"^ok engine +running +\S+ \(", done.stdout, re.MULTILINE), done.stdout  # the engine used


def test_the_engine_is_reached_through_a_docker_context_as_the_cli_reaches_it(embedded: EmbeddedCluster,
                                                                             tmp_path, monkeypatch) -> None:
    """Issue 28, item 4 on the real engine: a context the docker CLI made (naming this engine's socket) is what
    status names, and a grade through it (docker exec through the context, no nsenter) is the same grade."""
    config = tmp_path / "docker-config"
    made = subprocess.run(["docker", "context", "create", "lab-engine", "--docker", "host=unix:///var/run/docker.sock"],
                          env={**os.environ, "DOCKER_CONFIG": str(config)}, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.setenv("DOCKER_CONTEXT", "lab-engine")
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    done = dcalab("cluster", "status")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^ok engine +running +unix:///var/run/docker\.sock \(context lab-engine, from DOCKER_CONTEXT\)$",
                     done.stdout, re.MULTILINE), done.stdout
    graded = run_lab("grade", "swarm_join")
    assert graded["swarm-join"]["verdict"] in ("PASS", "FAIL"), graded  # graded, not ENV-ERROR
    monkeypatch.setenv("DOCKER_CONTEXT", "no-such-context")
    done = dcalab("cluster", "status")
    assert done.returncode == 1 and "The docker context no-such-context (DOCKER_CONTEXT) does not exist" in done.stderr
    assert "docker context ls" in done.stderr and "Traceback" not in done.stderr


def test_a_lab_start_whose_base_image_fails_leaves_the_nodes_as_they_were(pristine: EmbeddedCluster,
                                                                          monkeypatch) -> None:
    """Issue 28: nothing removed before its replacement is ready (a mirror that does not answer breaks the base)."""
    ours = {"label": f"{CLUSTER_LABEL}=embedded"}
    before = {c.name: c.id for c in pristine.client.containers.list(all=True, filters=ours)}
    nowhere = "http://127.0.0.1:9/debian"
    # undone at the end of the block: the fixture's own teardown (the registry lab's start) runs before the
    # test's monkeypatch is undone (an autouse fixture made that monkeypatch first)
    with monkeypatch.context() as patched:
        patched.setenv("DCALAB_DEBIAN_MIRROR", nowhere)  # a new base to make, from a mirror that does not answer
        with pytest.raises(DcalabError, match=re.escape(f"debootstrap of Debian bookworm from {nowhere} failed")):
            start_lab(pristine, find_lab("registry"))
    assert {c.name: c.id for c in pristine.client.containers.list(all=True, filters=ours)} == before
    assert pristine.host("master").check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "active"


def test_up_on_a_running_cluster_changes_nothing(embedded: EmbeddedCluster) -> None:
    before = {c.name: c.id for c in embedded.client.containers.list(filters={"label": CLUSTER_LABEL})}
    node_ids = sorted(entry["ID"] for entry in node_list(embedded.host("master")))
    embedded.up()
    assert {c.name: c.id for c in embedded.client.containers.list(filters={"label": CLUSTER_LABEL})} == before
    assert sorted(entry["ID"] for entry in node_list(embedded.host("master"))) == node_ids


def test_up_repairs_a_node_removed_by_hand_and_keeps_learner_work(pristine: EmbeddedCluster) -> None:
    master, registry = pristine.host("master"), pristine.host("registry")
    token = master.check_output("docker swarm join-token -q worker")
    registry.check_output(f"docker swarm join --token {token} 10.10.10.100:2377")  # the learner's task 1
    pristine.client.containers.get("dcalab-worker1").remove(force=True)
    pristine.client.containers.get("dcalab-worker2").stop(timeout=1)

    broken = {report.name: report for report in pristine.status()}
    assert broken["worker1"].state == "missing" and "dcalab cluster up" in broken["worker1"].problems[0]
    assert broken["worker2"].state == "exited"
    assert dcalab("cluster", "status").returncode == 1

    pristine.up()  # worker1 comes back as a new node (outside the swarm: `dcalab lab start` re-forms it)
    assert all(report.healthy for report in pristine.status())
    ready = {entry["Hostname"] for entry in node_list(pristine.host("master")) if entry["Status"] == "Ready"}
    assert {"worker2.docker-dca.example", "registry.docker-dca.example"} <= ready


def test_status_names_a_stopped_docker_inside_a_node(pristine: EmbeddedCluster) -> None:
    pristine.host("worker2").check_output("systemctl stop docker.socket docker.service")
    report = next(r for r in pristine.status() if r.name == "worker2")
    assert "Docker is not running inside it" in report.problems[0]


def test_shell_opens_a_root_shell_on_a_node(embedded: EmbeddedCluster) -> None:
    shell = terminal.spawn(sys.executable, ["-m", "dcalab", "shell", "master"], timeout=30, encoding="utf-8")
    shell.sendline("echo I am $(id -un) on $(hostname -f)")
    shell.expect("I am root on master.docker-dca.example")
    shell.sendline("exit")
    shell.expect(pexpect.EOF)


def test_down_keeps_only_the_hubs_filled_storage_and_purge_leaves_nothing(embedded: EmbeddedCluster) -> None:
    """The last cluster's down (the default cluster alone here; named clusters of others on a shared engine keep
    the shared parts, and then only the default cluster's own must go)."""
    client = embedded.client

    def left() -> tuple[set[str], set[str], set[str]]:
        """The embedded containers, volumes and networks of the default cluster, and what all clusters share."""
        def ours(labels: dict) -> bool:
            return labels.get(CLUSTER_LABEL) == "embedded" and not labels.get(NAME_LABEL)
        return ({c.name for c in client.containers.list(all=True) if ours(c.labels)},
                {v.name for v in client.volumes.list() if ours(v.attrs.get("Labels") or {})},
                {n.name for n in client.networks.list() if ours(n.attrs.get("Labels") or {})})

    others = {c.labels[NAME_LABEL] for c in client.containers.list(all=True, filters={"label": NAME_LABEL})} - {""}
    shared = ({hub.HUB_CONTAINER}, {hub.HUB_VOLUME, hub.SEEDED_VOLUME}, {topology().network}) if others else (
        set(), {hub.HUB_VOLUME, hub.SEEDED_VOLUME}, set())
    filled = client.volumes.get(hub.HUB_VOLUME).attrs["CreatedAt"]
    snapshots = {volume.name for volume in client.volumes.list(filters={"label": KEY_LABEL})}
    assert snapshots  # the registry lab's start, recorded by the session's first start
    embedded.down()
    assert left() == shared, others
    assert snapshots <= {volume.name for volume in client.volumes.list(filters={"label": KEY_LABEL})}  # kept
    start_registry(embedded)  # a cold start: the hub comes back on the storage it had, not filled again
    assert client.volumes.get(hub.HUB_VOLUME).attrs["CreatedAt"] == filled
    assert embedded.host("worker1").run("docker pull -q busybox").rc == 0
    purged = dcalab("cluster", "down", "--purge")
    assert purged.returncode == 0, purged.stderr
    assert left() == (shared if others else (set(), set(), set())), others
    if not others:  # the lab's range free again: a network of someone else's there is refused, named
        assert hub.HUB_VOLUME not in {volume.name for volume in client.volumes.list()}
        assert not client.volumes.list(filters={"label": KEY_LABEL})  # every start snapshot removed too
        assert not client.images.list(filters={"label": KEY_LABEL})
        foreign = client.networks.create("not-dcalab-test", ipam={"Config": [{"Subnet": topology().subnet}]})
        try:
            with pytest.raises(DcalabError, match="already used by the Docker network not-dcalab-test"):
                embedded.up()
        finally:
            foreign.remove()
    start_registry(embedded)
    assert pristine_violations(embedded) == []


def test_lab_start_makes_the_nodes_anew_and_applies_the_start(embedded: EmbeddedCluster) -> None:
    embedded.host("worker1").check_output("echo '{}' > /etc/docker/daemon.json")
    done = dcalab("lab", "start", "registry")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"The lab registry is ready, on nodes made anew( from its start snapshot)?, in ", done.stdout)
    assert pristine_violations(embedded) == []
