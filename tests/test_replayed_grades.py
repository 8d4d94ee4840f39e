"""The checks and the verdict rule on outputs recorded on the real cluster (tests/recorded/, made by
`python -m tests.record_grades`): no engine needed, so they run in the fast subset."""

from __future__ import annotations

import pytest

from tests.pristine import REGISTRY_LAB
from tests.replay import replay


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
