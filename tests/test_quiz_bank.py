"""The question bank validates, and the quiz engine scores the way the exam does."""

from __future__ import annotations

import random
import re
import shutil
import tomllib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from dcalab.quiz.bank import BANK_DIR, CHOOSE, DOMAINS, BankError, Option, Question, load_bank, validate_bank
from dcalab.quiz.engine import CORRECT, UNANSWERED, WRONG, Session, select, tally

MINIMUM = {domain: 10 for domain in DOMAINS} | {"image-registry": 40}
QUESTIONS = load_bank()


def test_every_question_validates() -> None:
    questions, problems = validate_bank()
    assert problems == []
    assert len(questions) == len(QUESTIONS)


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_each_domain_has_its_file_and_enough_questions(domain: str) -> None:
    raw = tomllib.loads((BANK_DIR / f"{domain}.toml").read_text(encoding="utf-8"))["question"]
    assert all(question["domain"] == domain for question in raw)
    assert Counter(q.domain for q in QUESTIONS)[domain] >= MINIMUM[domain]


def test_ids_are_unique_across_files() -> None:
    ids = Counter(q.id for q in QUESTIONS)
    assert [qid for qid, seen in ids.items() if seen > 1] == []


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_question_has_the_right_correct_options_for_its_kind(question: Question) -> None:
    correct = sum(option.correct for option in question.options)
    assert question.explanation and question.source and question.objective
    if question.kind == "mcq":
        assert correct == 1
    elif question.kind == "multi":
        said = CHOOSE.search(question.stem)
        assert correct >= 2
        assert said or "select all that apply" in question.stem.lower()
    else:
        assert question.kind == "domc" and correct >= 1 and len(question.options) >= 2


def test_docker_hub_limit_questions_cite_exam_facts() -> None:
    """The limits change over time: such a question names its period and cites the dated notes."""
    about_limits = [q for q in QUESTIONS if re.search(r"docker hub.*(pull|rate) limit", q.stem, re.I | re.S)]
    assert about_limits
    assert all("exam-facts.md" in q.source for q in about_limits)


def _broken_bank(tmp_path: Path, old: str, new: str) -> Path:
    for path in BANK_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "image-registry.toml"
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def test_validator_names_the_question_and_the_problem(tmp_path: Path) -> None:
    bank = _broken_bank(tmp_path, '{ text = "GET /v2/repositories", correct = false }',
                        '{ text = "GET /v2/repositories", correct = true }')
    _, problems = validate_bank(bank)
    assert problems == ["img-006 in image-registry.toml: an mcq needs exactly one correct option"]
    with pytest.raises(BankError, match=r"img-006 in image-registry\.toml"):
        load_bank(bank)


@pytest.mark.parametrize(("old", "new", "problem"), [
    ('id = "img-002"', 'id = "img-001"', "img-001 in image-registry.toml: the id is already used"),
    ('domain = "image-registry"\nobjective = "Tag images"', 'domain = "networking"\nobjective = "Tag images"',
     "img-005 in image-registry.toml: domain is 'networking' but the file is image-registry.toml"),
    ("(Choose two.)", "(Choose three.)", "img-048 in image-registry.toml: the stem asks for 3 answers but 2 options"),
    ('source = "https://docs.docker.com/reference/cli/docker/image/pull/"', 'source = ""',
     "img-001 in image-registry.toml: source must be non-empty text"),
    ('kind = "domc"', 'kind = "essay"', "img-001 in image-registry.toml: kind must be one of domc, mcq, multi"),
])
def test_validator_reports_each_kind_of_problem(tmp_path: Path, old: str, new: str, problem: str) -> None:
    _, problems = validate_bank(_broken_bank(tmp_path, old, new))
    assert any(found.startswith(problem) for found in problems), problems


# --- engine ---------------------------------------------------------------------------------------------------

class InOrder(random.Random):
    """Shows options in bank order, so a test knows which option comes next."""

    def sample(self, population: Sequence[int], k: int, *, counts: object = None) -> list[int]:
        return list(population)[:k]


def question(kind: str, *correct: bool, qid: str = "img-900", domain: str = "image-registry") -> Question:
    options = tuple(Option(f"option {i}", flag) for i, flag in enumerate(correct))
    return Question(qid, domain, "an objective", kind, "A stem (Choose two.)", options, "why", "https://docs.docker.com/")


def test_domc_ends_at_once_on_a_yes_to_a_wrong_option() -> None:
    session = Session([question("domc", False, True, True, False)], rng=InOrder())
    result = session.answer_domc(yes=True)
    assert result is not None and result.outcome == WRONG
    assert result.accepted == (0,) and session.finished


def test_domc_ends_at_once_on_a_no_to_a_correct_option() -> None:
    session = Session([question("domc", True, False, True)], rng=InOrder())
    result = session.answer_domc(yes=False)
    assert result is not None and result.outcome == WRONG
    assert result.rejected == (0,) and session.finished


def test_domc_passes_once_every_correct_option_is_accepted() -> None:
    session = Session([question("domc", False, True, False, True, False)], rng=InOrder())
    answers = [session.answer_domc(yes) for yes in (False, True, False)]
    assert answers == [None, None, None]
    assert session.current is not None and session.current.offered == 3
    result = session.answer_domc(yes=True)
    assert result is not None and result.outcome == CORRECT  # option 4 is never shown
    assert (result.accepted, result.rejected) == ((1, 3), (0, 2))


def test_domc_shows_options_in_shuffled_order() -> None:
    orders = {tuple(Session([question("domc", True, False, False, False)], rng=random.Random(seed)).items[0].order)
              for seed in range(20)}
    assert len(orders) > 1 and all(sorted(order) == [0, 1, 2, 3] for order in orders)


@pytest.mark.parametrize(("picks", "outcome"), [([0, 2], CORRECT), ([0], WRONG), ([0, 1, 2], WRONG), ([1], WRONG)])
def test_multi_is_all_or_nothing(picks: list[int], outcome: str) -> None:
    session = Session([question("multi", True, False, True)], rng=InOrder())
    assert session.answer_choice(picks).outcome == outcome


def test_mcq_takes_exactly_one_answer() -> None:
    session = Session([question("mcq", False, True, False)], rng=InOrder())
    with pytest.raises(ValueError, match="exactly one"):
        session.answer_choice([0, 1])
    with pytest.raises(ValueError, match="answer_choice"):
        session.answer_domc(yes=True)
    assert session.answer_choice([1]).outcome == CORRECT


def test_answers_after_the_deadline_do_not_count() -> None:
    now = [100.0]
    questions = [question("mcq", True, False, qid=f"img-90{i}") for i in range(3)]
    session = Session(questions, rng=InOrder(), deadline=110.0, clock=lambda: now[0])
    now[0] = 104.0
    assert session.answer_choice([0]).outcome == CORRECT
    assert session.remaining() == 6.0
    now[0] = 111.0
    late = session.answer_choice([0])
    assert late.outcome == UNANSWERED and late.question_id == "img-901"
    assert session.finished and session.timed_out
    assert [r.outcome for r in session.results] == [CORRECT, UNANSWERED, UNANSWERED]
    assert [r.seconds for r in session.results] == [4.0, 7.0, 0.0]


def test_expire_leaves_every_remaining_item_unanswered() -> None:
    session = Session([question("domc", True, False), question("mcq", True, False, qid="img-901")], deadline=1.0)
    session.expire()
    assert [r.outcome for r in session.results] == [UNANSWERED, UNANSWERED] and session.current is None


def test_stop_keeps_only_the_decided_items() -> None:
    session = Session([question("mcq", True, False), question("mcq", True, False, qid="img-901")], rng=InOrder())
    session.answer_choice([0])
    session.stop()
    assert session.finished and [r.question_id for r in session.results] == ["img-900"]


def test_results_carry_domain_and_objective_and_tally_by_domain() -> None:
    questions = [question("mcq", True, False), question("mcq", True, False, qid="net-900", domain="networking")]
    session = Session(questions, rng=InOrder())
    session.answer_choice([0])
    session.answer_choice([1])
    first = session.results[0]
    assert (first.question_id, first.domain, first.objective, first.kind) == ("img-900", "image-registry",
                                                                              "an objective", "mcq")
    assert tally(session.results) == {"image-registry": (1, 1), "networking": (0, 1)}


def test_select_filters_counts_and_repeats_with_a_seed() -> None:
    chosen = select(QUESTIONS, rng=random.Random(5), domain="networking", kind="mcq", count=4)
    assert len(chosen) == 4 and all(q.domain == "networking" and q.kind == "mcq" for q in chosen)
    assert chosen == select(QUESTIONS, rng=random.Random(5), domain="networking", kind="mcq", count=4)
    assert len(select(QUESTIONS, rng=random.Random(5))) == len(QUESTIONS)
