"""The real quiz in a pseudo-terminal: keypresses in, screens out; the right answers come from the bank."""

from __future__ import annotations

import io
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pexpect
import pytest
from pexpect.popen_spawn import PopenSpawn

from dcalab import history
from dcalab.quiz.bank import Question
from dcalab.quiz.engine import select
from dcalab.quiz.terminal import ANSWER_RULE, key_name
from tests import terminal
from tests.bank import BANK

ROOT = Path(__file__).resolve().parent.parent
HEADER = re.compile(r"Question (\d+) of (\d+)\s+\[[^\]]*,\s+([a-z]{3}-\d{3})\]")  # wrapped on a narrow terminal
CHOICE_PROMPT = re.compile(r"Your answer(s)? \[a-[a-h]\]: ")
DOMC_PROMPT = re.compile(r"Correct\? \[y/n\] ")
VERDICT = re.compile(r"\n(Correct|Wrong|Answer recorded)\.\r?\n")  # an exam only records the answer
SCORE = re.compile(r"Score: (\d+) of (\d+) correct")

# A strategy gets the question, how it is shown (domc, mcq, multi) and the option on screen (DOMC) or the options by
# letter; it returns the keys to send.
Strategy = Callable[[Question, str, dict[str, str]], str]


class Answered(NamedTuple):
    question: Question
    verdict: str  # Correct or Wrong (a quiz), Answer recorded (an exam)
    shown: list[str]  # DOMC: the options shown, in order
    kind: str  # how the question was shown: domc, mcq or multi


@pytest.fixture(autouse=True)
def history_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every run records into a throw-away history ($DCALAB_HISTORY), never the learner's own."""
    path = tmp_path / "history.sqlite3"
    monkeypatch.setenv("DCALAB_HISTORY", str(path))
    return path


def spawn(*args: str, columns: int = 100, command: str = "quiz", ctrl_c: signal.Handlers = signal.SIG_DFL
          ) -> pexpect.spawn:
    """`python -m dcalab quiz ARGS` (or another command) in a pty: the real CLI; Ctrl-C at its default unless
    `ctrl_c` says otherwise."""
    env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES")}  # the pty's size
    child = terminal.spawn(sys.executable, ["-m", "dcalab", command, *args], ctrl_c, cwd=str(ROOT),
                           encoding="utf-8", timeout=15, dimensions=(40, columns), env=env)
    child.delaybeforesend = None  # keys as fast as a quick typist, and a fast test
    return child


def plain(text: str) -> str:
    return " ".join(text.split())


def words(text: str) -> str:
    """A pattern for text as the terminal may wrap it: any run of spaces or line breaks between its words."""
    return r"\s+".join(re.escape(word) for word in text.split())


def _truth(question: Question, shown: str) -> bool:
    """Whether the option text on screen is a correct option of the question, from the bank."""
    matches = [option.correct for option in question.options if plain(option.text) == plain(shown)]
    assert len(matches) == 1, f"{shown!r} is not an option of {question.id}"
    return matches[0]


def shown_options(screen: str, marker: str) -> dict[str, str]:
    """The options on screen (marker `([a-h])\\) ` or `Option (\\d+): `), joined back from wrapped lines."""
    options: dict[str, str] = {}
    label = None
    for line in screen.splitlines():
        found = re.match(rf"\s+{marker}(.*)", line)
        if found:
            label = found.group(1)
            options[label] = found.group(2)
        elif label and line.startswith("     ") and line.strip():
            options[label] += " " + line.strip()
        else:
            label = None
    return options


def right(question: Question, kind: str, options: dict[str, str]) -> str:
    """The keys of the right answer: its letter (or letters), then Enter."""
    if kind == "domc":
        (text,) = options.values()
        return ("y" if _truth(question, text) else "n") + "\r"
    return "".join(letter for letter, text in options.items() if _truth(question, text)) + "\r"


def wrong(question: Question, kind: str, options: dict[str, str]) -> str:
    if kind == "domc":
        return ("n" if right(question, kind, options) == "y\r" else "y") + "\r"
    return next(letter for letter, text in options.items() if not _truth(question, text)) + "\r"


def answer(child: pexpect.spawn, strategy: Strategy, noise: str = "", lines: bool = False) -> Answered:
    """Answer the question on screen, however it is shown (read off the screen, not the bank's kind).

    With `noise`, an invalid key (or word, then Enter) goes in first: the test checks the re-prompt.
    With `lines`, answers go as lines (stdin is a pipe, not a TTY).
    """
    child.expect(HEADER)
    question = BANK[child.match.group(3)]
    shown: list[str] = []
    while True:
        on_screen = child.expect([DOMC_PROMPT, CHOICE_PROMPT, VERDICT])
        if on_screen == 2:  # a DOMC item decided
            return Answered(question, child.match.group(1), shown, "domc")
        if on_screen == 0:
            kind = "domc"
            (text,) = shown_options(child.before, r"Option (\d+): ").values()
            shown.append(text)
            keys = strategy(question, kind, {"1": text})
        else:
            kind = "multi" if child.match.group(1) else "mcq"
            keys = strategy(question, kind, shown_options(child.before, r"([a-h])\) "))
        if lines:
            child.sendline(keys.rstrip("\r"))
        else:
            if noise:  # a key that types nothing is refused at once; a word when Enter confirms it
                child.send(noise if noise.startswith("\x1b") else noise + "\r")
                child.expect(f"{re.escape(key_name(noise))} is not an answer here: press")
                child.expect(DOMC_PROMPT if kind == "domc" else CHOICE_PROMPT)
            child.send(keys)
        if kind != "domc":
            child.expect(VERDICT)
            return Answered(question, child.match.group(1), shown, kind)


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


@pytest.mark.parametrize("kind", ["domc", "mcq", "multi"])
def test_a_fully_correct_run(kind: str) -> None:
    child = spawn("--kind", kind, "--count", "4", "--seed", "11")
    verdicts = [answer(child, right)[1] for _ in range(4)]
    child.expect(SCORE)
    assert verdicts == ["Correct"] * 4 and child.match.groups() == ("4", "4")
    child.expect("By domain:")
    assert finish(child) == 0


def test_every_question_can_be_answered_right_on_a_narrow_terminal() -> None:
    """One quiz asks one item of each fact group; a second asks the items the first left out (never seen first)."""
    distinct = len({question.fact or question.id for question in BANK.values()})
    verdicts = {}
    for count in (distinct, len(BANK) - distinct):
        child = spawn("--count", str(count), "--seed", "1", columns=60)  # options wrap over several lines
        verdicts |= {asked.question.id: asked.verdict for asked in (answer(child, right) for _ in range(count))}
        child.expect(SCORE)
        assert finish(child) == 0
    assert verdicts == dict.fromkeys(BANK, "Correct")


def test_a_wrong_run_scores_zero_and_shows_the_right_answers() -> None:
    child = spawn("--count", "5", "--seed", "3")
    for _ in range(5):
        question, verdict, _, _ = answer(child, wrong)
        assert verdict == "Wrong"
        child.expect(r"The correct answers?:")
        child.expect_exact("Source: " + question.source)
    child.expect(SCORE)
    assert child.match.groups() == ("0", "5")
    assert finish(child) == 0


def test_a_multi_with_one_letter_missing_is_wrong() -> None:
    child = spawn("--kind", "multi", "--count", "1", "--seed", "1")
    verdict = answer(child, lambda q, kind, options: right(q, kind, options)[1:]).verdict
    assert verdict == "Wrong"
    assert finish(child) == 0


def kept_options(question_id: str) -> list[dict]:
    """The options of a question as the history keeps its last answer: shown order, answer, `after` if unscored."""
    _, items = history.answers()
    return next(item for item in items if item.item == question_id).answer["options"]


def scored(options: list[dict]) -> list[dict]:
    """The options answered before the item was decided (not those never shown, or shown after)."""
    return [option for option in options if option["answer"] != "not shown" and not option.get("after")]


@pytest.mark.parametrize("seed", ["5", "7"])
def test_a_domc_item_is_decided_at_the_first_wrong_answer(seed: str) -> None:
    child = spawn("--kind", "domc", "--count", "1", "--seed", seed)
    question, verdict, shown, _ = answer(child, wrong)
    assert finish(child) == 0
    options = kept_options(question.id)
    assert verdict == "Wrong" and len(scored(options)) == 1  # decided by the first answer
    assert len(shown) - 1 == sum(bool(option.get("after")) for option in options) <= 1  # then one more, or none
    assert len(shown) < len(question.options)  # the others never came


@pytest.mark.parametrize("seed", ["5", "7"])
def test_a_domc_item_passes_once_every_correct_option_is_accepted(seed: str) -> None:
    child = spawn("--kind", "domc", "--count", "1", "--seed", seed)
    question, verdict, _, _ = answer(child, right)
    assert finish(child) == 0
    correct = {plain(option.text) for option in question.options if option.correct}
    answered = scored(kept_options(question.id))
    assert verdict == "Correct" and correct <= {plain(option["text"]) for option in answered}
    assert plain(answered[-1]["text"]) in correct  # decided right after the last correct option was accepted


@pytest.mark.parametrize("noise", ["z", "maybe", "yes", "ab", "\x1b[D"])
@pytest.mark.parametrize("kind", ["domc", "mcq", "multi"])
def test_an_invalid_answer_is_refused_as_a_whole_and_loses_nothing(kind: str, noise: str) -> None:
    """A word typed at a prompt ("maybe", "yes"), or two letters where one is asked, is refused whole: none of its
    letters counts as an answer or spills onto the next option (issue 32)."""
    if kind == "multi" and noise == "ab":
        pytest.skip("ab can be a multi's answer")
    child = spawn("--kind", kind, "--count", "2", "--seed", "2")
    assert [answer(child, right, noise=noise)[1] for _ in range(2)] == ["Correct", "Correct"]
    child.expect(SCORE)
    assert child.match.groups() == ("2", "2")
    assert finish(child) == 0


@pytest.mark.parametrize("kind", ["domc", "mcq", "multi"])
def test_a_key_is_no_answer_until_enter_and_backspace_erases_it(kind: str) -> None:
    def erased_slip(question: Question, shown_kind: str, options: dict[str, str]) -> str:
        """A wrong key, Backspace, then the right answer and Enter: only what Enter confirms counts."""
        return wrong(question, shown_kind, options).rstrip("\r") + "\x7f" + right(question, shown_kind, options)

    child = spawn("--kind", kind, "--count", "2", "--seed", "3")
    assert [answer(child, erased_slip).verdict for _ in range(2)] == ["Correct", "Correct"]
    assert finish(child) == 0


def test_the_answer_rule_is_said_once_at_the_start() -> None:
    child = spawn("--count", "3", "--seed", "4")
    child.logfile_read = io.StringIO()
    for _ in range(3):
        answer(child, right)
    assert finish(child) == 0
    screen = plain(child.logfile_read.getvalue())
    assert screen.count(plain(ANSWER_RULE)) == 1 and screen.index(plain(ANSWER_RULE)) < screen.index("Question 1")


@pytest.mark.parametrize("ctrl_c", [signal.SIG_DFL, signal.SIG_IGN], ids=["started-in-a-terminal", "under-nohup"])
def test_ctrl_c_stops_cleanly_with_the_progress_so_far(ctrl_c: signal.Handlers) -> None:
    """Also when dcalab was started with Ctrl-C ignored (`nohup … &` leaves SIGINT ignored for every child): on a
    terminal, the quiz makes Ctrl-C stop it again."""
    child = spawn("--count", "5", "--seed", "8", ctrl_c=ctrl_c)
    assert answer(child, right)[1] == "Correct"
    child.expect(HEADER)
    child.expect([CHOICE_PROMPT, DOMC_PROMPT])
    child.sendintr()
    child.expect("Stopped: here is your progress so far.")
    child.expect_exact("You answered 1 of 5 questions: 1 correct.")
    child.expect("By domain:")
    assert finish(child) == 130
    (run,) = history.runs()  # the answer given is kept, as an interrupted run
    assert (run.kind, run.mode, run.backend, run.score, run.max_score) == ("quiz", "interrupted", "-", 1, 1)


START = "Press any key to start: the clock starts then."


def test_a_short_time_limit_expires_and_leaves_the_rest_unanswered() -> None:
    child = spawn("--count", "3", "--seed", "4", "--time-limit", "3")
    child.expect(words(START))
    time.sleep(4)  # reading the instructions takes none of the time
    child.send(" ")
    assert answer(child, right)[1] == "Correct"
    child.expect(HEADER)  # then wait without answering
    child.expect("Time is up: the questions left count as unanswered.", timeout=10)
    child.expect(SCORE)
    assert child.match.groups() == ("1", "3")
    child.expect_exact("2 of them unanswered because the time ran out.")
    assert finish(child) == 0
    assert [run.mode for run in history.runs()] == ["timed-out"]
    assert sorted(entry.last_status for entry in history.progress("quiz")) == ["correct", "unanswered", "unanswered"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pexpect's PopenSpawn calls Thread.setDaemon
def test_without_a_tty_it_reads_one_answer_per_line() -> None:
    child = PopenSpawn([sys.executable, "-m", "dcalab", "quiz", "--count", "6", "--seed", "9"], cwd=str(ROOT),
                       encoding="utf-8", timeout=15)
    verdicts = [answer(child, right, lines=True)[1] for _ in range(6)]
    child.expect(SCORE)
    assert verdicts == ["Correct"] * 6 and child.match.groups() == ("6", "6")
    child.expect(pexpect.EOF)
    assert child.wait() == 0


def test_without_a_tty_the_end_of_input_stops_the_quiz() -> None:
    run = subprocess.run([sys.executable, "-m", "dcalab", "quiz", "--count", "2"], input="a\n", capture_output=True,
                         text=True, cwd=ROOT, timeout=30)
    assert run.returncode == 1
    assert "The input ended before the quiz did: here is your progress so far." in run.stdout


def test_each_quiz_goes_to_the_history_with_its_weakest_objective() -> None:
    child = spawn("--count", "2", "--seed", "6")
    missed = answer(child, wrong).question
    other = answer(child, right).question
    child.expect_exact("Review of 2 questions (1 wrong, 1 correct), wrong and unanswered first")
    child.expect(rf"\n1\. Wrong: {missed.id}, ")
    child.expect_exact("Saved in your history: dcalab history. This review again: dcalab review 1")
    assert finish(child) == 0
    (run,) = history.runs()
    assert (run.kind, run.mode, run.backend, run.score, run.max_score) == ("quiz", "done", "-", 1, 2)
    shown = subprocess.run([sys.executable, "-m", "dcalab", "history"], capture_output=True, text=True, cwd=ROOT,
                           timeout=30).stdout
    assert re.search(r"quiz quiz\s+done\s+-\s+1/2", shown), shown
    assert re.search(rf"{missed.id}\s+1  not yet\s+0/1  0/1 wrong", shown), shown
    study = shown.split("Study next")[1]
    right_share = "1/2" if other.objective_id == missed.objective_id else "0/1"  # history groups by objective
    studied = f"{right_share}  {missed.domain_title}: {missed.objective_id} {missed.objective}"
    assert plain(studied) in plain(study), shown


def asked_ids(count: int, *args: str) -> list[str]:
    """The questions a quiz of `count` asks (answered right), in order."""
    child = spawn("--count", str(count), *args)
    ids = [answer(child, right).question.id for _ in range(count)]
    assert finish(child) == 0
    return ids


def test_retakes_draw_the_questions_not_seen_first_then_those_seen_longest_ago() -> None:
    domain = [q.id for q in BANK.values() if q.domain == "networking"]
    few = len(domain) // 3
    first = asked_ids(few, "--domain", "networking", "--seed", "1")
    second = asked_ids(few, "--domain", "networking", "--seed", "1")  # the same seed
    assert not set(first) & set(second)  # all new
    third = asked_ids(len(domain) - 2 * few + 2, "--domain", "networking", "--seed", "1")
    assert set(third) == (set(domain) - set(first) - set(second)) | set(first[:2])  # then the two seen longest ago


def test_missed_questions_are_drilled_until_each_is_answered_right_twice_in_a_row() -> None:
    child = spawn("--count", "2", "--seed", "6")
    missed = {answer(child, wrong).question.id for _ in range(2)}
    assert finish(child) == 0

    child = spawn("--missed", "--seed", "1")  # one right answer, then Ctrl-C: the history keeps it
    child.expect(words("Drill of the questions you missed: 2 questions, each asked again until you answer it right 2 "
                       "times in a row."))
    once = answer(child, right).question.id
    child.expect(HEADER)
    child.expect([CHOICE_PROMPT, DOMC_PROMPT])
    child.sendintr()
    assert finish(child) == 130

    (other,) = missed - {once}
    plan = {once: [right], other: [wrong, right, right]}  # a wrong answer starts the two in a row again
    child = spawn("--missed", "--seed", "1")
    asked = []
    for _ in range(4):
        asked.append(answer(child, lambda q, kind, options: plan[q.id][0](q, kind, options)).question.id)
        plan[asked[-1]].pop(0)
    child.expect_exact("Every question you missed is now answered right 2 times in a row.")
    assert finish(child) == 0
    assert sorted(asked) == sorted([once, other, other, other])
    done = subprocess.run([sys.executable, "-m", "dcalab", "quiz", "--missed"], capture_output=True, text=True,
                          cwd=ROOT, timeout=30)
    assert done.returncode == 0 and done.stdout.startswith("Nothing to drill: every question you answered wrong")


def test_a_question_whose_answer_changed_since_the_exam_says_which_one_it_asks() -> None:
    seed = next(seed for seed in range(500)
                if select(BANK.values(), rng=random.Random(seed), domain="storage-volumes", count=1)[0].era)
    question = select(BANK.values(), rng=random.Random(seed), domain="storage-volumes", count=1)[0]
    child = spawn("--domain", "storage-volumes", "--count", "1", "--seed", str(seed))
    child.expect(HEADER)
    assert child.match.group(3) == question.id
    child.expect_exact("This question asks about")
    child.expect_exact(question.era.note.split()[0])
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
