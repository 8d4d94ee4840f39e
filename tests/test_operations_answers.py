"""The written answers of the operations lab's journald and host-publishing tasks, compared as pure functions (the
tasks themselves run on the real cluster in tests/test_operations_lab.py)."""

from __future__ import annotations

import pytest

from checks.journald import Line, answer_is_failure
from checks.publishing import answer_names_nodes

ERROR = "billing: FATAL cannot connect to the ledger at ledger-3f9a01c2:5432: connection refused"
LINES = [Line("billing: starting, version 2.3.1", False), Line("billing: WARN cache is empty", False),
         Line(ERROR, True)]


@pytest.mark.parametrize("answer", [[ERROR], [f"Dec 06 12:00:01 worker1.docker-dca.example 3c5e1f0a2b7d[92]: {ERROR}"]])
def test_the_error_line_passes_as_the_message_or_as_journalctl_prints_it(answer: list[str]) -> None:
    assert answer_is_failure(answer, LINES, "", "billing").passed


@pytest.mark.parametrize(("answer", "found"), [
    (["billing: WARN cache is empty"], "ordinary output lines"),
    ([ERROR.replace("3f9a01c2", "00000000")], "never logged"),
    ([line.message for line in LINES], "3 lines"),
])
def test_another_line_or_every_line_fails_without_showing_the_right_one(answer: list[str], found: str) -> None:
    judged = answer_is_failure(answer, LINES, "", "billing")
    assert not judged.passed and found in judged.found and ERROR not in judged.found


def test_no_error_line_in_the_journal_is_never_a_pass() -> None:
    judged = answer_is_failure([LINES[0].message], LINES[:1], "", "billing")
    assert not judged.passed and "no error line" in judged.found


ALIASES = {"master": "master", "worker1": "worker1", "worker1.docker-dca.example": "worker1",
           "10.10.10.101": "worker1", "worker2": "worker2"}


@pytest.mark.parametrize("answer", [["worker1"], ["WORKER1.docker-dca.example"], ["10.10.10.101"]])
def test_a_node_named_any_way_passes(answer: list[str]) -> None:
    assert answer_names_nodes(answer, "", {"worker1"}, 8088, ALIASES).passed


@pytest.mark.parametrize(("answer", "answered", "found"), [
    (["master", "worker1", "worker2"], {"worker1"}, "where nothing answers"),  # what ingress would answer
    (["worker1"], {"worker1", "worker2"}, "leaves out 1 node"),
    (["web1"], {"worker1"}, "no node of the lab"),
    ([], set(), "no node answers on port 8088"),
])
def test_a_wrong_set_of_nodes_fails(answer: list[str], answered: set[str], found: str) -> None:
    judged = answer_names_nodes(answer, "", answered, 8088, ALIASES)
    assert not judged.passed and found in judged.found
