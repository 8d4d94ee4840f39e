"""The fault matrix on the real cluster: each row breaks one thing on a solved cluster, grades it,
and checks the verdict, that the grade ended in bounded time and changed nothing, then repairs."""

from __future__ import annotations

import io
import random
import signal
import sys
import tarfile
import time
import uuid

import pexpect
import pytest

from checks.swarm import await_ready
from dcalab.backends.embedded import EXEC_TIMEOUT, EmbeddedCluster
from dcalab.topology import topology
from tests import terminal
from tests.labrun import LAB, ROOT, fingerprint, paused, run_lab
from tests.pristine import REGISTRY_LAB, start_registry

REGISTRY = "registry.docker-dca.example:5000"


@pytest.fixture(scope="module")
def solved(embedded: EmbeddedCluster) -> EmbeddedCluster:
    start_registry(embedded)
    assert {entry["verdict"] for entry in run_lab("solve").values()} == {"PASS"}
    yield embedded
    start_registry(embedded)


def grade_read_only(cluster: EmbeddedCluster, *options: str, limit: float = 30) -> dict[str, dict]:
    before = fingerprint(cluster)
    started = time.monotonic()
    graded = run_lab("grade", "", *options)
    assert time.monotonic() - started < limit, "the grade did not end in bounded time"
    assert fingerprint(cluster) == before, "the grade changed the cluster"
    return graded


def test_docker_stopped_inside_a_node_is_env_error_naming_it(solved: EmbeddedCluster) -> None:
    worker1 = solved.host("worker1")
    worker1.check_output("systemctl stop docker.socket docker.service")
    try:
        graded = run_lab("grade")
        assert graded["daemon-json"]["verdict"] == "ENV-ERROR"
        assert "Docker is not running on worker1." in graded["daemon-json"]["output"]
        assert "systemctl start docker" in graded["daemon-json"]["output"]
        assert graded["registry-running"]["verdict"] == "PASS"
    finally:
        worker1.check_output("systemctl reset-failed docker; systemctl start docker")


def test_broken_daemon_json_that_stops_docker_is_a_fail_and_solve_keeps_a_backup(solved: EmbeddedCluster) -> None:
    worker2 = solved.host("worker2")
    worker2.check_output(f"""printf '{{"insecure-registries": ["{REGISTRY}"],}}' > /etc/docker/daemon.json""")
    assert worker2.run("systemctl reset-failed docker; systemctl restart docker").rc != 0  # dockerd refuses it
    graded = run_lab("grade")
    output = graded["daemon-json"]["output"]
    assert graded["daemon-json"]["verdict"] == "FAIL"
    column = len(f'{{"insecure-registries": ["{REGISTRY}"],') + 1  # where the trailing comma's } stands
    assert f"found on worker2: /etc/docker/daemon.json line 1 column {column}: Expecting property name" in output
    assert ("found on worker2: docker is not running: Docker on worker2 refuses to start: unable to configure the "
            "Docker daemon with file /etc/docker/daemon.json: invalid character") in output
    assert graded["cross-node-pull"]["verdict"] == "FAIL"  # worker2's own state, not the harness's: never ENV-ERROR
    assert "refuses to start" in graded["cross-node-pull"]["output"]

    solved_again = run_lab("solve", "daemon_json")["daemon-json"]
    assert solved_again["verdict"] == "PASS"
    assert "worker2: your daemon.json was not valid JSON" in solved_again["output"]
    assert worker2.check_output("ls /etc/docker/ | grep -c 'daemon.json.broken-'") == "1"


def test_daemon_json_missing_on_one_node_fails_naming_only_that_node(solved: EmbeddedCluster) -> None:
    registry = solved.host("registry")
    registry.check_output("mv /etc/docker/daemon.json /root/daemon.json.moved")
    try:
        output = grade_read_only(solved)["daemon-json"]["output"]
        assert "found on registry: there is no /etc/docker/daemon.json" in output
        assert not any(f"found on {node}" in output for node in ("master", "worker1", "worker2"))
    finally:
        registry.check_output("mv /root/daemon.json.moved /etc/docker/daemon.json")


def test_registry_stopped_is_a_fail_and_solve_restarts_the_same_container(solved: EmbeddedCluster) -> None:
    registry = solved.host("registry")
    before = registry.check_output("docker inspect -f '{{.Id}}' registry")
    registry.check_output("docker stop registry")
    graded = grade_read_only(solved)
    assert graded["registry-running"]["verdict"] == "FAIL"
    assert "found: registry is exited (exit code" in graded["registry-running"]["output"]
    assert run_lab("solve", "registry_running")["registry-running"]["verdict"] == "PASS"
    assert registry.check_output("docker inspect -f '{{.Id}}' registry") == before
    assert run_lab("grade")["catalog"]["verdict"] == "PASS"  # its volume and images were kept


def test_registry_answering_500_is_a_fail_with_the_status(solved: EmbeddedCluster) -> None:
    registry = solved.host("registry")
    data = registry.check_output("docker inspect -f '{{range .Mounts}}{{.Source}}{{end}}' registry")
    v2 = f"{data}/docker/registry/v2"
    registry.check_output(f"mv {v2}/repositories {data}/repositories.aside && touch {v2}/repositories")
    try:
        graded = grade_read_only(solved)
        assert graded["push-alpine"]["verdict"] == "FAIL" and graded["catalog"]["verdict"] == "BLOCKED"
        assert "HTTP 500: the registry failed inside" in graded["push-alpine"]["output"]
        assert "HTTP 500: the registry failed inside" in graded["catalog"]["output"]  # its own finding, with why
        alone = run_lab("grade", "catalog")["catalog"]  # graded on its own, the catalog says the same
        assert alone == graded["catalog"] | {"output": alone["output"]}
        assert "HTTP 500: the registry failed inside" in alone["output"]
    finally:
        registry.check_output(f"rm {v2}/repositories && mv {data}/repositories.aside {v2}/repositories")


def test_node_cut_off_the_network_is_graded_in_bounded_time(solved: EmbeddedCluster) -> None:
    network = solved.client.networks.get("dcalab-lab")
    network.disconnect("dcalab-worker2")
    try:
        graded = grade_read_only(solved, limit=40)
        assert graded["cross-node-pull"]["verdict"] == "FAIL"
        assert "no answer" in graded["cross-node-pull"]["output"]
    finally:
        network.connect("dcalab-worker2", ipv4_address="10.10.10.120",
                        aliases=["worker2.docker-dca.example", "worker2"])
        solved.reconnect()


def test_a_paused_node_is_env_error_and_the_grade_still_ends(solved: EmbeddedCluster) -> None:
    with paused(solved, "worker1"):
        started = time.monotonic()
        graded = run_lab("grade", "", "--lab-timeout=3")  # no fingerprint: a paused node cannot be read
        assert time.monotonic() - started < 20
        assert graded["daemon-json"]["verdict"] == "ENV-ERROR" and "worker1" in graded["daemon-json"]["output"]
        assert "The node is paused: docker unpause dcalab-worker1" in graded["daemon-json"]["output"]
        assert graded["registry-running"]["verdict"] == "PASS"  # the other nodes are graded normally


def test_a_hung_docker_costs_the_timeout_once(solved: EmbeddedCluster) -> None:
    registry = solved.host("registry")
    registry.check_output("pkill -STOP -x dockerd")
    try:
        started = time.monotonic()
        graded = run_lab("grade", "", "--lab-timeout=3")
        assert time.monotonic() - started < 20  # four tasks ask the registry node's docker: one timeout
        assert graded["registry-running"]["verdict"] == "ENV-ERROR"
        assert "registry did not answer within 3 s" in graded["registry-running"]["output"]
    finally:
        registry.check_output("pkill -CONT -x dockerd")


def test_a_hung_docker_is_env_error_over_the_exec_transport_too(solved: EmbeddedCluster) -> None:
    """One docker exec per command keeps the per-command timeout: a hung dockerd is ENV-ERROR, never a hang."""
    registry = solved.host("registry")
    registry.check_output("pkill -STOP -x dockerd")
    try:
        graded = run_lab("grade", "registry_running", "--lab-timeout=3", "--lab-transport=exec")
        assert graded["registry-running"]["verdict"] == "ENV-ERROR"
        assert "registry did not answer within 3 s" in graded["registry-running"]["output"]
    finally:
        registry.check_output("pkill -CONT -x dockerd")


def test_a_hung_docker_in_a_node_holds_cluster_status_at_most_the_exec_timeout(solved: EmbeddedCluster) -> None:
    registry = solved.host("registry")
    registry.check_output("pkill -STOP -x dockerd")
    try:
        started = time.monotonic()
        reports = {report.name: report for report in solved.status()}
        assert time.monotonic() - started < EXEC_TIMEOUT + 10  # docker info in the node is killed, not waited for
        assert not reports["registry"].healthy and reports["master"].healthy
    finally:
        registry.check_output("pkill -CONT -x dockerd")


def test_docker_socket_closed_to_the_grading_user_is_env_error_with_the_fix(solved: EmbeddedCluster) -> None:
    for node in ("master", "worker1", "worker2", "registry"):  # a user that exists, not in the docker group
        solved.host(node).check_output("id learner >/dev/null 2>&1 || useradd -m learner")
    graded = run_lab("grade", "swarm_join", "--lab-user=learner")
    assert graded["swarm-join"]["verdict"] == "ENV-ERROR"
    assert "may not use docker on registry" in graded["swarm-join"]["output"]  # the first node it asks
    assert "usermod -aG docker" in graded["swarm-join"]["output"]


def test_ctrl_c_ends_cleanly_and_records_no_score(solved: EmbeddedCluster, tmp_path) -> None:
    history = tmp_path / "history.sqlite3"
    registry = solved.host("registry")
    registry.check_output("pkill -STOP -x dockerd")  # a slow grade to interrupt
    try:
        grade = terminal.spawn(sys.executable, ["-m", "pytest", str(LAB), "-p", "no:cacheprovider",
                                                "--lab-timeout=30"], cwd=str(ROOT), encoding="utf-8", timeout=60,
                               env={"DCALAB_HISTORY": str(history), "PATH": "/usr/local/bin:/usr/bin:/bin"})
        grade.expect("test_01_swarm_join.py")  # its grader waits on the registry node's docker
        time.sleep(1)
        grade.kill(signal.SIGINT)
        grade.expect(pexpect.EOF)
        grade.close()
        assert "Traceback" not in grade.before and grade.exitstatus == 2  # pytest's "interrupted"
    finally:
        registry.check_output("pkill -CONT -x dockerd")
    assert not history.exists() or "lab registry" not in run_history(history)


def run_history(history) -> str:
    import subprocess

    return subprocess.run([sys.executable, "-m", "dcalab", "history"], capture_output=True, text=True,
                          env={"DCALAB_HISTORY": str(history), "PATH": "/usr/bin:/bin"}).stdout


def scores(graded: dict[str, dict]) -> dict[str, tuple[str, int]]:
    return {task: (entry["verdict"], entry["score"]) for task, entry in graded.items()}


SOLVED = {task.id: ("PASS", task.points) for task in REGISTRY_LAB.tasks}


def test_a_stale_daemon_json_on_one_node_blocks_nothing_that_holds(solved: EmbeddedCluster) -> None:
    """worker1's daemon.json gets a typo after a full solve (its docker still runs the old one): only
    daemon-json fails; every task whose own evidence holds passes, in a full run and graded alone."""
    worker1 = solved.host("worker1")
    worker1.check_output("cp /etc/docker/daemon.json /root/daemon.json.good && "
                         f"""printf '{{\n  "insecure-registries": ["{REGISTRY}"],\n}}\n' > /etc/docker/daemon.json""")
    try:
        expected = {**SOLVED, "daemon-json": ("FAIL", 2)}
        assert scores(grade_read_only(solved)) == expected
        for task in ("daemon-json", "push-alpine", "catalog", "cross-node-pull"):
            assert scores(run_lab("grade", task.replace("-", "_"))) == {task: expected[task]}
    finally:
        worker1.check_output("mv /root/daemon.json.good /etc/docker/daemon.json")


@pytest.mark.parametrize("transport", ["shell", "exec"])
def test_a_daemon_json_in_latin1_is_graded_never_env_error(solved: EmbeddedCluster, transport: str) -> None:
    """worker1's daemon.json holds a Latin-1 byte (é): with a trailing comma it fails naming worker1 alone; valid
    apart from its encoding it passes, as dockerd reads it (Go's JSON decoder replaces bytes that are not UTF-8).
    Its docker keeps running the solved configuration meanwhile. Both transports decode alike."""
    worker1 = solved.host("worker1")
    worker1.check_output("cp /etc/docker/daemon.json /root/daemon.json.good")
    latin1 = '{"insecure-registries": ["' + REGISTRY + '"], "labels": ["caf\\351=1"]%s}\\n'
    try:
        worker1.check_output(f"printf '{latin1 % ','}' > /etc/docker/daemon.json")
        assert worker1.check_output("od -An -tx1 /etc/docker/daemon.json").split().count("e9") == 1
        graded = grade_read_only(solved, f"--lab-transport={transport}")
        assert scores(graded) == {**SOLVED, "daemon-json": ("FAIL", 2)}
        output = graded["daemon-json"]["output"]
        assert "found on worker1: /etc/docker/daemon.json line 1 column" in output
        assert not any(f"found on {node}" in output for node in ("master", "worker2", "registry"))

        worker1.check_output(f"printf '{latin1 % ''}' > /etc/docker/daemon.json")
        assert scores(grade_read_only(solved, f"--lab-transport={transport}")) == SOLVED
    finally:
        worker1.check_output("mv /root/daemon.json.good /etc/docker/daemon.json")


def test_master_stopped_is_env_error_for_exactly_the_tasks_that_read_it(solved: EmbeddedCluster) -> None:
    reads_master = {task.id for task in REGISTRY_LAB.tasks if "master" in task.read_nodes}
    expected = {task: ("ENV-ERROR", 0) if task in reads_master else result for task, result in SOLVED.items()}
    solved.client.containers.get("dcalab-master").stop(timeout=5)
    try:
        graded = run_lab("grade", "", "--lab-timeout=5")
        assert scores(graded) == expected
        assert "cannot reach master" in graded["catalog"]["output"]
        for task in ("catalog", "cross-node-pull"):
            assert scores(run_lab("grade", task.replace("-", "_"), "--lab-timeout=5")) == {task: expected[task]}
    finally:
        solved.up()
        await_ready(solved.host("master"), {node.fqdn for node in topology().nodes})


def test_a_node_that_left_the_swarm_is_a_fail_at_once_and_solve_rejoins_it(solved: EmbeddedCluster) -> None:
    solved.host("registry").check_output("docker swarm leave")  # the manager still lists it Ready for ~40 s
    started = time.monotonic()
    graded = run_lab("grade", "swarm_join")["swarm-join"]
    assert time.monotonic() - started < 10
    assert graded["verdict"] == "FAIL" and "registry-joined (0/2)" in graded["output"]
    assert "registry.docker-dca.example's docker says it is not in a swarm (inactive)" in graded["output"]
    assert run_lab("solve", "swarm_join")["swarm-join"]["verdict"] == "PASS"  # the stale entry is removed too


def test_master_out_of_its_swarm_is_a_fail_not_env_error(solved: EmbeddedCluster) -> None:
    """The learner's state (master left its swarm): docker answers, so it is graded. Last in this module: it
    breaks the swarm, and the module's teardown starts the lab again."""
    solved.host("master").check_output("docker swarm leave --force")
    graded = run_lab("grade", "swarm_join")["swarm-join"]
    assert graded["verdict"] == "FAIL" and graded["score"] == 0
    assert "master is not a swarm manager" in graded["output"] and "dcalab lab start" in graded["output"]


def fuzz_content(rng: random.Random) -> bytes:
    """What a careless or hostile file may hold: random bytes, NUL and control characters, a very long line, and
    text shaped like the shell's own framing markers."""
    marker = f"__dcalab_{uuid.uuid4().hex}_end__ 0\n__dcalab_{uuid.uuid4().hex}_start__\n".encode()
    parts = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))), b"\x00\x1b[2J\x07\r\x7f\x9b",
             b"x" * rng.choice((10, 100_000)), marker, b'{"insecure-registries": ["' + REGISTRY.encode() + b'"]']
    rng.shuffle(parts)
    return b"".join(parts)


def put_file(cluster: EmbeddedCluster, node: str, path: str, content: bytes) -> None:
    """Write bytes as they are (no shell quoting) into a node's file."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        entry = tarfile.TarInfo(path.rsplit("/", 1)[1])
        entry.size = len(content)
        tar.addfile(entry, io.BytesIO(content))
    cluster.client.containers.get(f"dcalab-{node}").put_archive(path.rsplit("/", 1)[0], archive.getvalue())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzzed_files_the_lab_reads_give_pass_or_fail_in_bounded_time(solved: EmbeddedCluster, seed: int) -> None:
    """worker1's daemon.json and the registry's tag link for alpine filled with fuzz: every task is graded PASS or
    FAIL (BLOCKED: a FAIL after a failing prerequisite), the learner's files, never ENV-ERROR or a traceback, in
    bounded time, read-only."""
    rng = random.Random(seed)
    registry = solved.host("registry")
    link = registry.check_output(
        "find /var/lib/docker/volumes -path '*/repositories/alpine/_manifests/tags/latest/current/link' | head -n 1")
    saved = {("worker1", "/etc/docker/daemon.json"): solved.host("worker1").check_output(
        "cat /etc/docker/daemon.json"), ("registry", link): registry.check_output("cat %s", link)}
    try:
        for (node, path) in saved:
            put_file(solved, node, path, fuzz_content(rng))
        graded = grade_read_only(solved, "--lab-timeout=10", limit=60)
        assert {entry["verdict"] for entry in graded.values()} <= {"PASS", "FAIL", "BLOCKED"}, graded
        assert graded["daemon-json"]["verdict"] == "FAIL"
        assert not any("Traceback" in entry["output"] for entry in graded.values())
    finally:
        for (node, path), content in saved.items():
            put_file(solved, node, path, content.encode() + (b"\n" if node == "worker1" else b""))
