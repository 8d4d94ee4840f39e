"""Running the registry lab the way a learner does (`pytest labs/registry ...`), reading its JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.topology import topology

ROOT = Path(__file__).parent.parent
LAB = ROOT / "labs" / "registry"


def run_lab(mode: str = "grade", select: str = "", *options: str, history: Path | None = None) -> dict[str, dict]:
    """Grade or solve the lab (optionally one -k selection); each task's report entry by task id.
    The history goes to `history` (a throw-away file by default), never to the learner's own."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        env = {**os.environ, "DCALAB_HISTORY": str(history or Path(folder) / "history.sqlite3")}
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(LAB),
            f"--lab-mode={mode}",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--lab-report-json={report}",
        ]
        done = subprocess.run(
            [*command, *(["-k", select] if select else []), *options],
            capture_output=True, text=True, cwd=ROOT, timeout=600, env=env,
        )
        assert "Traceback" not in done.stdout, done.stdout
        assert report.exists(), done.stdout + done.stderr
        return {test["task"]: test for test in json.loads(report.read_text())["tests"]}


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
    state["registry-contents"] = master.check_output(
        "base=http://registry.docker-dca.example:5000/v2; curl -s -m 5 $base/_catalog; "
        "for repo in $(curl -s -m 5 $base/_catalog | jq -r '.repositories[]?'); do curl -s -m 5 $base/$repo/tags/list;"
        " done"
    )
    return state
