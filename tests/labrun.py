"""A lab run as a learner runs it, and the node-state fingerprint the tests compare."""

from __future__ import annotations

from pathlib import Path

from dcalab import labrun
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.topology import topology

ROOT = Path(__file__).parent.parent
LAB = ROOT / "labs" / "registry"


def run_lab(mode: str = "grade", select: str = "", *options: str, history: Path | None = None,
            lab: Path = LAB) -> dict[str, dict]:
    """Grade or solve a lab (the registry lab unless told; optionally one -k selection); report entries by task."""
    run = labrun.run_lab(lab, f"--lab-mode={mode}", *(["-k", select] if select else []), *options, history=history)
    assert "Traceback" not in run.output, run.output
    assert run.report is not None, run.output
    return run.tasks


def fingerprint(cluster: EmbeddedCluster) -> dict[str, str]:
    """Node state a grade must not change and a second solve must not change either."""
    state = {}
    for node in topology().nodes:
        host = cluster.host(node.name)
        state[node.name] = host.check_output(
            "cat /etc/docker/daemon.json 2>/dev/null; systemctl show docker -p ActiveEnterTimestamp; "
            "docker ps -a --no-trunc --format '{{.ID}} {{.Image}} {{.Names}} {{.State}}'; "
            "docker image ls -a --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}' | sort; "
            "docker volume ls -q; docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}'"
        )
    master = cluster.host("master")
    state["swarm"] = master.check_output(
        "docker node ls --format '{{.ID}} {{.Hostname}} {{.Status}} {{.ManagerStatus}}'"
    )
    state["swarm-objects"] = master.run(  # services (spec versions), secrets, configs, credentials by digest, files
        "ids=$(docker service ls -q 2>/dev/null); [ -z \"$ids\" ] || docker service inspect "
        "--format '{{.Spec.Name}} {{.Version.Index}} {{json .UpdateStatus}}' $ids; docker secret ls -q 2>/dev/null; "
        "docker config ls -q 2>/dev/null; docker node ls --format '{{.Hostname}} {{.Availability}}' 2>/dev/null; "
        "docker info --format '{{json .Swarm.Cluster}}'; { docker swarm join-token -q worker; "
        "docker swarm unlock-key -q; } 2>/dev/null | sha256sum; cat /root/blog/docker-compose.yml /root/unlock.key "
        "2>/dev/null | sha256sum"
    ).stdout
    state["registry-contents"] = master.check_output(
        "base=http://registry.docker-dca.example:5000/v2; curl -s -m 5 $base/_catalog; "
        "for repo in $(curl -s -m 5 $base/_catalog | jq -r '.repositories[]?'); do curl -s -m 5 $base/$repo/tags/list;"
        " done"
    )
    return state
