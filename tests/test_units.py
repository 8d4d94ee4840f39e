"""Pure functions: capability masks, topology, engine errors, progress output."""

from __future__ import annotations

import ipaddress
import json

import pytest

from checks import redact
from dcalab import engine, progress, runc_wrapper
from dcalab.errors import DcalabError
from dcalab.grading import BLOCKED, TaskResult
from dcalab.lab import load_lab
from dcalab.settings import image_source
from dcalab.topology import TOPOLOGY_FILE, topology
from tests.labrun import LAB

SANDBOX_STATUS = "Name:\tx\nCapBnd:\t000001fffeffffff\n"  # CAP_SYS_RESOURCE (bit 24) missing


def test_missing_capabilities_reads_the_bounding_set() -> None:
    assert runc_wrapper.missing_capabilities(SANDBOX_STATUS) == {"CAP_SYS_RESOURCE"}
    assert runc_wrapper.missing_capabilities("CapBnd:\t000001ffffffffff\n") == set()


def test_strip_capabilities_removes_only_the_missing_ones() -> None:
    caps = {"bounding": ["CAP_CHOWN", "CAP_SYS_RESOURCE"], "effective": ["CAP_SYS_RESOURCE"]}
    assert runc_wrapper.strip_capabilities(caps, {"CAP_SYS_RESOURCE"}) == {"bounding": ["CAP_CHOWN"], "effective": []}


def test_wrapper_patches_a_bundle_spec(tmp_path, monkeypatch) -> None:
    spec = {"process": {"capabilities": {"bounding": ["CAP_KILL", "CAP_SYS_RESOURCE"]}}}
    (tmp_path / "config.json").write_text(json.dumps(spec))
    runc_wrapper._patch(str(tmp_path / "config.json"), ("process", "capabilities"), {"CAP_SYS_RESOURCE"})
    assert json.loads((tmp_path / "config.json").read_text())["process"]["capabilities"] == {"bounding": ["CAP_KILL"]}


def test_topology_matches_the_seed() -> None:
    topo = topology()
    assert topo.manager.ip == "10.10.10.100" and topo.swarm_port == 2377
    assert [node.fqdn for node in topo.nodes] == [
        f"{name}.docker-dca.example" for name in ("master", "worker1", "worker2", "registry")
    ]
    addresses = [node.ip for node in topo.nodes] + [topo.hub_ip, topo.gateway]
    assert len(set(addresses)) == len(addresses)
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network(topo.subnet) for ip in addresses)
    assert json.loads(TOPOLOGY_FILE.read_text())["nodes"][0]["name"] == "master"
    with pytest.raises(KeyError, match="the nodes are master, worker1, worker2, registry"):
        topo.node("wroker1")


def test_unreachable_docker_host_is_one_clear_sentence(monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(DcalabError, match="does not answer") as raised:
        engine.ensure_engine()
    assert "unset DOCKER_HOST" in raised.value.fix


def test_not_root_without_engine_says_what_to_do(monkeypatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setattr(engine, "answering_client", lambda: None)
    monkeypatch.setattr(engine.os, "geteuid", lambda: 1000)
    with pytest.raises(DcalabError, match="only when run as root") as raised:
        engine.ensure_engine()
    assert "sudo dcalab cluster up" in raised.value.fix


def test_missing_packages_as_non_root_name_the_apt_command(monkeypatch) -> None:
    monkeypatch.setattr(engine.os, "geteuid", lambda: 1000)
    with pytest.raises(DcalabError, match="sudo apt-get install no-such-pkg"):
        engine.ensure_packages({"/nonexistent/tool": "no-such-pkg"})


def test_progress_is_silent_when_not_a_tty(capsys) -> None:
    with progress.step("Building something"):
        pass
    assert capsys.readouterr().err == ""


def test_an_unknown_image_source_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_IMAGES", "quay")
    with pytest.raises(DcalabError, match="not an image source") as raised:
        image_source()
    assert "offline, dockerhub" in raised.value.fix


def test_join_tokens_never_reach_a_report() -> None:
    token = "SWMTKN-1-5uadpu9vr0rcq1hbjtzv7exb34vyreuc9l4gkgggg0y1x0c471-75b4qqhg4ez89w5h49x0dwdz3"
    assert token not in redact(f"docker swarm join --token {token} 10.10.10.100:2377")
    result = TaskResult(load_lab(LAB).task("swarm-join"), BLOCKED, reason=f"`join --token {token}` failed")
    assert token not in result.describe() and "SWMTKN-(hidden)" in result.describe()
