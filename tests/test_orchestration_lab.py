"""The orchestration lab on the real cluster: the start's own findings; equivalent solutions pass; learner mistakes,
applied together to one solved cluster, each fail the right check with a hint naming the mistake; a paused node is
ENV-ERROR. That every check fails at the lab's start and passes after solve, that grade is read-only and a second
solve changes nothing, .ci/check-the-checkers checks."""

from __future__ import annotations

import pytest

from checks import retried
from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import (
    ROOT,
    assert_equivalents_pass_and_mistakes_fail,
    check_lines,
    paused,
    run_lab,
)

pytestmark = pytest.mark.any_cluster  # its lab's start on the session's cluster, named or not (.ci/cluster-session)

LAB = ROOT / "labs" / "orchestration"


def run(mode: str = "grade", select: str = "", *options: str) -> dict[str, dict]:
    return run_lab(mode, select, *options, lab=LAB)


def test_the_start_fails_each_task_with_its_own_finding(started: EmbeddedCluster) -> None:
    graded = run("grade")
    # a service that cannot converge is FAIL with its tasks' own error, not a hang
    assert "no suitable node (scheduling constraints not satisfied" in graded["troubleshoot"]["output"]


EQUIVALENTS = {  # task -> another way to the same state, applied on master to the solved lab
    "placement": ["docker service update -q --constraint-rm node.labels.zone==east "
                  "--constraint-add 'node.labels.zone == east' east"],
    "node-operations": [retried("docker node demote registry.docker-dca.example", 5),
                        retried("docker node update --role manager registry.docker-dca.example", 5)],
    "secrets-configs": ["docker service update -q --secret-rm db_password "
                        "--secret-add source=db_password,target=/run/secrets/db_password,mode=0400 app"],
    "troubleshoot": ["docker node update --label-add tier=frontend worker1.docker-dca.example",
                     "docker service update -q --constraint-add node.labels.tier==frontend broken"],
    "autolock": ["{ echo 'To unlock a swarm manager after it restarts, run docker swarm unlock and give it:'; "
                 "docker swarm unlock-key -q; } > /root/unlock.key"],
}

MISTAKES = [  # (command on master, task, check that fails, words its finding or hint must show)
    ("docker service update -d --replicas 2 web", "web-host-mode", "three-replicas", "2 replicas asked for"),
    # each update asked again while the swarm still applies the one before ("update out of sequence")
    (f"{retried('docker service update -d --publish-rm mode=host,published=8080,target=80 web', 10)} && "
     f"{retried('docker service update -d --publish-add published=8080,target=80 web', 10)}", "web-host-mode",
     "host-mode-8080", "ingress mode"),
    ("docker service rm agent && docker service create -d -q --name agent --replicas 3 busybox sleep 1d",
     "global-agent", "global", "is a replicated service"),
    ("docker service update -d --constraint-rm 'node.labels.zone == east' "
     "--constraint-add node.hostname==worker1.docker-dca.example east", "placement", "label-constraint",
     "constraints: node.hostname==worker1.docker-dca.example"),
    ("docker service update -d --hostname '{{.Node.Hostname}}' hosts", "templates", "template",
     "'{{.Node.Hostname}}'"),
    ("docker service update -d --update-failure-action pause shop", "rolling-update", "update-policy",
     "failure action pause"),
    ("docker service update -d --secret-rm db_password --secret-add source=db_password,target=db_password app",
     "secrets-configs", "secret-mode-0400", "with mode 0444"),
    ("docker stack rm blog && docker stack deploy -c /root/blog/docker-compose.yml blog2", "stack",
     "deployed-as-blog", "no service blog_web"),
    # (a node update asked while the swarm still applies the one before: "update out of sequence")
    (f"{retried('docker node update --availability active worker2.docker-dca.example', 10)} && "
     f"{retried('docker node update --availability drain registry.docker-dca.example', 10)}", "node-operations",
     "worker2-drained", "worker2.docker-dca.example is active"),
    (retried("docker node demote worker1.docker-dca.example", 5), "node-operations", "three-managers", "2 manager(s)"),
    ("docker service rm broken && docker service create -d -q --name broken --replicas 2 nginx:1.25",
     "troubleshoot", "fixed-in-place", "a new service named broken"),
    ("docker swarm unlock-key --rotate -q >/dev/null", "autolock", "key-saved",
     "does not hold the current unlock key"),
    ("docker swarm update --cert-expiry 2160h", "rotate-credentials", "cert-expiry-30-days", "valid for 2160 h"),
]


def test_equivalent_solutions_pass_and_each_mistake_fails_its_own_check(started: EmbeddedCluster) -> None:
    equivalents = [command for commands in EQUIVALENTS.values() for command in commands]
    assert_equivalents_pass_and_mistakes_fail(started, LAB, equivalents, MISTAKES)


def test_a_paused_node_is_env_error_for_the_tasks_that_read_it(started: EmbeddedCluster) -> None:
    with paused(started, "worker2"):
        graded = run("grade", "templates or global_agent", "--lab-timeout=3")
        assert graded["templates"]["verdict"] == "ENV-ERROR" and "worker2" in graded["templates"]["output"]
        assert graded["global-agent"]["verdict"] in {"PASS", "FAIL"}  # it reads master only: graded


def test_docker_down_where_a_task_runs_is_env_error_not_a_missing_file(started: EmbeddedCluster) -> None:
    """secrets-configs looks inside app's running task: with docker stopped on that node it cannot look, which
    is ENV-ERROR naming the node, never "the secret is missing"."""
    if run("grade", "secrets_configs")["secrets-configs"]["verdict"] != "PASS":
        solved = run("solve", "secrets_configs")["secrets-configs"]
        assert solved["verdict"] == "PASS", solved["output"]  # a solve fixes a mistake in place
    master, worker = started.host("master"), started.host("worker1")
    on_worker1 = "node.hostname==worker1.docker-dca.example"
    master.check_output(f"docker service update -q --constraint-add {on_worker1} app >/dev/null")
    worker.check_output("systemctl stop docker.socket docker.service")
    try:
        entry = run("grade", "secrets_configs")["secrets-configs"]
        assert entry["verdict"] == "ENV-ERROR", entry["output"]
        assert "Docker is not running on worker1" in entry["output"] and "missing" not in entry["output"]
    finally:
        worker.check_output("systemctl start docker.socket docker.service")
        master.check_output(f"docker service update -d -q --constraint-rm {on_worker1} app >/dev/null")


def test_a_manager_locked_after_a_restart_is_fail_saying_how_to_unlock(started: EmbeddedCluster) -> None:
    """Nothing a locked manager cannot show passes: the rotations (an unread token is not a rotated one) and the
    saved key (the right one here) are FAIL saying the manager is locked."""
    master = started.host("master")
    master.check_output("docker swarm update --autolock=true >/dev/null")
    key = master.check_output("docker swarm unlock-key -q")
    master.check_output("docker swarm unlock-key -q > /root/unlock.key && systemctl restart docker")
    try:
        graded = run("grade", "web_host_mode or rotate_credentials or autolock")
        for task in ("web-host-mode", "rotate-credentials"):
            entry = graded[task]
            assert entry["verdict"] == "FAIL" and entry["score"] == 0, entry["output"]
            assert "swarm is locked (autolock)" in entry["output"] and "docker swarm unlock" in entry["output"]
        key_saved = check_lines(graded["autolock"]["output"], "key-saved")
        assert "master is locked" in key_saved and "docker swarm unlock < /root/unlock.key" in key_saved, key_saved
    finally:
        master.run("printf %s %s | docker swarm unlock", "%s\\n", key)
