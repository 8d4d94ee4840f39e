"""Issue 35: a task's goal names everything its checks compare, and nothing a learner would copy instead of
recalling it: no command line in a goal, in `dcalab exam --lab`, or in the first hint of a recorded failing grade."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dcalab.lab import command_line, find_lab, lab_names
from tests.labrun import ROOT
from tests.replay import RECORDINGS
from tests.test_exam import ASKED, STOPPED, exam
from tests.test_quiz_cli import finish

# Per lab and task, the literal values its checks compare against (names, ports, paths, counts, modes; not the
# choices its solve makes), as its module, the lab's [settings] or the shared checks spell them: each must be in the
# task's goal, so that a goal never hides one.
REQUIRED = {
    "registry": {
        "swarm-join": ["registry", "worker", "master", "worker1", "worker2", "Ready"],
        "daemon-json": ["master", "worker1", "worker2", "registry.docker-dca.example:5000", "/etc/docker/daemon.json",
                        "insecure-registries"],
        "registry-running": ["registry:2", "5000", "/var/lib/registry", "http://localhost:5000/v2/"],
        "push-alpine": ["registry.docker-dca.example:5000", "alpine", "latest", "alpine:latest"],
        "catalog": ["registry.docker-dca.example:5000", "/v2/_catalog", "alpine"],
        "storage-layout": ["/var/lib/registry", "alpine", "latest", "blobs/sha256", "_layers",
                           "_manifests/tags/", "/current/link"],
        "batch-mirror": ["registry.docker-dca.example:5000", "nginx", "mysql", "5.7", "wordpress", "traefik",
                         "latest"],
        "cross-node-pull": ["worker2", "registry.docker-dca.example:5000", "nginx", "latest"],
    },
    "orchestration": {
        "autolock": ["autolock", "/root/unlock.key", "unlock"],
        "web-host-mode": ["web", "3", "8080", "80", "host mode", "200"],
        "global-agent": ["agent", "global", "active"],
        "placement": ["worker1", "zone", "east", "node.labels.zone==east"],
        "templates": ["hosts", "{{.Node.Hostname}}-{{.Task.Slot}}"],
        "rolling-update": ["shop", "nginx:1.24", "nginx:1.25", "parallelism 1", "rollback"],
        "secrets-configs": ["db_password", "/run/secrets/db_password", "dca-s3cret", "app_conf", "/etc/app/app.conf",
                            "listen=8000", "0400", "app"],
        "stack": ["/root/blog/docker-compose.yml", "blog", "blog_web", "web", "backend", "blog_backend", "content",
                  "blog_content", "/usr/share/nginx/html/content", "dnsrr", "8081", "80", "host", "replicas: 2"],
        "node-operations": ["worker2", "drain", "three managers", "Reachable"],
        "troubleshoot": ["broken", "2"],
        "rotate-credentials": ["worker join token", "root CA", "720"],
    },
    "images-storage": {
        "multi-stage": ["app:1.0", "gcc", "20", "1000:1000", "8080/tcp",
                        "org.opencontainers.image.", "exec form"],
        "healthcheck": ["app:1.0", "HEALTHCHECK", "app", "healthy"],
        "tags": ["app:1.0", "app:1", "app:latest"],
        "flatten": ["app:flat", "one-layer", "Imported from"],
        "save-load": ["worker2", "app:1.0"],
        "answers": ["/root/answers", "id.txt", "layers.txt", "base.txt", "app:1.0", "stage=base"],
        "prune-images": ["dangling", "keep=true"],
        "mounts": ["store", "data", "/data", "/root/app/config", "/config", "read-only", "tmpfs", "/scratch", "64 MB"],
        "volume-options": ["shared", "local", "type=none", "o=bind", "device=/srv/shared", "keep=true"],
        "prune-volumes": ["old-cache", "old-logs", "audit", "keep=true"],
        "hardened": ["hardened", "/tmp", "NET_BIND_SERVICE", "no-new-privileges", "1000:1000", "256 MB", "0.5 CPUs",
                     "100 processes"],
    },
    "networking-engine": {
        "engine-repair": ["worker2", "/etc/docker/daemon.json", "log-level", "warn", "swarm"],
        "docker-group": ["worker2", "alice", "docker", "/var/run/docker.sock"],
        "logging-driver": ["local", "max-size", "10m", "logged"],
        "daemon-dns": ["10.10.10.53", "docker-dca.example", "dns-check", "/etc/resolv.conf"],
        "reload": ["registry", "debug", "rack=r1"],
        "bridge-network": ["worker1", "appnet", "bridge", "172.30.0.0/24", "172.30.0.1", "app1", "app2"],
        "published-ports": ["worker1", "web-fixed", "80", "8081", "http://worker1.docker-dca.example:8081/",
                            "web-random", "/root/answers/ports.txt", "80/tcp -> 0.0.0.0:49153"],
        "network-alias": ["shop-web", "shop-api", "http://api/", "shop-front", "api"],
        "overlay-attachable": ["backbone", "overlay", "10.20.0.0/24", "attachable", "whoami", "dnsrr",
                               "worker2", "probe", "http://whoami/"],
        "dnsrr-scaled": ["whoami", "3", "dnsrr", "backbone"],
        "host-routing": ["a.example", "b.example", "site a", "site b",
                         "http://registry.docker-dca.example/"],
    },
    "registry-secure": {
        "certificates": ["/root/certs", "ca.crt", "registry.crt", "registry.key", "registry.docker-dca.example",
                         "subjectAltName"],
        "serve-tls": ["5000", "/root/certs/ca.crt", "alpine", "latest"],
        "trust": ["/root/certs/ca.crt", "/etc/docker/certs.d/registry.docker-dca.example:5000/ca.crt",
                  "insecure-registries", "registry.docker-dca.example:5000", "master", "worker1", "worker2"],
        "htpasswd": ["dca", "401", "200"],
        "login": ["master", "worker2", "registry.docker-dca.example:5000", "dca", "/root/.docker/config.json", "auths"],
        "with-registry-auth": ["private-web", "registry.docker-dca.example:5000", "nginx",
                               "worker1.docker-dca.example", "node.hostname=="],
        "delete-gc": ["wordpress", "latest", "alpine", "blobs"],
        "pull-through-cache": ["5001", "http://registry.docker-dca.example:5001", "library/nginx", "worker1"],
    },
    "operations": {
        "start-on-boot": ["docker.service", "enabled", "active"],
        "swarm-backup": ["/root/backups/swarm.tar.gz", "/var/lib/docker/swarm", "swarm-root-ca.crt", "swarm-node.crt",
                         "swarm-node.key", "raft/", "certificates/", "docker.service", "master", "swarm-backup.timer",
                         "swarm-backup.service", "24 h", "a manager"],
        "daemon-tls": ["/root/tls", "ca.pem", "server-cert.pem", "server-key.pem", "DNS:master.docker-dca.example",
                       "DNS:master", "/root/.docker", "cert.pem", "key.pem", "tlsverify",
                       "master.docker-dca.example:2376", "0.0.0.0:2376", "/var/run/docker.sock"],
        "quorum": ["master", "worker1", "worker2", "web", "agent", "api", "api_key", "managers", "reachable",
                   "leader"],
        "journald": ["worker1", "billing", "/root/answers/billing-failure.txt", "journald", "heartbeat"],
        "host-publishing": ["edge", "8088", "80", "host mode", "/root/answers/edge-nodes.txt", "master"],
    },
}
CHECKS = "".join(path.read_text() for path in sorted((ROOT / "checks").glob("*.py")))


def test_every_task_of_every_lab_lists_what_its_checks_compare() -> None:
    """A lab or a task added without its list here fails: its goal would go unchecked."""
    assert {name: sorted(tasks) for name, tasks in REQUIRED.items()} == {
        name: sorted(task.id for task in find_lab(name).tasks) for name in lab_names()}


@pytest.mark.parametrize("name", lab_names())
def test_each_goal_names_every_value_its_checks_compare(name: str) -> None:
    lab = find_lab(name)
    for task in lab.tasks:
        # the list says what the checks compare: each value is in the task's module, the lab's settings or the
        # shared checks the module calls
        compared = Path(lab.graders[task.id].__code__.co_filename).read_text() + json.dumps(lab.settings) + CHECKS
        for value in REQUIRED[name][task.id]:
            assert value in compared, f"{name} {task.id}: no check compares {value!r}"
            assert value in " ".join(task.goal.split()), f"{name} {task.id}: the goal does not name {value!r}"


@pytest.mark.parametrize(("text", "command"), [
    ("Run it: docker service create --name web nginx", "docker service"),
    ("then systemctl restart docker on each node", "systemctl restart"),
    ("curl -s http://registry.docker-dca.example:5000/v2/", "curl -"),
    ("echo '{}' > /etc/docker/daemon.json", "echo '"),
    ("master$ ls /root", "master$"),
    ("  $ docker ps", "$"),
    ("publish it with -p 8080:80", "-p"),
    ("add --with-registry-auth", "--with-registry-auth"),
    ("kill -HUP $(pidof dockerd)", "kill -"),
    ("docker exec registry registry garbage-collect /etc/docker/registry/config.yml", "docker exec"),
])
def test_a_command_line_is_found(text: str, command: str) -> None:
    assert command_line(text) == command


@pytest.mark.parametrize("text", [
    "/etc/docker/daemon.json lists it under \"insecure-registries\"", "alice is in the group docker",
    "a read-only bind mount", "the docker running on worker2", "Docker 20.10 here", "the tag 5.7 of mysql",
    "{{.Node.Hostname}}-{{.Task.Slot}}", "no-new-privileges as a security option", "80/tcp -> 0.0.0.0:49153",
])
def test_prose_about_docker_is_not_a_command_line(text: str) -> None:
    assert command_line(text) == ""


@pytest.mark.parametrize("name", lab_names())
def test_the_exam_shows_each_goal_and_no_command_line(name: str) -> None:
    """In a pseudo-terminal, as a candidate sees it; nothing is graded, so no cluster is needed."""
    lab = find_lab(name)
    child = exam("--lab", name, "--seed", "1", columns=120)
    child.expect(r"Press g when your tasks are done")
    child.sendintr()
    child.expect_exact(ASKED)
    child.sendintr()
    child.expect_exact(STOPPED)
    assert finish(child) == 130
    screen = child.screen.getvalue().replace("\r", "")
    tasks = screen[screen.index("Hands-on tasks"):screen.index("Press g")]
    assert command_line(tasks) == "", tasks
    for task in lab.tasks:
        assert " ".join(task.goal.split()) in " ".join(tasks.split())
        assert not any(line.strip() in tasks for line in task.instructions.splitlines() if command_line(line))


def test_the_first_hints_of_the_recorded_failing_grades_have_no_command_line() -> None:
    recordings = sorted(RECORDINGS.glob("*.json"))
    hints = [line.removeprefix("    hint: ") for path in recordings
             for _, _, text in json.loads(path.read_text())["verdicts"].values()
             for line in text.splitlines() if line.startswith("    hint: ")]
    assert len(recordings) >= 3 and len(hints) > 20  # the start and the mistakes fail most checks
    assert [hint for hint in hints if command_line(hint)] == []


def show(*args: str, history: Path) -> str:
    return subprocess.run([sys.executable, "-m", "dcalab", "lab", "show", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, env={"DCALAB_HISTORY": str(history), "PATH": "/usr/bin:/bin"}).stdout


@pytest.mark.parametrize("name", lab_names())
def test_lab_show_gives_goals_then_guided_steps_then_the_solution(name: str, tmp_path: Path) -> None:
    lab, history = find_lab(name), tmp_path / "history.sqlite3"
    goals, guided, solution = (show(name, *view, history=history) for view in ((), ("--guided",), ("--solution",)))
    shown_goals = re.findall(r"(?ms)^   Goal: (.*?)\n\n", goals)  # each task's goal, as lab show gives it
    assert len(shown_goals) == len(lab.tasks) and command_line("\n".join(shown_goals)) == ""
    for task in lab.tasks:
        full = [check.hint_full for check in task.checks if check.hint_full]
        assert task.instructions.splitlines()[0] not in goals and not any(hint in goals for hint in full)
        assert task.instructions.splitlines()[0] in guided and all(hint in guided for hint in full)
        assert "Solution (what --lab-mode=solve does)" not in guided
        assert task.solution.splitlines()[0] in solution
