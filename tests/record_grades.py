"""Record grades of the registry lab on the real embedded cluster, for tests/replay.py:

    python -m tests.record_grades      # root, an engine; takes about a minute

Each state starts from the lab's start; the grade is read-only, as a learner's.
"""

from __future__ import annotations

import json

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.labrun import run_lab
from dcalab.session import LabSession
from tests.labrun import LAB
from tests.pristine import REGISTRY_LAB, start_registry
from tests.replay import RECORDINGS, verdicts

REGISTRY = "registry.docker-dca.example:5000"


def mistakes(cluster: EmbeddedCluster) -> None:
    """daemon.json only on master, a trailing comma on worker1, the registry on port 5001 without a volume."""
    cluster.host("master").check_output(
        f"""echo '{{"insecure-registries": ["{REGISTRY}"]}}' > /etc/docker/daemon.json && systemctl restart docker""")
    cluster.host("worker1").check_output(
        f"""printf '{{\\n  "insecure-registries": ["{REGISTRY}"],\\n}}\\n' > /etc/docker/daemon.json""")
    cluster.host("registry").check_output(
        "docker run -d --name registry -p 5001:5000 --tmpfs /var/lib/registry registry:2")


def solved(cluster: EmbeddedCluster) -> None:
    run_lab(LAB, "--lab-mode=solve")


STATES = {"start": lambda cluster: None, "mistakes": mistakes, "solved": solved}


def record(state: str) -> None:
    """Grade the lab read-only on the real cluster and keep every answer and the verdicts."""
    grader = EmbeddedCluster(read_only=True)
    results = LabSession(REGISTRY_LAB, grader).run_all()
    answers = {node: {cmd: [r.rc, r.stdout, r.stderr] for cmd, r in host.backend.cache.items()}
               for node, host in grader._hosts.items()}
    grader.reconnect()
    RECORDINGS.mkdir(exist_ok=True)
    (RECORDINGS / f"{REGISTRY_LAB.id}-{state}.json").write_text(
        json.dumps({"answers": answers, "verdicts": verdicts(results)}, indent=1, sort_keys=True) + "\n")


def main() -> None:
    cluster = EmbeddedCluster()
    for state, arrange in STATES.items():
        start_registry(cluster)
        arrange(cluster)
        record(state)
        print(f"recorded {state}")


if __name__ == "__main__":
    main()
