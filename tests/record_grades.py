"""Record grades of the labs on the real embedded cluster, for tests/replay.py:

    python -m tests.record_grades                        # every lab; root, an engine; minutes per lab
    python -m tests.record_grades registry orchestration # only these labs
    DCALAB_CLUSTER=NAME python -m tests.record_grades    # on a named cluster (its subnet is recorded)

Each state starts from the lab's start: "start" as it is, "solved" after the lab's solve (as a learner runs it),
the registry lab's "mistakes" and the operations lab's quorum task in four states. The grade is read-only, as
a learner's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import Lab, find_lab, lab_names
from dcalab.session import LabSession
from dcalab.start import start_lab
from tests.labrun import run_lab
from tests.quorum_states import initialised_anew, rejoined_as_worker
from tests.replay import RECORDINGS, verdicts

REGISTRY = "registry.docker-dca.example:5000"


def registry_mistakes(cluster: EmbeddedCluster) -> None:
    """daemon.json only on master, a trailing comma on worker1, the registry on port 5001 without a volume."""
    cluster.host("master").check_output(
        f"""echo '{{"insecure-registries": ["{REGISTRY}"]}}' > /etc/docker/daemon.json && systemctl restart docker""")
    cluster.host("worker1").check_output(
        f"""printf '{{\\n  "insecure-registries": ["{REGISTRY}"],\\n}}\\n' > /etc/docker/daemon.json""")
    cluster.host("registry").check_output(
        "docker run -d --name registry -p 5001:5000 --tmpfs /var/lib/registry registry:2")


def solved(cluster: EmbeddedCluster, lab: Lab) -> None:
    run_lab("solve", lab=lab.folder)


def quorum_solved(cluster: EmbeddedCluster, lab: Lab) -> None:
    run_lab("solve", "quorum", lab=lab.folder)


Arrange = Callable[[EmbeddedCluster, Lab], None]
STATES: dict[str, Arrange] = {"start": lambda cluster, lab: None, "solved": solved}
# More states of a lab: (the tasks graded, None for all; each state's name and how it is made from the lab's start).
# The operations lab's quorum task is recorded alone in its mistakes too: its grade names no address of the cluster.
MORE_STATES: dict[str, tuple[list[str] | None, dict[str, Arrange]]] = {
    "registry": (None, {"mistakes": lambda cluster, lab: registry_mistakes(cluster)}),
    "operations": (["quorum"], {"quorum-start": lambda cluster, lab: None,
                                "quorum-worker": lambda cluster, lab: rejoined_as_worker(cluster),
                                "quorum-anew": lambda cluster, lab: initialised_anew(cluster),
                                "quorum-solved": quorum_solved}),
}


def record(lab: Lab, state: str, tasks: list[str] | None = None) -> dict[str, list]:
    """Grade the lab (or these tasks of it) read-only on the real cluster and keep every answer, the verdicts and
    the cluster's subnet."""
    grader = EmbeddedCluster(read_only=True)
    results = LabSession(lab, grader).run_all(tasks)
    answers = {node: {cmd: [r.rc, r.stdout, r.stderr] for cmd, r in host.backend.cache.items()}
               for node, host in grader._hosts.items()}
    subnet = grader.topology.subnet
    grader.reconnect()
    RECORDINGS.mkdir(exist_ok=True)
    found = verdicts(results)
    (RECORDINGS / f"{lab.id}-{state}.json").write_text(json.dumps(
        {"subnet": subnet, "answers": answers, "verdicts": found}, indent=1, sort_keys=True) + "\n")
    return found


def main(names: list[str]) -> None:
    cluster = EmbeddedCluster()
    for name in names or lab_names():
        lab = find_lab(name)
        tasks, more = MORE_STATES.get(name, (None, {}))
        for state, arrange in {**STATES, **more}.items():
            start_lab(cluster, lab)
            arrange(cluster, lab)
            found = record(lab, state, tasks if state in more else None)
            print(f"recorded {name} {state}: " + ", ".join(f"{task} {entry[0]}" for task, entry in found.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
