"""What the exam draws and how it shows each question: pure functions, no terminal."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from dcalab.dca import CORRECT, DOMAINS, WRONG
from dcalab.exam.draw import EXAM_DOMC, EXAM_ITEMS, domc_count, pick_questions, presentations, shares
from dcalab.quiz.bank import Option, Question
from dcalab.quiz.engine import Session, one_per_fact, select, shown_kind, shown_stem
from tests.bank import BANK, QUESTIONS

QUOTAS = {"orchestration": 14, "image-registry": 11, "installation-configuration": 8, "networking": 8,
          "security": 8, "storage-volumes": 6}


def question(qid: str, kind: str = "mcq", *correct: bool, domain: str = "networking",
             stem: str = "Which is true?") -> Question:
    options = tuple(Option(f"option {i}", flag) for i, flag in enumerate(correct or (True, False, False)))
    return Question(qid, domain, "an objective", kind, stem, options, "why", "https://docs.docker.com/")


def bank(per_domain: dict[str, int]) -> list[Question]:
    return [question(f"{DOMAINS[d][1]}-{n:03d}", domain=d) for d, many in per_domain.items() for n in range(many)]


def test_the_real_exam_shares_55_items_by_the_domains_weights() -> None:
    assert shares(EXAM_ITEMS) == QUOTAS
    assert (domc_count(EXAM_ITEMS), EXAM_ITEMS - domc_count(EXAM_ITEMS)) == (EXAM_DOMC, 13)
    picked, notes = pick_questions(QUESTIONS, EXAM_ITEMS, random.Random(1))
    assert Counter(q.domain for q in picked) == QUOTAS and notes == []


def test_a_domain_short_of_its_share_is_filled_from_others_and_said() -> None:
    short = {**QUOTAS, "storage-volumes": 4, "security": 20}
    picked, notes = pick_questions(bank(short), EXAM_ITEMS, random.Random(2))
    counts = Counter(q.domain for q in picked)
    assert len(picked) == EXAM_ITEMS and counts["storage-volumes"] == 4 and counts["security"] > 8
    assert notes == ["The bank has 4 Storage and Volumes questions, not the 6 its weight asks for: other domains "
                     "fill the gap."]
    assert shares(100, {"networking": 3}) == {**dict.fromkeys(QUOTAS, 0), "networking": 3}  # no more than there is


def test_presentation_chooses_how_many_are_domc_whatever_their_kind() -> None:
    questions = [question(f"net-{n:03d}", kind, *correct) for n, (kind, correct) in enumerate(
        [("mcq", (True, False))] * 6 + [("domc", (True, True, False))] * 3 + [("multi", (True, True, False))] * 3)]
    kinds = presentations(questions, 8, random.Random(3))
    assert kinds.count("domc") == 8
    assert kinds[6:9] == ["domc"] * 3  # written as DOMC: shown as DOMC first
    assert kinds[9:] == ["multi"] * 3  # several correct options as multiple choice: "choose N"
    assert kinds[:6].count("domc") == 5 and kinds[:6].count("mcq") == 1  # mcq before multi for the rest
    assert kinds == presentations(questions, 8, random.Random(3))  # a seed repeats it
    assert presentations(questions, 0, random.Random(3)) == ["mcq"] * 6 + ["multi"] * 6
    assert presentations(questions, 20, random.Random(3)) == ["domc"] * 12
    assert len({tuple(presentations(questions, 4, random.Random(seed))) for seed in range(10)}) > 1  # ties: at random


def test_the_stem_as_shown_says_how_many_to_choose_only_in_multiple_choice() -> None:
    written_multi = question("net-001", "multi", True, True, False, stem="Which are true? (Choose two.)")
    written_domc = question("net-002", "domc", True, True, True, False, stem="Which are true?")
    assert shown_stem(written_multi, "domc") == "Which are true?"
    assert shown_stem(written_multi, shown_kind(written_multi, domc=False)) == "Which are true? (Choose two.)"
    assert shown_stem(written_domc, shown_kind(written_domc, domc=False)) == "Which are true? (Choose three.)"
    assert shown_stem(question("net-003"), "domc") == "Which is true?" == shown_stem(question("net-003"), "mcq")


@pytest.mark.parametrize(("yes", "outcome"), [(True, CORRECT), (False, WRONG)])
def test_an_mcq_shown_as_domc_is_answered_one_option_at_a_time(yes: bool, outcome: str) -> None:
    session = Session([question("net-001", "mcq", True, False, False)], kinds=["domc"], rng=random.Random(0))
    while not session.current.offered_option.correct:
        assert session.answer_domc(yes=False) is None  # a wrong option that comes first, rightly refused
    result = session.answer_domc(yes=yes)
    assert result is not None and result.outcome == outcome and result.kind == "domc"


def test_a_domc_question_shown_as_multiple_choice_takes_letters() -> None:
    session = Session([question("net-001", "domc", True, False, True)], kinds=["multi"], rng=random.Random(0))
    item = session.current
    picks = [position for position, index in enumerate(item.order) if item.question.options[index].correct]
    with pytest.raises(ValueError, match="shown as multi: answer it with answer_choice"):
        session.answer_domc(yes=True)
    result = session.answer_choice(picks)
    assert result.outcome == CORRECT and result.kind == "multi" and result.shown == item.order


def test_questions_never_seen_come_first_then_those_seen_longest_ago() -> None:
    questions = bank({"networking": 6})
    seen = {"net-000": 5, "net-001": 9, "net-002": 2}  # net-003 to net-005 never answered
    assert {q.id for q in select(questions, rng=random.Random(4), count=3, seen=seen)} == {"net-003", "net-004",
                                                                                          "net-005"}
    assert {q.id for q in select(questions, rng=random.Random(4), count=5, seen=seen)} == {
        "net-003", "net-004", "net-005", "net-002", "net-000"}
    picked, _ = pick_questions(bank({**QUOTAS, "networking": 10}), EXAM_ITEMS, random.Random(4),
                               {f"net-{n:03d}": n + 1 for n in range(10)})
    assert sorted(q.id for q in picked if q.domain == "networking") == [f"net-{n:03d}" for n in range(8)]


PAIRS = ["net-050/orc-085", "net-065/orc-086", "net-006/net-055", "net-013/orc-113", "ins-033/sto-031",
         "ins-034/sto-032", "ins-069/net-059", "net-066/orc-088", "ins-062/sec-030", "img-084/sec-049",
         "orc-090/sto-004", "ins-049/sec-039", "img-076/orc-057"]  # issue 32: each pair asks one fact


@pytest.mark.parametrize("pair", PAIRS)
def test_the_pairs_that_ask_the_same_fact_share_a_fact_group(pair: str) -> None:
    first, second = (BANK[qid] for qid in pair.split("/"))
    assert first.fact and first.fact == second.fact


def test_no_quiz_or_exam_draws_two_items_of_one_fact_group() -> None:
    grouped = [q for q in BANK.values() if q.fact]
    for seed in range(30):
        for drawn in (select(BANK.values(), rng=random.Random(seed), count=200),
                      pick_questions(list(BANK.values()), 200, random.Random(seed))[0],
                      pick_questions(list(BANK.values()), 1000, random.Random(seed))[0]):
            facts = Counter(q.fact for q in drawn if q.fact)
            assert facts and max(facts.values()) == 1
    everything = one_per_fact(BANK.values(), random.Random(1))
    assert len(everything) == len(BANK) - len(grouped) + len({q.fact for q in grouped})


def test_either_item_of_a_group_can_be_drawn() -> None:
    first, second = (BANK[qid] for qid in PAIRS[0].split("/"))
    drawn = {q.id for seed in range(40) for q in one_per_fact([first, second], random.Random(seed))}
    assert drawn == {first.id, second.id}
