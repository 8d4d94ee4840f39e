"""The question bank validates, and the quiz engine scores the way the exam does."""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from dcalab.dca import CORRECT, UNANSWERED, WRONG
from dcalab.history import Run
from dcalab.objectives import OBJECTIVES_FILE
from dcalab.quiz.bank import (
    BANK_DIR,
    CHOOSE,
    DOMAINS,
    BankError,
    Era,
    Option,
    Question,
    load_bank,
    load_objectives,
    validate_bank,
)
from dcalab.quiz.drafts import DRAFTS_DIR, main, validate_drafts
from dcalab.quiz.engine import Session, select, tally
from dcalab.quiz.keys import Keys
from dcalab.quiz.review import from_history, history_items, print_review, render_review_html
from dcalab.quiz.stats import bank_stats
from dcalab.quiz.terminal import Quiz
from tests.bank import QUESTIONS

MINIMUM = {domain: 10 for domain in DOMAINS} | {"image-registry": 40}


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


def test_docker_hub_limit_questions_cite_dockers_pulls_page() -> None:
    """The limits change over time: such a question, in the bank or drafted, cites the page that states them."""
    drafts, _, _ = validate_drafts(sorted(DRAFTS_DIR.glob("*.toml")))
    about_limits = [q for q in QUESTIONS + drafts if re.search(r"docker hub.*(pull|rate) limit", q.stem, re.I | re.S)]
    assert about_limits
    assert all("https://docs.docker.com/docker-hub/usage/pulls/" in q.source for q in about_limits)


def test_no_item_cites_a_source_a_learner_cannot_open() -> None:
    """Every source and era note points to public pages, never to the project's own notes (issue 32)."""
    cited = [q.id for q in QUESTIONS if re.search(r"exam-facts|shared/notes", q.source + (q.era_text or ""))]
    assert cited == []
    assert all(q.source.startswith("https://") for q in QUESTIONS)


DCT = re.compile(r"content trust|DOCKER_CONTENT_TRUST|docker trust\b", re.IGNORECASE)


def test_every_docker_content_trust_item_carries_the_same_era_note() -> None:
    about_dct = [q for q in QUESTIONS if DCT.search(q.stem + " " + " ".join(o.text for o in q.options))]
    notes = {q.era.note for q in about_dct if q.era}
    assert len(about_dct) >= 13 and all(q.era for q in about_dct) and len(notes) == 1
    (note,) = notes
    assert "https://github.com/docker/cli/pull/6603" in note and "CLI 29.0" in note and "December 8, 2026" in note


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
    ('id = "img-002"', 'id = "img-001"', "img-001: the id is already used in image-registry"),
    ('id = "img-005"\ndomain = "image-registry"', 'id = "img-005"\ndomain = "networking"',
     "img-005 in image-registry.toml: domain is 'networking' but the file is for image-registry"),
    ("(Choose two.)", "(Choose three.)", "img-048 in image-registry.toml: the stem asks for 3 answers but 2 options"),
    ('source = "https://docs.docker.com/reference/cli/docker/image/pull/"', 'source = ""',
     "img-001 in image-registry.toml: source must be non-empty text"),
    ('kind = "domc"', 'kind = "essay"', "img-001 in image-registry.toml: kind must be one of domc, mcq, multi"),
])
def test_validator_reports_each_kind_of_problem(tmp_path: Path, old: str, new: str, problem: str) -> None:
    _, problems = validate_bank(_broken_bank(tmp_path, old, new))
    assert any(found.startswith(problem) for found in problems), problems


# --- the schema's rules, on tiny banks ------------------------------------------------------------------------

ITEM = {"id": '"img-001"', "domain": '"image-registry"', "objective_id": '"2.2"', "kind": '"mcq"',
        "stem": '"Which Dockerfile instruction sets the default command that a container of this image runs?"',
        "options": '[{ text = "CMD", correct = true }, { text = "RUN", correct = false }]',
        "explanation": '"why"', "source": '"https://docs.docker.com/reference/dockerfile/"',
        "reviewed": '{ by = "a second reader", passage = "the passage that decides the key" }'}
# One valid item per other domain, so that a tiny bank has all six files.
OTHERS = {"orchestration": ("orc", "1.1", "Which command creates a swarm?"),
          "installation-configuration": ("ins", "3.3", "Which logging driver is the default?"),
          "networking": ("net", "4.2", "Which driver spans several hosts?"),
          "security": ("sec", "5.3", "Which kernel feature limits memory?"),
          "storage-volumes": ("sto", "6.5", "Where does a local volume keep its data?")}


def item(**fields: str | None) -> str:
    """An image-registry item as TOML; each field is given as TOML text, None leaves it out."""
    return "[[question]]\n" + "".join(f"{key} = {value}\n" for key, value in (ITEM | fields).items() if value)


def tiny_bank(tmp_path: Path, *image_items: str, **files: list[str]) -> Path:
    """objectives.toml and six domain files: the image-registry items given (one valid item by default)."""
    shutil.copy(BANK_DIR / OBJECTIVES_FILE, tmp_path / OBJECTIVES_FILE)
    for domain, (prefix, objective, stem) in OTHERS.items():
        items = files.get(domain.replace("-", "_")) or [item(id=f'"{prefix}-001"', domain=f'"{domain}"',
                                                            objective_id=f'"{objective}"', stem=f'"{stem}"')]
        (tmp_path / f"{domain}.toml").write_text("\n".join(items), encoding="utf-8")
    (tmp_path / "image-registry.toml").write_text("\n".join(image_items or [item()]), encoding="utf-8")
    return tmp_path


def test_a_tiny_bank_loads_with_the_objectives_wording(tmp_path: Path) -> None:
    questions = {q.id: q for q in load_bank(tiny_bank(tmp_path))}
    assert len(questions) == 6
    first = questions["img-001"]
    assert (first.objective_id, first.objective) == ("2.2", load_objectives()["2.2"].text)
    assert first.reviewed is not None and first.reviewed.by == "a second reader"
    assert first.era is None and first.era_text == ""


@pytest.mark.parametrize(("fields", "problem"), [
    ({"objective_id": '"9.9"'}, "objective_id '9.9' is not in objectives.toml"),
    ({"objective_id": '"1.3"'}, "objective 1.3 belongs to orchestration, not image-registry"),
    ({"objective_id": None}, "objective_id is missing"),
    ({"reviewed": None}, "reviewed is missing"),
    ({"reviewed": '{ by = "a second reader" }'}, "reviewed must be a table of non-empty text"),
    ({"reviewed": '{ by = "", passage = "p" }'}, "reviewed must be a table of non-empty text"),
    ({"era": '{ asks = "someday", note = "n" }'}, "era.asks must be one of exam, current"),
    ({"era": '{ asks = "exam" }'}, "era must be a table of non-empty text"),
    ({"options": '[{ text = "CMD", correct = true }, { text = "ENTRYPOINT", correct = true }]', "kind": '"domc"'},
     "a question needs at least one correct and one wrong option"),
    ({"options": '[{ text = "CMD", correct = false }, { text = "RUN", correct = false }]', "kind": '"domc"'},
     "a question needs at least one correct and one wrong option"),
    ({"objective": '"Write Dockerfiles"'}, "unknown field 'objective'"),
])
def test_validator_refuses_each_schema_problem(tmp_path: Path, fields: dict[str, str | None], problem: str) -> None:
    _, problems = validate_bank(tiny_bank(tmp_path, item(**fields)))
    assert [p for p in problems if problem in p and p.startswith("img-001 in image-registry.toml: ")], problems


@pytest.mark.parametrize("text", ["All of the above", "None of the above.", "Both A and B", "All of these",
                                  "Neither of the others", "A and C only", "none of these options"])
def test_validator_refuses_options_that_cannot_be_judged_alone(tmp_path: Path, text: str) -> None:
    options = f'[{{ text = "CMD", correct = true }}, {{ text = "{text}", correct = false }}]'
    _, problems = validate_bank(tiny_bank(tmp_path, item(options=options)))
    assert problems == [f"img-001 in image-registry.toml: option 2 ({text!r}) cannot be judged alone, "
                        "as DOMC shows it"]


def test_validator_refuses_an_objective_the_guide_repeats(tmp_path: Path) -> None:
    twin = item(id='"net-001"', domain='"networking"', objective_id='"4.10"', stem='"Which traffic flows to UCP?"')
    _, problems = validate_bank(tiny_bank(tmp_path, networking=[twin]))
    assert problems == ["net-001 in networking.toml: objective 4.10 repeats 4.3: name 4.3"]


def test_validator_refuses_near_duplicate_stems_across_files(tmp_path: Path) -> None:
    reworded = item(id='"orc-002"', domain='"orchestration"', objective_id='"1.1"',
                    stem='"Which Dockerfile instruction sets the default command that a container of the image runs?"')
    distinct = item(id='"img-002"', stem='"Which Dockerfile instruction sets the user that the container runs as?"')
    orchestration = [item(id='"orc-001"', domain='"orchestration"', objective_id='"1.1"', stem='"Which command?"'),
                     reworded]
    _, problems = validate_bank(tiny_bank(tmp_path, item(), distinct, orchestration=orchestration))
    assert problems == ["img-001 and orc-002: the stems are near-duplicates (similarity 0.93 >= 0.9)"]


def test_generic_domc_stems_on_different_subjects_are_not_near_duplicates(tmp_path: Path) -> None:
    stacks = item(kind='"domc"', stem='"Which statements about swarm stacks are true?"')
    autolock = item(id='"img-002"', kind='"domc"', stem='"Which statements about swarm autolock are true?"')
    assert validate_bank(tiny_bank(tmp_path, stacks, autolock))[1] == []


def test_era_says_which_answer_the_item_asks() -> None:
    asks_exam = Question("sto-900", "storage-volumes", "o", "mcq", "Which driver?", (Option("overlay2", True),
                         Option("vfs", False)), "why", "https://docs.docker.com/", "6.1",
                         Era("exam", "From Engine 29.0 fresh installs use the containerd image store."))
    assert asks_exam.era_text == ("This question asks about the DCA exam's era (study guide v1.5, October 2020). "
                                  "From Engine 29.0 fresh installs use the containerd image store.")
    asks_today = replace(asks_exam, era=Era("current", "Before 23.0 it also removed named volumes."))
    assert asks_today.era_text == ("This question asks about Docker as it is today. "
                                   "Before 23.0 it also removed named volumes.")


def test_the_live_bank_items_are_reviewed_and_their_eras_valid() -> None:
    assert all(q.reviewed and q.reviewed.by and q.reviewed.passage for q in QUESTIONS)
    assert all(q.era is None or q.era_text.startswith("This question asks about") for q in QUESTIONS)


def test_objectives_follow_the_study_guide() -> None:
    objectives = load_objectives()
    per_domain = Counter(o.domain for o in objectives.values())
    assert list(per_domain.values()) == [18, 17, 11, 14, 13, 9] and list(per_domain) == list(DOMAINS)
    for number, domain in enumerate(DOMAINS, start=1):
        ids = [o.id for o in objectives.values() if o.domain == domain]
        assert ids == [f"{number}.{n}" for n in range(1, per_domain[domain] + 1)]
    product_only = {o.id for o in objectives.values() if re.search(r"UCP|DTR|Kubernetes|devicemapper", o.text)}
    assert product_only - {"6.6"} <= {o.id for o in objectives.values() if o.knowledge_only}


def test_load_bank_ignores_the_drafts_folder(tmp_path: Path) -> None:
    bank = tiny_bank(tmp_path)
    (bank / "drafts").mkdir()
    (bank / "drafts" / "image-registry-broken.toml").write_text("not = [valid toml", encoding="utf-8")
    assert len(load_bank(bank)) == 6


def test_drafts_need_no_review_but_every_other_rule(tmp_path: Path) -> None:
    (tmp_path / "bank").mkdir()
    bank = tiny_bank(tmp_path / "bank")
    drafts = tmp_path / "image-registry-new.toml"
    fresh = item(id='"img-002"', reviewed=None, stem='"Which Dockerfile instruction sets the working directory?"')
    drafts.write_text(fresh, encoding="utf-8")
    found, problems, _ = validate_drafts([drafts], bank)
    assert [q.id for q in found] == ["img-002"] and problems == []
    again = item(id='"img-003"', reviewed=None,
                 stem='"Which Dockerfile instruction sets the default command that a container of the image runs?"')
    drafts.write_text(fresh + "\n" + again + "\n" + item(reviewed=None, stem='"Which one? All of them."'),
                      encoding="utf-8")
    _, problems, _ = validate_drafts([drafts, tmp_path / "misc.toml"], bank)
    assert problems == [
        "misc.toml: a drafts file is named <domain>-<name>.toml, domain one of " + ", ".join(DOMAINS),
        "img-001: the id is already used in image-registry",
        "img-001 and img-003: the stems are near-duplicates (similarity 0.93 >= 0.9)"]


def test_drafts_command_reports_and_fails_on_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "image-registry-example.toml"
    draft.write_text(item(id='"img-900"', reviewed=None,
                          stem='"Which flag of docker image history shows each layer\'s full command, untruncated?"'),
                     encoding="utf-8")
    assert main([str(draft)]) == 0
    assert "1 draft item(s) pass every rule but `reviewed`; 0 problem(s) in 1 file(s)." in capsys.readouterr().out
    copy = tmp_path / "security-copy.toml"
    shutil.copy(BANK_DIR / "security.toml", copy)
    assert main([str(copy)]) == 1  # the live items, drafted again, reuse their ids and stems
    assert "sec-003: the id is already used in security" in capsys.readouterr().out


def test_stats_count_domains_and_kinds_and_list_thin_objectives(tmp_path: Path) -> None:
    report = bank_stats(load_bank(tiny_bank(tmp_path)), load_objectives())
    assert "Image Creation, Management and Registry      0      1      0      1" in report
    assert "All domains                                  0      6      0      6" in report
    assert "Study-guide objectives with fewer than 2 items: 81 of 81" in report
    assert f"  2.2       1  {load_objectives()['2.2'].text}" in report
    assert "4.10" not in report and "knowledge only" in report


def test_stats_print_the_cue_figures(tmp_path: Path) -> None:
    grouped = [item(), item(id='"img-002"', stem='"Which instruction is the default command of a container?"',
                            fact='"default-command"'),
               item(id='"img-003"', stem='"What does CMD set?"', fact='"default-command"',
                    options='[{ text = "RUN", correct = false }, { text = "The default command", correct = true }]')]
    report = bank_stats(load_bank(tiny_bank(tmp_path, *grouped)), load_objectives())
    assert "mcq key is the strictly longest option: 1/8 (12 %); over 1.5 x the longest distractor: 1" in report
    assert "mcq key is the first option in the files: 7/8 (88 %)" in report
    assert "DOMC yes-rate (correct share of domc options): 0/0 (0 %)" in report
    assert "fact groups (items asking the same thing, one per quiz or exam): 1 groups of 2 items" in report


@pytest.mark.parametrize(("fact", "problem"), [
    ('"Default Command"', "fact must be a name in lower case words joined by hyphens"),
    ('"lonely-fact"', "img-001: no other item has the fact 'lonely-fact'"),
])
def test_validator_refuses_a_bad_fact(tmp_path: Path, fact: str, problem: str) -> None:
    _, problems = validate_bank(tiny_bank(tmp_path, item(fact=fact)))
    assert any(problem in found for found in problems), problems


def test_drafts_that_repeat_a_key_of_the_bank_are_warned_about_unless_grouped(tmp_path: Path) -> None:
    (tmp_path / "bank").mkdir()
    bank = tiny_bank(tmp_path / "bank", item(fact='"default-command"'),
                     item(id='"img-002"', stem='"Which instruction runs a command at build time?"',
                          options='[{ text = "RUN", correct = true }, { text = "CMD", correct = false }]',
                          fact='"default-command"'))
    drafts = tmp_path / "image-registry-new.toml"
    drafts.write_text(item(id='"img-003"', reviewed=None, stem='"A container of the image runs what, unless told?"',
                           options='[{ text = "ENTRYPOINT", correct = false }, { text = "CMD", correct = true }]'),
                      encoding="utf-8")
    _, problems, warnings = validate_drafts([drafts], bank)
    images = [warning for warning in warnings if re.match(r"img-\d+ and img-", warning)]  # the others say CMD too
    assert problems == [] and images == [
        "img-001 and img-003 share a key ('CMD'): if they ask the same thing, give both the same fact"]
    drafts.write_text(drafts.read_text(encoding="utf-8") + 'fact = "default-command"\n', encoding="utf-8")
    _, problems, warnings = validate_drafts([drafts], bank)
    assert problems == [] and [warning for warning in warnings if re.match(r"img-\d+ and img-", warning)] == []


def test_the_validator_catches_a_reference_to_another_option(tmp_path: Path) -> None:
    for text in ("Both commands create a volume", "Either command works", "Neither of them works",
                 "The other option is safer"):
        options = f'[{{ text = "{text}", correct = true }}, {{ text = "Something else", correct = false }}]'
        _, problems = validate_bank(tiny_bank(tmp_path, item(options=options)))
        assert any("cannot be judged alone" in found for found in problems), (text, problems)


# --- engine ---------------------------------------------------------------------------------------------------

class InOrder(random.Random):
    """Shows options in bank order, so a test knows which option comes next, and no option after a DOMC item is
    decided."""

    def sample(self, population: Sequence[int], k: int, *, counts: object = None) -> list[int]:
        return list(population)[:k]

    def random(self) -> float:
        return 1.0


class OneMore(InOrder):
    """In bank order, and always one more option after a DOMC item is decided (if one is left)."""

    def random(self) -> float:
        return 0.0


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


@pytest.mark.parametrize(("answers", "outcome"), [((True,), WRONG), ((False,), CORRECT), ((False, False), WRONG)])
def test_after_a_domc_item_is_decided_one_more_option_is_shown_and_not_scored(answers: tuple[bool, ...],
                                                                            outcome: str) -> None:
    """Item: option 0 wrong, 1 correct, 2 and 3 wrong. Decided by the answers, then option 2 or the next one left
    comes, and its answer, right or wrong, changes nothing."""
    for after_yes in (True, False):
        session = Session([question("domc", False, True, False, False)], rng=OneMore())
        given = list(answers) if answers != (False,) else [False, True]
        assert [session.answer_domc(yes) for yes in given] == [None] * len(given)
        shown_after = session.current.offered
        result = session.answer_domc(after_yes)
        assert result.outcome == outcome and result.after == (shown_after, after_yes)
        assert shown_after not in result.accepted + result.rejected and session.finished


def test_a_domc_item_decided_on_its_last_option_shows_no_more() -> None:
    session = Session([question("domc", False, True)], rng=OneMore())
    session.answer_domc(False)
    result = session.answer_domc(True)
    assert result.outcome == CORRECT and result.after is None


def test_half_of_the_decided_domc_items_show_one_more_option() -> None:
    rng = random.Random(7)
    after = 0
    for _ in range(400):
        session = Session([question("domc", True, False, False, False)], rng=rng)
        result = session.answer_domc(yes=not session.current.offered_option.correct)  # decided at once
        if result is None:
            after += 1
            result = session.answer_domc(True)
            assert result.outcome == WRONG and result.after is not None
    assert 160 <= after <= 240


def test_time_running_out_on_the_option_after_keeps_the_decided_outcome() -> None:
    now = [0.0]
    session = Session([question("domc", False, True, False)], rng=OneMore(), deadline=10, clock=lambda: now[0])
    assert session.answer_domc(False) is None and session.answer_domc(True) is None  # right, then one more shown
    now[0] = 11
    session.expire()
    assert [r.outcome for r in session.results] == [CORRECT]


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
    facts = {q.fact or q.id for q in QUESTIONS}
    assert len(select(QUESTIONS, rng=random.Random(5))) == len(facts)  # all of them, one per fact group


MINIMUMS = {"orchestration": 100, "image-registry": 80, "installation-configuration": 60, "networking": 60,
            "security": 60, "storage-volumes": 40}


def test_the_bank_is_deep_enough_to_retake_the_exam() -> None:
    """At least 400 items, each domain its minimum, every study-guide objective at least two items."""
    per_domain = Counter(question.domain for question in QUESTIONS)
    assert len(QUESTIONS) >= 400
    assert {domain: per_domain[domain] >= least for domain, least in MINIMUMS.items()} == dict.fromkeys(MINIMUMS, True)
    per_objective = Counter(question.objective_id for question in QUESTIONS)
    thin = [objective.id for objective in load_objectives().values()
            if not objective.same_as and per_objective[objective.id] < 2]
    assert thin == []


# --- the order of options -------------------------------------------------------------------------------------

def test_the_files_store_options_in_varied_order() -> None:
    """Any path that ever showed file order would otherwise give the key away (issue 32)."""
    mcq = [q for q in QUESTIONS if q.kind == "mcq"]
    several = [q for q in QUESTIONS if q.kind != "mcq"]
    key_first = sum(q.options[0].correct for q in mcq)
    keys_first = sum(q.correct_indices == frozenset(range(len(q.correct_indices))) for q in several)
    assert key_first <= 0.4 * len(mcq) and keys_first <= 0.5 * len(several)


def shown_order(text: str, question: Question) -> tuple[int, ...]:
    """The bank indices of the question's options in the order they appear in `text`."""
    return tuple(sorted(range(len(question.options)), key=lambda i: text.index(question.options[i].text)))


@pytest.mark.parametrize("feedback", [True, False], ids=["quiz", "exam"])
def test_every_display_path_shows_options_in_an_order_drawn_per_showing(feedback: bool) -> None:
    """The quiz and the exam (the terminal), the review and its HTML page: each shows the order drawn for that
    showing, which differs from one showing to the next and is not the file order."""
    asked = question("mcq", True, False, False, False)
    orders = set()
    for seed in range(12):
        session = Session([asked], kinds=["mcq"], rng=random.Random(seed))
        read, write = os.pipe()
        os.write(write, b"a\n")
        os.close(write)
        screen = io.StringIO()
        Quiz(session, Keys(read), screen, feedback=feedback, confirm_stop=not feedback).run()
        os.close(read)
        drawn = session.items[0].order
        assert shown_order(screen.getvalue().split("Your answer")[0], asked) == drawn
        reviewed = from_history(history_items(session.items, session.results))
        printed = io.StringIO()
        print_review(reviewed, printed)
        assert shown_order(printed.getvalue(), asked) == drawn
        run = Run(1, "exam" if not feedback else "quiz", "quiz", "done", "-", "2026-12-06 10:00", 1, 1)
        assert shown_order(render_review_html(run, reviewed, []), asked) == drawn
        orders.add(drawn)
    assert len(orders) > 1 and orders != {(0, 1, 2, 3)}


def test_a_key_typed_before_the_terminal_turns_to_single_keys_is_read_not_dropped() -> None:
    """A fast typist (or a test) presses a key while the exam still prints its instructions: the terminal's switch
    to cbreak mode must not flush it (tty.setcbreak's default), or the exam waits for a key already pressed."""
    primary, secondary = os.openpty()
    try:
        os.write(primary, b" ")  # typed while the terminal is still in line mode
        time.sleep(0.3)  # the line discipline takes it in (a kernel worker): now it can be flushed
        with Keys(secondary) as keys:
            assert keys.read(timeout=2) == " "
    finally:
        os.close(primary)
        os.close(secondary)
