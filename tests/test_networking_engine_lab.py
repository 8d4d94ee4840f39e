"""The networking-engine lab on the real cluster: the start's own findings (a dependent task BLOCKED); equivalent
solutions pass; learner mistakes, applied together to one solved cluster, each fail the right check with a hint
naming the mistake. That every check fails at the lab's start and passes after solve, that grade is read-only and a
second solve changes nothing, .ci/check-the-checkers checks."""

from __future__ import annotations

import pytest

from checks import retried
from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import (
    ROOT,
    assert_equivalents_pass_and_mistakes_fail,
    check_lines,
    outputs,
    run_lab,
    sh,
    verdicts,
)

pytestmark = pytest.mark.any_cluster  # its lab's start on the session's cluster, named or not (.ci/cluster-session)

LAB = ROOT / "labs" / "networking-engine"
UPSTREAMS = """upstream site_a { server site-a:80; }
upstream site_b { server site-b:80; }
server { listen 80; server_name a.example; location / { proxy_pass http://site_a; } }
server { listen 80; server_name b.example; location / { proxy_pass http://site_b; } }
"""
DROP_IN = "/etc/systemd/system/docker.service.d/no-hosts-flag.conf"


def test_the_start_fails_each_task_with_its_own_finding(started: EmbeddedCluster) -> None:
    graded = run_lab("grade", lab=LAB)
    refused = check_lines(graded["engine-repair"]["output"], "docker-starts")
    assert "refuses to start" in refused and "specified both as a flag and in the configuration file" in refused
    assert graded["docker-group"]["verdict"] == "BLOCKED" and graded["overlay-attachable"]["verdict"] == "BLOCKED"


EQUIVALENTS = [  # other ways to the same state
    # dockerd's -H flag moved out of the unit with a drop-in, "hosts" kept in daemon.json
    ("worker2", f"mkdir -p {DROP_IN.rsplit('/', 1)[0]} && printf '[Service]\\nExecStart=\\nExecStart=/usr/sbin/dockerd "
                f"--containerd=/run/containerd/containerd.sock\\n' > {DROP_IN} && jq '.hosts = "
                "[\"unix:///var/run/docker.sock\"]' /etc/docker/daemon.json > /tmp/d "
                "&& mv /tmp/d /etc/docker/daemon.json && systemctl daemon-reload && systemctl restart docker "
                # probe's overlay needs the manager, which a docker just restarted may not reach yet
                f"&& {retried('docker start probe', 30)}"),
    # (the swarm replaces worker2's task of whoami, which the restart stopped, within seconds)
    retried("[ \"$(docker service ls -f name=whoami --format '{{.Replicas}}')\" = 3/3 ]", 60),
    ("worker2", "gpasswd -d alice docker && gpasswd -a alice docker"),
    # the alias given when the container is made, not by network connect
    ("worker1", "docker rm -f shop-api && docker run -d --name shop-api --network shop-front --network-alias api "
                "nginx:1.25"),
    ("worker1", "docker port web-random | sed 's/0.0.0.0/[::]/' >> /root/answers/ports.txt"),  # the IPv6 line too
    ("worker1", "docker rm -f web-fixed && docker run -d --name web-fixed -p 0.0.0.0:8081:80 nginx:1.25"),
    # SIGHUP sent by hand, with one more setting that reloads
    ("registry", "jq '.labels += [\"zone=lab\"]' /etc/docker/daemon.json > /tmp/d && cat /tmp/d > "
                 "/etc/docker/daemon.json && kill -HUP $(pidof dockerd) && sleep 1"),
    # upstream blocks, and nginx told to reload its configuration
    ("registry", f"printf '{UPSTREAMS}' > /root/proxy/default.conf && docker kill -s HUP proxy && sleep 1"),
]

MISTAKES = [  # (command, task, check that fails, words its finding must show)
    (("worker2", "rm /etc/docker/daemon.json"), "engine-repair", "log-level-kept", "\"log-level\" is None"),
    (("worker2", "gpasswd -d alice docker && usermod -aG sudo alice"), "docker-group", "in-docker-group",
     "alice is in alice, sudo"),
    ("docker rm -f logged && docker run -d --name logged --log-driver json-file busybox sleep 1d", "logging-driver",
     "new-container-local", "logged uses json-file"),
    ("docker rm -f dns-check && docker run -d --name dns-check --dns 10.10.10.53 --dns-search docker-dca.example "
     "busybox sleep 1d", "daemon-dns", "dns-server", "was given --dns itself"),
    (("registry", "cat /etc/docker/daemon.json > /tmp/d && cat /tmp/d > /etc/docker/daemon.json && "
                  "systemctl restart docker"), "reload", "not-restarted", "was (re)started at"),
    (("worker1", "docker rm -f app1 app2 && docker network rm appnet && docker network create --subnet 10.10.0.0/16 "
                 "appnet && docker run -d --name app1 --network appnet busybox sleep 1d && docker run -d --name app2 "
                 "--network appnet busybox sleep 1d"), "bridge-network", "subnet-gateway",
     "subnet 10.10.0.0/16 (it overlaps the lab network 10.10.10.0/24)"),
    (("worker1", "docker rm -f web-fixed && docker run -d --name web-fixed -p 127.0.0.1:8081:80 nginx:1.25"),
     "published-ports", "fixed-port-answers", "on 127.0.0.1:8081"),
    (("worker1", "docker rm -f web-random && docker run -d --name web-random -p 80 nginx:1.25"), "published-ports",
     "publish-all", "without -P"),
    (("worker1", "docker network disconnect shop-front shop-api && docker network connect shop-back shop-web"),
     "network-alias", "alias-resolves", "api does not resolve"),
    (("worker2", "docker rm -f probe"), "overlay-attachable", "probe-reaches-service", "No such container: probe"),
    (f"docker service rm whoami && {retried('docker network rm backbone', 30)} && "
     f"{retried('docker network create -d overlay --subnet 10.20.0.0/24 backbone', 30)} && "
     "docker service create -d --name whoami --network backbone --replicas 3 nginx:1.25",
     "overlay-attachable", "attachable-overlay", "backbone: overlay, subnet 10.20.0.0/24"),
    ("true", "dnsrr-scaled", "endpoint-dnsrr", "endpoint mode vip"),
    (("registry", "grep -v b.example /root/proxy/default.conf > /tmp/p && cat /tmp/p > /root/proxy/default.conf && "
                  "docker start site-a site-b && docker restart proxy && sleep 2"),  # after the restart above
     "host-routing", "b-example", "curl got: site a"),
]
# dockerd refusing a log option given as a number takes master's docker down: a round of its own
REFUSED = ("jq '.\"log-opts\".\"max-size\" = 10' /etc/docker/daemon.json > /tmp/d && mv /tmp/d /etc/docker/daemon.json "
           "&& { systemctl restart docker 2>/dev/null; true; }")


def test_equivalent_solutions_pass_and_each_mistake_fails_its_own_check(started: EmbeddedCluster) -> None:
    assert_equivalents_pass_and_mistakes_fail(started, LAB, EQUIVALENTS, MISTAKES)
    solved = run_lab("solve", "logging_driver", lab=LAB)
    assert verdicts(solved) == {"logging-driver": "PASS"}, outputs(solved, "PASS")
    sh(started, "master", REFUSED)
    graded = run_lab("grade", "logging_driver", lab=LAB)
    refused = graded["logging-driver"]  # the learner's doing: FAIL with dockerd's own words, never ENV-ERROR
    assert refused["verdict"] == "FAIL" and "refuses to start" in refused["output"], refused["output"]
    assert "cannot unmarshal number into Go struct field Config.log-opts of type string" in refused["output"]

