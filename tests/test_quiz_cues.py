"""The bank cannot be gamed (issue 32): neither option length nor always answering yes or no points to the key.

The figures are bounded on the whole bank, and test-wise learners sit many practice exams drawn and scored by the
exam's own code, so that a future item cannot silently bring a cue back."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from statistics import mean

import pytest

from dcalab.exam.draw import EXAM_ITEMS, domc_count, pick_questions, presentations
from dcalab.quiz.bank import Option, Question
from dcalab.quiz.engine import Item, Session
from dcalab.quiz.stats import LONG_KEY, cues
from tests.bank import QUESTIONS

CHANCE_BOUND = 0.30  # a test-wise learner scores under this share (chance on four options is 25 %)
EXAMS = 300  # practice exams per learner: about 16,000 items, enough for a stable mean

# A test-wise learner answers from the options' surface only: `yes` for a DOMC option shown alone, `picks` for the
# positions chosen at a multiple-choice item (as many as it asks for).
Yes = Callable[[Option], bool]
Picks = Callable[[Item], list[int]]


def _wanted(item: Item) -> int:
    return len(item.question.correct_indices)


def _first_shown(item: Item) -> list[int]:
    """A guess: the first options as shown, whose order is drawn per showing."""
    return list(range(_wanted(item)))


def _longest(item: Item) -> list[int]:
    by_length = sorted(range(len(item.options)), key=lambda position: -len(item.options[position].text))
    return by_length[:_wanted(item)]


TYPICAL_LENGTH = mean(len(option.text) for question in QUESTIONS for option in question.options)
LEARNERS: dict[str, tuple[Yes, Picks]] = {
    "yes to everything": (lambda option: True, lambda item: list(range(len(item.options)))
                          if item.kind == "multi" else _first_shown(item)),
    "no to everything": (lambda option: False, _first_shown),
    # DOMC shows one option at a time: this learner says yes to an option longer than options usually are.
    "always the longest": (lambda option: len(option.text) > TYPICAL_LENGTH, _longest),
}


def _practice_exam(yes: Yes, picks: Picks, rng: random.Random, bank: Sequence[Question] = QUESTIONS) -> float:
    """The share of items one learner gets right in a practice exam drawn and scored as `dcalab exam` does."""
    questions, _ = pick_questions(bank, EXAM_ITEMS, rng)
    session = Session(questions, kinds=presentations(questions, domc_count(len(questions)), rng), rng=rng)
    while (item := session.current) is not None:
        if item.kind == "domc":
            session.answer_domc(yes(item.offered_option))
        else:
            session.answer_choice(picks(item))
    return sum(result.correct for result in session.results) / len(session.results)


@pytest.mark.parametrize("learner", list(LEARNERS))
def test_a_test_wise_learner_scores_under_30_percent_on_the_practice_exam(learner: str) -> None:
    rng = random.Random(f"issue 32 {learner}")
    score = mean(_practice_exam(*LEARNERS[learner], rng) for _ in range(EXAMS))
    assert score < CHANCE_BOUND, f"{learner}: {score:.1%} of the items right without knowing Docker"


def test_the_simulation_catches_keys_that_stand_out_by_length() -> None:
    """A bank whose correct options all carry a long tail is gamed at once: the simulation would say so."""
    tail = ", which is what Docker's documentation says about it"
    gamed = [replace(q, options=tuple(replace(o, text=o.text + tail) if o.correct else o for o in q.options))
             for q in QUESTIONS]
    rng = random.Random(3)
    score = mean(_practice_exam(*LEARNERS["always the longest"], rng, gamed) for _ in range(EXAMS // 10))
    assert score > 0.5


def test_the_simulated_learner_answers_every_item_of_the_exam() -> None:
    """The simulation is the exam: 55 items, 42 of them DOMC, each decided."""
    rng = random.Random(1)
    questions, _ = pick_questions(QUESTIONS, EXAM_ITEMS, rng)
    kinds = presentations(questions, domc_count(len(questions)), rng)
    assert len(questions) == EXAM_ITEMS and kinds.count("domc") == domc_count(EXAM_ITEMS)
    assert 0 < _practice_exam(*LEARNERS["always the longest"], random.Random(2)) < 1


def test_the_mcq_key_is_rarely_the_longest_option_and_never_far_longer() -> None:
    found = cues(QUESTIONS)
    assert found.longest_key <= 0.30 * found.mcq, f"{found.longest_key} of {found.mcq} mcq keys are the longest option"
    long_keys = [q.id for q in QUESTIONS if q.kind == "mcq" and max(len(o.text) for o in q.options if o.correct)
                 > LONG_KEY * max(len(o.text) for o in q.options if not o.correct)]
    assert long_keys == [], f"keys more than {LONG_KEY:g} x as long as every distractor"
    assert found.long_key == 0


def test_domc_correct_and_wrong_options_are_about_as_long() -> None:
    found = cues(QUESTIONS)
    assert abs(found.correct_length - found.wrong_length) <= 0.10 * found.wrong_length, \
        f"correct options average {found.correct_length:.0f} characters, wrong ones {found.wrong_length:.0f}"


def test_the_domc_yes_rate_is_between_35_and_50_percent() -> None:
    found = cues(QUESTIONS)
    assert 0.35 <= found.domc_correct / found.domc_options <= 0.50, \
        f"{found.domc_correct} of {found.domc_options} options of domc items are correct"
