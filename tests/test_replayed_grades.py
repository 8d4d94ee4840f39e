"""The checks and the verdict rule on outputs recorded on the real cluster (tests/recorded/, made by
`python -m tests.record_grades`): no engine needed, so they run in the fast subset."""

from __future__ import annotations

import pytest

from dcalab.grading import BLOCKED, ENV_ERROR, FAIL
from dcalab.session import LabSession
from tests.pristine import REGISTRY_LAB
from tests.quorum_states import OPERATIONS_LAB
from tests.replay import QUORUM, ReplayCluster, mix, replay


@pytest.mark.parametrize("state", ["start", "mistakes", "solved"])
def test_a_recorded_grade_replays_to_the_same_verdicts_and_messages(state: str) -> None:
    replayed, recorded = replay(REGISTRY_LAB, state)
    assert replayed == recorded


def test_the_recordings_hold_what_they_are_named_for() -> None:
    start, solved, mistakes = (replay(REGISTRY_LAB, state)[1] for state in ("start", "solved", "mistakes"))
    assert [start[task.id][0] for task in REGISTRY_LAB.tasks] == ["FAIL"] * 3 + ["BLOCKED"] * 5
    assert {entry[0] for entry in solved.values()} == {"PASS"}
    daemon, registry = mistakes["daemon-json"][2], mistakes["registry-running"][2]
    assert "found on worker1: /etc/docker/daemon.json line 3 column 1: Expecting property name" in daemon
    assert "found: publishes 5000/tcp on host port 5001" in registry and "/var/lib/registry is a tmpfs" in registry


QUORUM_STATES = ["quorum-start", "quorum-worker", "quorum-anew", "quorum-solved"]


@pytest.mark.parametrize("state", QUORUM_STATES)
def test_a_recorded_quorum_grade_replays_to_the_same_verdict_and_messages(state: str) -> None:
    replayed, recorded = replay(OPERATIONS_LAB, state, QUORUM)
    assert replayed == recorded


def test_the_quorum_recordings_hold_what_they_are_named_for() -> None:
    """The start fails every check; worker2 re-joined as a worker and a swarm initialised anew each cost their own
    check only, named; the solve passes."""
    start, worker, anew, solved = (replay(OPERATIONS_LAB, state, QUORUM)[1]["quorum"] for state in QUORUM_STATES)
    assert start[:2] == ["FAIL", 0] and "worker1 is in no swarm; worker2 is in no swarm" in start[2]
    assert worker[:2] == ["FAIL", 5] and "worker2 is a worker" in worker[2] and "worker1 reachable" in worker[2]
    assert anew[:2] == ["FAIL", 5] and "the swarm holds none of them" in anew[2] and "nor the secret api_key" in anew[2]
    assert solved[:2] == ["PASS", 8]


# What a learner's server on the registry's port may answer (another program there, another registry, a proxy).
LEARNER_ANSWERS = {
    "a JSON list": ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[\"alpine\"]\n", '["alpine"]'),
    "nested values of the wrong type": ('HTTP/1.1 200 OK\r\n\r\n{"repositories": "alpine", "config": "x"}',
                                        '{"repositories": "alpine", "config": "x"}'),
    "not HTTP": ("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "not an HTTP answer: 'SSH-2.0-OpenSSH_9.2p1 Debian-2'"),
    "nothing": ("", "not an HTTP answer: ''"),
}


@pytest.mark.parametrize(("answer", "quoted"), LEARNER_ANSWERS.values(), ids=LEARNER_ANSWERS)
def test_a_registry_answer_the_learner_made_is_a_fail_quoting_it_never_env_error(answer: str, quoted: str) -> None:
    recording = mix(REGISTRY_LAB, "solved")
    master = recording["master"]
    for command in master:
        if "/v2/_catalog" in command or "/manifests/" in command:  # every registry answer the grade reads on master
            master[command] = [0, answer, ""]
    results = LabSession(REGISTRY_LAB, ReplayCluster(recording)).run_all()
    assert {task: result.status for task, result in results.items() if result.status == ENV_ERROR} == {}
    assert results["push-alpine"].status == FAIL
    assert results["catalog"].status == BLOCKED and quoted in results["catalog"].describe()  # its own FAIL, explained
