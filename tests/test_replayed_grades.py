"""The checks and the verdict rule on outputs recorded on the real cluster (tests/recorded/, made by
`python -m tests.record_grades`): no engine needed, so they run in the fast subset."""

from __future__ import annotations

import pytest

from dcalab.grading import BLOCKED, ENV_ERROR, FAIL, PASS
from dcalab.lab import find_lab, lab_names
from dcalab.session import LabSession
from dcalab.topology import topology
from tests.pristine import REGISTRY_LAB
from tests.quorum_states import OPERATIONS_LAB
from tests.replay import RECORDINGS, ReplayCluster, lab_and_state, mix, recorded, recording_file, replay, verdicts

RECORDED = sorted(lab_and_state(path) for path in RECORDINGS.glob("*.json"))  # [lab, state]


@pytest.mark.parametrize(("lab", "state"), RECORDED, ids=["-".join(entry) for entry in RECORDED])
def test_a_recorded_grade_replays_to_the_same_verdicts_and_messages(lab: str, state: str) -> None:
    replayed, recorded = replay(find_lab(lab), state)
    assert replayed == recorded


@pytest.mark.parametrize("lab", lab_names())
def test_every_lab_has_a_recorded_start_and_solved_state(lab: str) -> None:
    missing = [state for state in ("start", "solved") if not recording_file(lab, state).exists()]
    assert not missing, (f"The lab {lab} has no recorded {' or '.join(missing)} grade in tests/recorded/: record it "
                         f"on the real cluster: python -m tests.record_grades {lab}")


@pytest.mark.parametrize(("lab", "state"), [entry for entry in RECORDED if entry[1] in ("start", "solved")],
                         ids=["-".join(entry) for entry in RECORDED if entry[1] in ("start", "solved")])
def test_the_recordings_hold_what_they_are_named_for(lab: str, state: str) -> None:
    statuses = {task: entry[0] for task, entry in recorded(lab, state)["verdicts"].items()}
    assert set(statuses) == {task.id for task in find_lab(lab).tasks}
    if state == "start":
        assert PASS not in statuses.values(), statuses
    else:
        assert set(statuses.values()) == {PASS}, statuses


def test_a_grade_recorded_on_a_named_cluster_replays_with_that_cluster_s_addresses() -> None:
    """The registry lab's solved answers as a named cluster on 10.10.11.0/24 gives them: the same verdicts with
    its subnet recorded; read as the default cluster's, the swarm's manager address is not master's."""
    named = topology().renumbered("dcalab-named-lab", "10.10.11.0/24")
    answers = {node: {named.localize(command): [rc, named.localize(out), named.localize(err)]
                      for command, (rc, out, err) in asked.items()}
               for node, asked in recorded(REGISTRY_LAB.id, "solved")["answers"].items()}
    expected = {task: [status, score, named.localize(text)]
                for task, (status, score, text) in recorded(REGISTRY_LAB.id, "solved")["verdicts"].items()}
    assert verdicts(LabSession(REGISTRY_LAB, ReplayCluster(answers, named.subnet)).run_all()) == expected
    as_default = LabSession(REGISTRY_LAB, ReplayCluster(answers)).run_all()
    assert as_default["swarm-join"].status == FAIL, as_default["swarm-join"].describe()


def test_the_registry_recordings_hold_the_seed_s_start_and_mistakes() -> None:
    start, mistakes = (recorded(REGISTRY_LAB.id, state)["verdicts"] for state in ("start", "mistakes"))
    assert [start[task.id][0] for task in REGISTRY_LAB.tasks] == ["FAIL"] * 3 + ["BLOCKED"] * 5
    daemon, registry = mistakes["daemon-json"][2], mistakes["registry-running"][2]
    assert "found on worker1: /etc/docker/daemon.json line 3 column 1: Expecting property name" in daemon
    assert "found: publishes 5000/tcp on host port 5001" in registry and "/var/lib/registry is a tmpfs" in registry


QUORUM_STATES = ["quorum-start", "quorum-worker", "quorum-anew", "quorum-solved"]


def test_the_quorum_recordings_hold_what_they_are_named_for() -> None:
    """The start fails every check; worker2 re-joined as a worker and a swarm initialised anew each cost their own
    check only, named; the solve passes."""
    start, worker, anew, solved = (recorded(OPERATIONS_LAB.id, state)["verdicts"]["quorum"] for state in QUORUM_STATES)
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
