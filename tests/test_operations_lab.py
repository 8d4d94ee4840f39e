"""The operations lab on the real cluster: every check fails at the lab's start and passes after solve; solve is
idempotent and grade read-only; equivalent solutions pass; learner mistakes, applied together to one solved cluster,
each fail the right check with a hint naming the mistake."""

from __future__ import annotations

from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import (
    ROOT,
    assert_checkers_hold,
    assert_equivalents_pass_and_mistakes_fail,
    check_lines,
)

LAB = ROOT / "labs" / "operations"
DROP_IN = "/etc/systemd/system/docker.service.d/tls.conf"


def test_start_fails_every_check_read_only_then_solve_passes_idempotently(started: EmbeddedCluster) -> None:
    graded = assert_checkers_hold(started, LAB)
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
]


def test_equivalent_solutions_pass_and_each_mistake_fails_its_own_check(started: EmbeddedCluster) -> None:
    assert_equivalents_pass_and_mistakes_fail(started, LAB, EQUIVALENTS, MISTAKES)
