"""The fast path grades exactly like the slow one: the same cluster states graded through the
persistent shell (cold, then warm with the prefetch plan) and through one docker exec per command."""

from __future__ import annotations

from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import run_lab
from tests.pristine import start_registry

REGISTRY = "registry.docker-dca.example:5000"


def grade_three_ways() -> dict[str, dict]:
    cold, warm = run_lab("grade", "", "--lab-transport=shell"), run_lab("grade", "", "--lab-transport=shell")
    slow = run_lab("grade", "", "--lab-transport=exec")
    assert cold == warm == slow
    return slow


def test_shell_and_exec_transports_agree_on_every_state(pristine: EmbeddedCluster) -> None:
    assert {entry["verdict"] for entry in grade_three_ways().values()} == {"FAIL", "BLOCKED"}

    run_lab("solve", "daemon_json or registry_running")
    pristine.host("registry").check_output(
        f"docker pull -q mysql:5.7 && docker tag mysql:5.7 {REGISTRY}/mysql && docker push {REGISTRY}/mysql")
    partial = grade_three_ways()
    assert partial["registry-running"]["verdict"] == "PASS" and partial["batch-mirror"]["verdict"] == "FAIL"

    start_registry(pristine)
    run_lab("solve")
    assert {entry["verdict"] for entry in grade_three_ways().values()} == {"PASS"}
