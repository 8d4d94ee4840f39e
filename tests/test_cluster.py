"""The embedded cluster on the real engine: nodes, the registry lab's swarm, names, offline pulls, lab start."""

from __future__ import annotations

import json

import pytest

from checks import retried
from checks.swarm import node_list
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.topology import topology
from tests.pristine import pristine_violations, start_registry

NODES = [node.name for node in topology().nodes]


@pytest.mark.parametrize("node", NODES)
def test_node_runs_systemd_and_docker(embedded: EmbeddedCluster, node: str) -> None:
    host = embedded.host(node)
    # --wait: a node made anew a moment ago may still be starting (seen in CI on the last node made)
    assert host.check_output("systemctl is-system-running --wait") == "running"
    assert host.service("docker").is_running
    assert host.check_output("hostname") == topology().node(node).fqdn
    assert host.process.get(pid=1).comm == "systemd"


def test_swarm_has_exactly_master_and_workers(embedded: EmbeddedCluster) -> None:
    listed = {entry["Hostname"]: entry for entry in node_list(embedded.host("master"))}
    assert sorted(listed) == ["master.docker-dca.example", "worker1.docker-dca.example", "worker2.docker-dca.example"]
    assert all(entry["Status"] == "Ready" for entry in listed.values())
    assert listed["master.docker-dca.example"]["ManagerStatus"] == "Leader"


def test_registry_node_is_not_in_a_swarm(embedded: EmbeddedCluster) -> None:
    info = json.loads(embedded.host("registry").check_output("docker info --format '{{json .Swarm}}'"))
    assert info["LocalNodeState"] == "inactive"


@pytest.mark.parametrize("node", NODES)
def test_every_node_resolves_every_other(embedded: EmbeddedCluster, node: str) -> None:
    host = embedded.host(node)
    for other in topology().nodes:
        assert host.check_output(f"getent hosts {other.fqdn}").split()[0] == other.ip
        assert host.run(f"ping -c1 -W2 {other.fqdn}").rc == 0


def test_fresh_cluster_is_pristine(pristine: EmbeddedCluster) -> None:
    assert pristine_violations(pristine) == []


def test_docker_pull_alpine_works_offline_and_gives_the_stand_in(pristine: EmbeddedCluster) -> None:
    worker2 = pristine.host("worker2")
    pulled = worker2.run("docker pull alpine")
    assert pulled.rc == 0, pulled.stderr
    assert "docker.io/library/alpine:latest" in pulled.stdout
    labels = json.loads(worker2.check_output("docker image inspect alpine --format '{{json .Config.Labels}}'"))
    assert labels["org.dcalab.stand-in"] == "alpine:latest"
    assert worker2.run("docker run --rm alpine cat /etc/dcalab-stand-in").stdout.startswith("alpine stand-in")


def test_every_seed_image_is_served_with_its_tags(pristine: EmbeddedCluster) -> None:
    registry = pristine.host("registry")
    for image in ("registry:2", "nginx", "mysql:5.7", "wordpress", "traefik", "traefik:v2.4"):
        assert registry.run(f"docker pull -q {image}").rc == 0, image
    registry.check_output("docker pull -q alpine")
    ids = registry.check_output("docker image inspect --format '{{.Id}}' nginx wordpress mysql:5.7 traefik alpine")
    assert len(set(ids.split())) == 5, "each stand-in must have its own content and digest"


def test_hub_behaves_like_docker_hub_for_mistakes(pristine: EmbeddedCluster) -> None:
    registry = pristine.host("registry")
    missing = registry.run("docker pull nginx:no-such-tag")
    assert missing.rc != 0 and "manifest unknown" in missing.stderr
    registry.check_output("docker pull -q alpine")
    pushed = registry.run("docker push alpine")  # untagged push goes to Docker Hub: refused
    assert pushed.rc != 0


def test_lab_start_returns_a_dirty_cluster_to_the_labs_start(pristine: EmbeddedCluster) -> None:
    master, registry = pristine.host("master"), pristine.host("registry")
    token = master.check_output("docker swarm join-token -q worker")
    registry.check_output(f"docker swarm join --token {token} 10.10.10.100:2377")
    for node in NODES:
        pristine.host(node).check_output(
            """echo '{"insecure-registries":["registry.docker-dca.example:5000"]}' > /etc/docker/daemon.json"""
        )
    registry.check_output("docker run -d --name registry -p 5000:5000 registry:2")
    assert len(pristine_violations(pristine)) >= 6
    start_registry(pristine)
    assert pristine_violations(pristine) == []


def test_the_images_and_tools_new_labs_need_work_on_a_node(pristine: EmbeddedCluster) -> None:
    """The second nginx tag, an nginx that proxies by Host header, a multi-stage build with gcc:12, and
    htpasswd, jq and openssl on the node: all offline, from the lab hub."""
    master = pristine.host("master")
    assert master.check_output("htpasswd -nbB learner secret").startswith("learner:$2y$")
    assert master.check_output("openssl version").startswith("OpenSSL 3")
    assert master.check_output("echo '{\"a\": 1}' | jq .a") == "1"
    master.check_output("docker pull -q nginx && docker pull -q nginx:1.25")
    ids = master.check_output("docker image inspect -f '{{.Id}}' nginx nginx:1.25").split()
    assert len(set(ids)) == 2, "nginx:latest and nginx:1.25 must be different images for a rolling update"
    proxy = "server { listen 80; server_name app.lab; location / { proxy_pass http://backend; } }"
    master.check_output(
        "docker network create proxytest && "
        "docker run -d --name backend --network proxytest nginx:1.25 && "
        f"mkdir -p /root/proxy && echo '{proxy}' > /root/proxy/app.conf && "
        "docker run -d --name proxy --network proxytest -p 8080:80 "
        "-v /root/proxy/app.conf:/etc/nginx/conf.d/app.conf:ro nginx:1.22")
    through = master.check_output(retried("curl -sf -H 'Host: app.lab' localhost:8080", 30, pause=0.5))
    assert "<h1>nginx 1.25 (dcalab stand-in)</h1>" in through  # the backend's page, through the real nginx
    master.check_output(
        "mkdir -p /root/app && cd /root/app && "
        "printf '#include <stdio.h>\\nint main(void) { puts(\"built offline\"); return 0; }\\n' > hello.c && "
        "printf 'FROM gcc:12 AS build\\nCOPY hello.c .\\nRUN gcc -static -o /hello hello.c\\n"
        "FROM busybox\\nCOPY --from=build /hello /hello\\nCMD [\"/hello\"]\\n' > Dockerfile && "
        "docker build -q -t hello . >/dev/null")
    assert master.check_output("docker run --rm hello") == "built offline"
    assert "gcc" not in master.check_output("docker run --rm hello ls /usr/bin")  # no compiler in the final image
