"""The ssh backend on the real cluster: the embedded nodes reached over SSH grade and solve exactly as
they do through docker exec; a missing config or an unreachable node gets one clear sentence."""

from __future__ import annotations

import pytest

from dcalab.backends import get_cluster
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.errors import DcalabError
from tests.labrun import run_lab


@pytest.fixture
def ssh_config(pristine: EmbeddedCluster, tmp_path) -> str:
    path = tmp_path / "lab.ssh"
    path.write_text(pristine.ssh_config())
    return f"--lab-ssh-config={path}"


def test_the_lab_solves_and_grades_over_ssh_like_embedded(pristine: EmbeddedCluster, ssh_config: str) -> None:
    over_ssh = run_lab("grade", "", "--cluster=ssh", ssh_config)
    assert over_ssh == run_lab("grade")
    assert {entry["verdict"] for entry in over_ssh.values()} == {"FAIL", "BLOCKED"}
    solved = run_lab("solve", "", "--cluster=ssh", ssh_config)
    assert {entry["verdict"] for entry in solved.values()} == {"PASS"}
    assert run_lab("grade", "", "--cluster=ssh", ssh_config, "--lab-transport=exec") == run_lab("grade")


def test_an_unreachable_ssh_node_is_env_error_naming_it(pristine: EmbeddedCluster, ssh_config: str) -> None:
    pristine.client.containers.get("dcalab-worker1").stop(timeout=1)
    graded = run_lab("grade", "daemon_json", "--cluster=ssh", ssh_config)
    assert graded["daemon-json"]["verdict"] == "ENV-ERROR"
    assert "cannot reach worker1" in graded["daemon-json"]["output"]


def test_the_ssh_backend_without_a_config_says_how_to_give_one(monkeypatch) -> None:
    monkeypatch.delenv("DCALAB_SSH_CONFIG", raising=False)
    with pytest.raises(DcalabError, match="needs an ssh_config file") as raised:
        get_cluster("ssh")
    assert "--lab-ssh-config FILE" in raised.value.fix and "dcalab cluster ssh-config" in raised.value.fix
