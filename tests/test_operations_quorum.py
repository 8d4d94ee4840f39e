"""The operations lab from its start on the real cluster. The quorum task: the lost managers stay lost when their
docker starts again; learner mistakes in the recovery each fail the right check, with a hint naming the mistake. The
start-on-boot task: docker started but not enabled fails, plain and after a reboot (pytest LAB --lab-reboot)."""

from __future__ import annotations

import pytest

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.grading import AFTER_REBOOT, FAIL
from tests.labrun import check_lines, run_lab, sh
from tests.quorum_states import OPERATIONS_LAB, initialised_anew, rejoined_as_worker

pytestmark = pytest.mark.any_cluster  # its lab's start on the session's cluster, named or not (.ci/cluster-session)

LAB = OPERATIONS_LAB.folder


def graded_quorum(*options: str) -> dict:
    return run_lab("grade", "quorum", *options, lab=LAB)["quorum"]


def test_restarting_docker_on_the_lost_managers_brings_no_quorum_back(started: EmbeddedCluster) -> None:
    for node in ("worker1", "worker2"):
        sh(started, node, "systemctl reset-failed docker; systemctl restart docker")
    graded = graded_quorum()
    assert graded["verdict"] == "FAIL" and graded["score"] == 0, graded["output"]
    assert "worker1 is in no swarm; worker2 is in no swarm" in check_lines(graded["output"], "three-managers")


def test_docker_started_but_not_enabled_fails_start_on_boot_plain_and_after_a_reboot(
        started: EmbeddedCluster) -> None:
    """The plain grade already reads `enabled`; after a reboot the disabled docker is not running either. The
    reboot's wait is bounded: a docker that never comes back is graded, not waited for."""
    sh(started, "registry", "systemctl start docker")  # the start disabled and stopped it: started, not enabled
    plain = run_lab("grade", "start_on_boot", lab=LAB)["start-on-boot"]
    assert plain["verdict"] == FAIL and "docker.service is disabled" in check_lines(plain["output"], "enabled")
    assert "  running (" not in plain["output"] and AFTER_REBOOT not in plain["output"]  # docker runs now

    rebooted = run_lab("grade", "start_on_boot", "--lab-reboot", lab=LAB)["start-on-boot"]
    assert rebooted["verdict"] == FAIL, rebooted["output"]
    assert "docker.service is disabled" in check_lines(rebooted["output"], "enabled")
    assert "docker.service is inactive" in check_lines(rebooted["output"], "running")
    assert AFTER_REBOOT in rebooted["output"]


def test_a_manager_rejoined_as_a_worker_fails_the_managers_check_naming_it(started: EmbeddedCluster) -> None:
    # from the module's start: the tests before this one restart docker where the start stopped it, and the
    # registry node, nothing more
    rejoined_as_worker(started)
    graded = graded_quorum("--hints", "full")
    assert graded["verdict"] == "FAIL", graded["output"]
    assert graded["score"] == 5, graded["output"]  # one leader (2) and the services kept (3), not the managers
    own = check_lines(graded["output"], "three-managers")
    assert "worker2 is a worker" in own and "worker1 reachable" in own and "docker node promote" in own, own


def test_a_swarm_initialised_anew_fails_the_services_check_saying_they_and_the_secret_are_gone(
        started: EmbeddedCluster) -> None:
    for node in ("worker1", "worker2"):  # out of the swarm the test before recovered, as the lab's start has them
        sh(started, node, "docker swarm leave --force")
    initialised_anew(started)
    graded = graded_quorum()
    assert graded["score"] == 5, graded["output"]  # one leader and three managers: a swarm, but not the one it was
    own = check_lines(graded["output"], "services-kept")
    assert "the swarm holds none of them" in own and "nor the secret api_key" in own, own
    assert "initialised anew starts empty" in own, own
