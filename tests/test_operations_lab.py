"""The operations lab on the real cluster: the start's own findings; equivalent solutions pass (among them the daemon's
default log driver, journalctl's own line format, a node's full name); learner mistakes, applied together to one
solved cluster, each fail the right check with a hint naming the mistake (among them the answer a warning instead of
the error line, heartbeat left on json-file, edge published through ingress, and the answer that ingress would give:
every node). The quorum task's own states are in tests/test_operations_quorum.py. That every check fails at the
lab's start and passes after solve, that grade is read-only and a second solve changes nothing,
.ci/check-the-checkers checks."""

from __future__ import annotations

import pytest

from checks import retried
from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import (
    ROOT,
    assert_equivalents_pass_and_mistakes_fail,
    check_lines,
    on_nodes,
    run_lab,
)

pytestmark = pytest.mark.any_cluster  # its lab's start on the session's cluster, named or not (.ci/cluster-session)

LAB = ROOT / "labs" / "operations"
DROP_IN = "/etc/systemd/system/docker.service.d/tls.conf"
HEARTBEAT = "sh -c 'while true; do date; sleep 10; done'"


def test_the_start_fails_each_task_with_its_own_finding(started: EmbeddedCluster) -> None:
    graded = run_lab("grade", lab=LAB)
    # docker stopped on the registry node is the task's own state, graded FAIL, never ENV-ERROR
    assert "docker.service is inactive" in check_lines(graded["start-on-boot"]["output"], "running")


EQUIVALENTS = [  # other ways to the same state: (node, command)
    # enabled by hand: the link `systemctl enable` makes
    ("registry", "systemctl disable -q docker.service && ln -s /lib/systemd/system/docker.service "
                 "/etc/systemd/system/multi-user.target.wants/docker.service && systemctl daemon-reload"),
    # an uncompressed tar, started from /var/lib/docker, taken by hand with docker stopped
    ("master", "systemctl stop docker && (cd /var/lib/docker && tar -cf /root/backups/swarm.tar.gz swarm); "
                "systemctl start docker"),
    # dockerd's hosts and TLS as flags in the drop-in instead of daemon.json
    ("master", "printf '[Service]\\nExecStart=\\nExecStart=/usr/sbin/dockerd "
               "--containerd=/run/containerd/containerd.sock -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 "
               "--tlsverify --tlscacert /root/tls/ca.pem --tlscert /root/tls/server-cert.pem "
               f"--tlskey /root/tls/server-key.pem\\n' > {DROP_IN} && echo '{{}}' > /etc/docker/daemon.json "
               "&& systemctl daemon-reload && systemctl reset-failed docker && systemctl restart docker"),
    # heartbeat given journald by worker1's daemon-wide default, not by its own --log-driver
    ("worker1", "{ cat /etc/docker/daemon.json 2>/dev/null || echo '{}'; } | jq '. + {\"log-driver\": \"journald\"}' "
                "> /tmp/daemon.json && mv /tmp/daemon.json /etc/docker/daemon.json && systemctl reset-failed docker "
                f"&& systemctl restart docker && docker rm -f heartbeat && docker run -d --name heartbeat busybox "
                f"{HEARTBEAT}"),
    # the error line as journalctl prints it by default: date, host, tag and PID before the message
    ("worker1", "journalctl CONTAINER_NAME=billing -p err -n 1 --no-pager > /root/answers/billing-failure.txt"),
    # the node running edge by its full name, as docker service ps shows it
    "docker service ps edge --filter desired-state=running --format '{{.Node}}' > /root/answers/edge-nodes.txt",
]

MISTAKES = [  # ((node, command), task, check that fails, words its finding or hint must show)
    # docker started but not enabled (the start stopped and disabled it)
    (("registry", "systemctl disable -q docker.service"), "start-on-boot", "enabled", "docker.service is disabled"),
    # (tar exits 1 when a file changed as it read it, which is this very mistake)
    (("master", "tar -czf /root/backups/swarm.tar.gz -C / var/lib/docker/swarm; [ $? -le 1 ]"), "swarm-backup",
     "taken-while-stopped", ": not then"),
    (("master", "systemctl disable -q --now swarm-backup.timer"), "swarm-backup", "daily-timer",
     "the timer is disabled"),
    # a client certificate from another CA
    (("worker1", "cd /root/.docker && openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=other CA' "
                 "-keyout other-ca.key -out other-ca.pem 2>/dev/null && openssl req -newkey rsa:2048 -nodes "
                 "-subj '/CN=client' -keyout key.pem -out client.csr 2>/dev/null && openssl x509 -req -in client.csr "
                 "-CA other-ca.pem -CAkey other-ca.key -CAcreateserial -days 30 -out cert.pem 2>/dev/null"),
     "daemon-tls", "client-certificate-accepted", "bad certificate"),
    # the warning billing printed, not the error that explains its failure
    (("worker1", "journalctl CONTAINER_NAME=billing -p warning..info -o cat | grep WARN "
                 "> /root/answers/billing-failure.txt"), "journald", "failure-found", "ordinary output lines"),
    # logs left on json-file: heartbeat made anew with the driver docker uses unless told
    (("worker1", "docker rm -f heartbeat && docker run -d --name heartbeat --log-driver json-file busybox "
                 + HEARTBEAT),
     "journald", "heartbeat-in-journal", "logs with the json-file driver"),
    # ingress (the short syntax) instead of host mode, made once the host-mode task stopped answering (its container
    # takes a few seconds to stop after the service is removed)
    ("docker service rm edge && " + retried("! { " + " || ".join(
        f"curl -s -m 2 -o /dev/null http://{node}:8088/" for node in ("master", "worker1", "worker2", "registry"))
        + "; }", 30) + " && docker service create -d -q --name edge --replicas 1 -p 8088:80 nginx:1.25",
     "host-publishing", "host-mode", "ingress mode"),
]


def test_equivalent_solutions_pass_and_each_mistake_fails_its_own_check(started: EmbeddedCluster) -> None:
    graded = assert_equivalents_pass_and_mistakes_fail(started, LAB, EQUIVALENTS, MISTAKES)
    # with edge behind ingress no node answers on 8088 here: the answer check says so rather than judge the answer
    assert "no node answers on port 8088" in check_lines(graded["host-publishing"]["output"], "answering-nodes")


def test_an_answer_naming_every_node_as_ingress_would_fails(started: EmbeddedCluster) -> None:
    """In host mode only the node running edge's one task answers; the routing mesh's answer (every node) is wrong."""
    assert run_lab("solve", "host_publishing", lab=LAB)["host-publishing"]["verdict"] == "PASS"
    on_nodes(started, ["printf 'master\\nworker1\\nworker2\\nregistry\\n' > /root/answers/edge-nodes.txt"])
    graded = run_lab("grade", "host_publishing", lab=LAB)["host-publishing"]
    assert graded["verdict"] == "FAIL", graded["output"]
    assert "where nothing answers on port 8088" in check_lines(graded["output"], "answering-nodes")


def test_a_solve_keeps_a_learners_heartbeat_on_json_file_under_another_name(started: EmbeddedCluster) -> None:
    on_nodes(started, [("worker1", "docker rm -f heartbeat; docker run -d --name heartbeat --log-driver json-file "
                                   "busybox " + HEARTBEAT)])
    assert run_lab("solve", "journald", lab=LAB)["journald"]["verdict"] == "PASS"
    kept = started.host("worker1").check_output(
        "docker ps -a --filter name=heartbeat-before-solve- --format '{{.State}} {{.ID}}' | "
        "while read state id; do echo $state $(docker inspect --format '{{.HostConfig.LogConfig.Type}}' $id); done")
    assert kept == "running json-file", kept
