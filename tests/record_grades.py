"""Record grades of the labs on the real embedded cluster, for tests/replay.py:

    python -m tests.record_grades                        # every lab; root, an engine; minutes per lab
    python -m tests.record_grades registry orchestration # only these labs
    DCALAB_CLUSTER=NAME python -m tests.record_grades    # on a named cluster (its subnet is recorded)

Each state starts from the lab's start: "start" as it is, "solved" after the lab's solve (as a learner runs it),
and the registry lab's "mistakes". The grade is read-only, as a learner's.
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


Arrange = Callable[[EmbeddedCluster, Lab], None]
STATES: dict[str, Arrange] = {"start": lambda cluster, lab: None, "solved": solved}
MORE_STATES: dict[str, dict[str, Arrange]] = {"registry": {"mistakes": lambda cluster, lab: registry_mistakes(cluster)}}


def record(lab: Lab, state: str) -> dict[str, list]:
    """Grade the lab read-only on the real cluster and keep every answer, the verdicts and the cluster's subnet."""
    grader = EmbeddedCluster(read_only=True)
    results = LabSession(lab, grader).run_all()
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
        for state, arrange in {**STATES, **MORE_STATES.get(name, {})}.items():
            start_lab(cluster, lab)
            arrange(cluster, lab)
            found = record(lab, state)
            print(f"recorded {name} {state}: " + ", ".join(f"{task} {entry[0]}" for task, entry in found.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
