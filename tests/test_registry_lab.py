"""The registry lab on the real cluster: every task fails on pristine, passes after solve; solve is
idempotent; grade is read-only; each learner mistake gets the right failing task and hint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect

from checks import retried
from dcalab import labrun
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import load_lab
from tests import terminal
from tests.labrun import LAB, ROOT, fingerprint, run_lab
from tests.pristine import start_registry

TASKS = [task.id for task in load_lab(LAB).tasks]
REGISTRY = "registry.docker-dca.example:5000"
WRITE_DAEMON_JSON = f"""echo '{{"insecure-registries": ["{REGISTRY}"]}}' > /etc/docker/daemon.json"""


def assert_every_task_passes(tasks: dict[str, dict]) -> None:
    """Every task of the lab PASS; the output of those that did not, when one did not."""
    assert {task: entry["verdict"] for task, entry in tasks.items()} == dict.fromkeys(TASKS, "PASS"), "\n".join(
        entry["output"] for entry in tasks.values() if entry["verdict"] != "PASS")


def test_pristine_fails_every_task_read_only(pristine: EmbeddedCluster) -> None:
    before = fingerprint(pristine)
    graded = run_lab("grade")
    assert fingerprint(pristine) == before
    assert [graded[task]["verdict"] for task in TASKS] == ["FAIL"] * 3 + ["BLOCKED"] * 5
    assert all(entry["score"] == 0 for entry in graded.values())
    for task in TASKS[3:]:  # graded alone: the full run's verdict, its own checks failing with a hint
        alone = run_lab("grade", select=task.replace("-", "_"))
        assert list(alone) == [task]
        assert alone[task]["verdict"] == "BLOCKED", alone[task]["output"]
        assert alone[task]["score"] == 0, "a sub-check passed on the pristine cluster"
        assert "hint:" in alone[task]["output"] and "first." in alone[task]["output"]


def test_solve_passes_everything_idempotently_and_grade_is_read_only(pristine: EmbeddedCluster) -> None:
    solved = run_lab("solve")
    assert_every_task_passes(solved)
    after_solve = fingerprint(pristine)
    graded = run_lab("grade")
    assert all(entry["verdict"] == "PASS" for entry in graded.values())
    assert fingerprint(pristine) == after_solve
    run_lab("solve")
    assert fingerprint(pristine) == after_solve, "a second solve changed the cluster"


def test_solve_keeps_the_learners_daemon_json_keys(pristine: EmbeddedCluster) -> None:
    worker1 = pristine.host("worker1")
    worker1.check_output(
        """echo '{"log-level": "warn", "insecure-registries": ["other:5000"]}' > /etc/docker/daemon.json"""
    )
    assert run_lab("solve", select="daemon_json")["daemon-json"]["verdict"] == "PASS"
    kept = worker1.check_output("jq -c . /etc/docker/daemon.json")
    assert kept == f'{{"log-level":"warn","insecure-registries":["other:5000","{REGISTRY}"]}}'


def test_daemon_json_written_but_docker_not_restarted(pristine: EmbeddedCluster) -> None:
    for node in ("master", "worker1", "worker2", "registry"):
        pristine.host(node).check_output(WRITE_DAEMON_JSON)
    entry = run_lab("grade", select="daemon_json")["daemon-json"]
    assert entry["verdict"] == "FAIL" and entry["score"] == 3
    assert "daemon-loaded (0/2)" in entry["output"] and "only when it starts" in entry["output"]
    assert "systemctl" not in entry["output"]  # the first hint names the concept, not the command
    full = run_lab("grade", "daemon_json", "--hints", "full")["daemon-json"]["output"]
    assert "systemctl restart docker" in full


def test_daemon_json_only_on_master_and_a_trailing_comma_on_worker1(pristine: EmbeddedCluster) -> None:
    pristine.host("master").check_output(WRITE_DAEMON_JSON + " && systemctl restart docker")
    pristine.host("worker1").check_output(
        f"""printf '{{\\n  "insecure-registries": ["{REGISTRY}"],\\n}}\\n' > /etc/docker/daemon.json"""
    )
    output = run_lab("grade", select="daemon_json")["daemon-json"]["output"]
    assert "found on worker1: /etc/docker/daemon.json line 3 column 1: Expecting property name" in output
    assert "found on worker2: there is no /etc/docker/daemon.json" in output
    assert "found on registry: there is no /etc/docker/daemon.json" in output
    assert "found on master" not in output.split("daemon-loaded")[0]
    assert "not only on master" in output


def test_registry_on_port_5001_without_a_volume(pristine: EmbeddedCluster) -> None:
    pristine.host("registry").check_output(
        "docker run -d --name registry -p 5001:5000 --tmpfs /var/lib/registry registry:2"
    )
    output = run_lab("grade", select="registry_running")["registry-running"]["output"]
    assert "found: publishes 5000/tcp on host port 5001" in output
    assert "found: /var/lib/registry is a tmpfs" in output
    assert "running (" not in output  # it runs: that sub-check passed


def test_wrong_pushes_and_a_manager_join(pristine: EmbeddedCluster) -> None:
    run_lab("solve", select="daemon_json or registry_running")
    registry, master = pristine.host("registry"), pristine.host("master")
    token = master.check_output("docker swarm join-token -q manager")
    registry.check_output(f"docker swarm join --token {token} 10.10.10.100:2377")
    registry.check_output(
        f"docker pull -q mysql:5.7 && docker tag mysql:5.7 {REGISTRY}/mysql && docker push {REGISTRY}/mysql"
    )
    registry.check_output("docker pull -q alpine")
    assert registry.run("docker push alpine").rc != 0  # untagged: goes to Docker Hub, which refuses it
    graded = run_lab("grade")
    assert "registry.docker-dca.example is a manager" in graded["swarm-join"]["output"]
    assert graded["push-alpine"]["verdict"] == "FAIL"
    assert (
        "not found" in graded["push-alpine"]["output"]
        and "a name without them means Docker Hub" in graded["push-alpine"]["output"]
    )
    assert 'found: mysql with tags ["latest"]' in graded["batch-mirror"]["output"]
    assert "mysql:5.7" in graded["batch-mirror"]["output"]


def test_equivalent_solutions_pass_a_swarm_service_and_a_push_through_localhost(pristine: EmbeddedCluster) -> None:
    run_lab("solve", "swarm_join or daemon_json")
    master, registry = pristine.host("master"), pristine.host("registry")
    master.check_output(  # Docker's own docs run the registry as a service; no routing mesh here: host mode
        "docker service create -d --name registry --constraint node.hostname==registry.docker-dca.example "
        "--publish mode=host,published=5000,target=5000 registry:2")
    registry.check_output(retried("curl -sf localhost:5000/v2/", 60))
    registry.check_output("docker pull -q alpine && docker tag alpine localhost:5000/alpine && "
                          "docker push localhost:5000/alpine")
    graded = run_lab("grade")
    for task in ("registry-running", "push-alpine", "catalog", "storage-layout"):
        assert graded[task]["verdict"] == "PASS", graded[task]["output"]


def test_a_registry_listening_on_another_port_inside_passes_when_it_answers_on_5000(pristine: EmbeddedCluster) -> None:
    """Grade outcomes, not typed flags: -p 5000:6000 with the registry listening on 6000 is a registry on 5000."""
    pristine.host("registry").check_output(
        "docker run -d --name registry -p 5000:6000 -e REGISTRY_HTTP_ADDR=0.0.0.0:6000 registry:2")
    solved = run_lab("solve")
    assert_every_task_passes(solved)
    assert "0.0.0.0:5000->6000/tcp" in pristine.host("registry").check_output("docker ps --format '{{.Ports}}'")
    assert run_lab("grade", "registry_running")["registry-running"]["verdict"] == "PASS"


def test_a_worker_that_left_is_not_ready_though_master_still_lists_it(pristine: EmbeddedCluster) -> None:
    run_lab("solve", select="swarm_join")
    pristine.host("worker2").check_output("docker swarm leave")
    entry = run_lab("grade", select="swarm_join")["swarm-join"]
    assert entry["verdict"] == "FAIL", entry["output"]
    assert "not in this swarm by their own docker: worker2.docker-dca.example (inactive)" in entry["output"]


def test_nodes_without_the_labs_start_are_said_so_by_solve_and_grade(pristine: EmbeddedCluster) -> None:
    """After `dcalab cluster up` the nodes are bare (no swarm): a solve stops there in one line with the command
    that starts the lab, instead of the daemon's "This node is not a swarm manager"; a grade says it too."""
    pristine.recreate_nodes()
    solved = labrun.run_lab(LAB, "--lab-mode=solve", "-k", "swarm_join or catalog")
    assert "This node is not a swarm manager" not in solved.output, solved.output
    for task in ("swarm-join", "catalog"):
        assert solved.tasks[task]["verdict"] in ("FAIL", "BLOCKED"), solved.output
        assert "not started for the lab registry: run dcalab lab start registry" in solved.tasks[task]["output"]
    graded = labrun.run_lab(LAB, "-k", "swarm_join")
    assert "These nodes were not started for the lab registry: run dcalab lab start registry." in graded.output
    start_registry(pristine)
    assert "not started" not in labrun.run_lab(LAB, "-k", "swarm_join").output


def test_a_start_on_a_terminal_asks_before_removing_the_work_done_since_the_last_start(
        pristine: EmbeddedCluster, tmp_path: Path) -> None:
    """Work done since the registry lab's start (a registry running): `dcalab lab start` on a terminal names the lab
    whose work it would remove and asks; no changes nothing. Unchanged nodes, --yes, or no terminal: no question."""
    run_lab("solve", select="registry_running")
    before = fingerprint(pristine)
    env = {**os.environ, "DCALAB_HISTORY": str(tmp_path / "history.sqlite3")}

    def start(*args: str) -> pexpect.spawn:
        return terminal.spawn(sys.executable, ["-m", "dcalab", "lab", "start", *args], cwd=str(ROOT), env=env,
                              encoding="utf-8", timeout=120)

    asked = start("orchestration")
    asked.expect_exact("The nodes hold your work on the lab registry since its start (not graded). Starting a lab "
                       "removes it. Go on? [y/N] ")
    asked.sendline("n")
    asked.expect_exact("Nothing changed. Start it when you are done: dcalab lab start orchestration")
    asked.expect(pexpect.EOF)
    asked.close()
    assert asked.exitstatus == 1 and fingerprint(pristine) == before
    start_registry(pristine)
    unchanged = start("registry")
    assert unchanged.expect(["Go on?", "The lab registry is ready"]) == 1
    unchanged.expect(pexpect.EOF)
    run_lab("solve", select="registry_running")
    quiet = subprocess.run([sys.executable, "-m", "dcalab", "lab", "start", "registry"], cwd=ROOT, env=env,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert quiet.returncode == 0 and "Go on?" not in quiet.stdout, quiet.stdout + quiet.stderr
