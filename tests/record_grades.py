"""Record grades on the real embedded cluster, for tests/replay.py: the registry lab's, and the operations lab's
quorum task (the one task of that lab whose grade names no address of the cluster, so a named cluster records it too):

    python -m tests.record_grades [LAB ...]     # root, an engine; about a minute a lab

Each state starts from the lab's start; the grade is read-only, as a learner's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import Lab
from dcalab.labrun import run_lab
from dcalab.session import LabSession
from dcalab.start import start_lab
from tests.labrun import LAB
from tests.pristine import REGISTRY_LAB
from tests.quorum_states import OPERATIONS_LAB, initialised_anew, rejoined_as_worker
from tests.replay import QUORUM, RECORDINGS, verdicts

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


def quorum_solved(cluster: EmbeddedCluster) -> None:
    run_lab(OPERATIONS_LAB.folder, "--lab-mode=solve", "-k", "quorum")


Arrange = Callable[[EmbeddedCluster], None]
# (lab, the tasks graded or None for all, each state's name and how it is made from the lab's start)
RECORDED: list[tuple[Lab, list[str] | None, dict[str, Arrange]]] = [
    (REGISTRY_LAB, None, {"start": lambda cluster: None, "mistakes": mistakes, "solved": solved}),
    (OPERATIONS_LAB, QUORUM, {"quorum-start": lambda cluster: None, "quorum-worker": rejoined_as_worker,
                              "quorum-anew": initialised_anew, "quorum-solved": quorum_solved}),
]


def record(lab: Lab, state: str, tasks: list[str] | None) -> None:
    """Grade the lab's tasks read-only on the real cluster and keep every answer and the verdicts."""
    grader = EmbeddedCluster(read_only=True)
    results = LabSession(lab, grader).run_all(tasks)
    answers = {node: {cmd: [r.rc, r.stdout, r.stderr] for cmd, r in host.backend.cache.items()}
               for node, host in grader._hosts.items()}
    grader.reconnect()
    RECORDINGS.mkdir(exist_ok=True)
    (RECORDINGS / f"{lab.id}-{state}.json").write_text(
        json.dumps({"answers": answers, "verdicts": verdicts(results)}, indent=1, sort_keys=True) + "\n")


def main(names: list[str]) -> None:
    cluster = EmbeddedCluster()
    for lab, tasks, states in RECORDED:
        if names and lab.id not in names:
            continue
        for state, arrange in states.items():
            start_lab(cluster, lab)
            arrange(cluster)
            record(lab, state, tasks)
            print(f"recorded {lab.id} {state}")


if __name__ == "__main__":
    main(sys.argv[1:])
