"""The real `dcalab exam` in a pty: the DCA format (55 items, 42 DOMC), a lab's tasks when asked, one clock."""

from __future__ import annotations

import io
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pexpect
import pytest

from dcalab import history
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.exam.draw import EXAM_ITEMS, domc_count, pick_questions, presentations
from dcalab.lab import load_lab
from dcalab.quiz.engine import Session, one_per_fact
from tests import test_quiz_cli as quiz
from tests.bank import BANK
from tests.labrun import LAB
from tests.test_exam_draw import QUOTAS
from tests.test_quiz_cli import (
    CHOICE_PROMPT,
    DOMC_PROMPT,
    HEADER,
    ROOT,
    START,
    VERDICT,
    answer,
    finish,
    plain,
    right,
    shown_options,
    spawn,
    words,
    wrong,
)

history_file = quiz.history_file  # the autouse fixture: every run records into a throw-away history
REGISTRY = load_lab(LAB)
HINTS = [check.hint for task in REGISTRY.tasks for check in task.checks]
VERDICTS = ("PASS", "FAIL", "BLOCKED", "ENV-ERROR")
LEFT_ARROW = "\x1b[D"
STOPPED = "The exam is stopped: nothing is recorded as a score. Start a new one with: dcalab exam"
ASKED = "Stop and throw this exam away?"


def exam(*args: str, columns: int = 100, ctrl_c: signal.Handlers = signal.SIG_DFL) -> pexpect.spawn:
    """`python -m dcalab exam ARGS` in a pty, started (a key pressed after the instructions), its whole screen kept
    in `child.screen`; Ctrl-C at its default unless `ctrl_c` says otherwise."""
    child = spawn(*args, command="exam", columns=columns, ctrl_c=ctrl_c)
    child.screen = child.logfile_read = io.StringIO()
    child.expect(words(START))
    child.send(" ")
    return child


def dcalab_history() -> str:
    return subprocess.run([sys.executable, "-m", "dcalab", "history"], capture_output=True, text=True, cwd=ROOT,
                          timeout=30).stdout


def test_the_exam_has_the_real_format_55_items_42_domc_13_multiple_choice_with_the_clock_on_each() -> None:
    child = exam("--seed", "21")
    asked = [answer(child, right) for _ in range(55)]
    child.expect_exact("Total: 55/55 points (100 %), pass mark 65 % (a practice threshold): PASSED.")
    assert finish(child) == 0
    lines = child.screen.getvalue().splitlines()
    assert lines[0] == "DCA practice exam: 55 questions (13 multiple choice, 42 DOMC), 90 minutes."
    assert Counter(a.kind == "domc" for a in asked) == {True: 42, False: 13}
    before_result = child.screen.getvalue().split("Exam result")[0]
    assert "Correct." not in before_result and "Score:" not in before_result  # no verdict before the end
    assert Counter(a.question.domain for a in asked) == QUOTAS
    headers = [line for line in lines if HEADER.match(line)]
    assert len(headers) == 55 and all(re.search(r"  \d+:\d\d left$", line) for line in headers), headers


def test_a_domc_item_cannot_be_revisited() -> None:
    child = exam("--questions", "10", "--seed", "6", "--minutes", "5")
    asked = [answer(child, right, noise=LEFT_ARROW) for _ in range(10)]  # "go back" before every answer
    assert finish(child) == 0
    several = [a for a in asked if a.kind == "domc" and len(a.shown) > 1]
    assert several, "no DOMC item showed two options: choose another seed"
    assert all(len(set(a.shown)) == len(a.shown) for a in several)  # each option came once, in order, never again
    assert ("That key is not an answer here: press y or n (an answer is final once you press Enter: there is no "
            "going back), then Enter.") in plain(child.screen.getvalue())


def undecided_domc_seed() -> int:
    """A seed whose exam starts with a DOMC item that one right answer does not decide (as exam_command draws)."""
    for seed in range(100):
        rng = random.Random(seed)
        questions, _ = pick_questions(list(BANK.values()), EXAM_ITEMS, rng, {})
        first = Session(questions, kinds=presentations(questions, domc_count(EXAM_ITEMS), rng), rng=rng).items[0]
        if first.kind == "domc" and not (first.offered_option.correct and len(first.question.correct_indices) == 1):
            return seed
    raise AssertionError("no seed below 100 starts with an undecided DOMC item")


def test_the_time_running_out_mid_item_leaves_it_and_every_later_one_unanswered() -> None:
    child = exam("--minutes", "0.05", "--seed", str(undecided_domc_seed()))  # 3 seconds, 55 questions
    child.expect(HEADER)
    assert child.screen.getvalue().startswith("DCA practice exam: 55 questions (13 multiple choice, 42 DOMC), 0.05 "
                                              "minutes.")
    question = BANK[child.match.group(3)]
    assert child.expect([DOMC_PROMPT, CHOICE_PROMPT]) == 0
    (first,) = shown_options(child.before, r"Option (\d+): ").values()
    key = right(question, "domc", {"1": first})
    child.send(key)
    assert child.expect([DOMC_PROMPT, VERDICT]) == 0
    child.expect("Time is up: the questions left count as unanswered.", timeout=10)  # then wait without answering
    child.expect_exact("Questions: 0 of 55 correct, 55 unanswered because the time ran out")
    child.expect_exact("Total: 0/55 points (0 %), pass mark 65 % (a practice threshold): not passed yet.")
    child.expect_exact("Weighted readiness: none, as no item was answered.")  # an item not answered is no miss
    assert finish(child) == 0
    (run,) = history.runs()
    assert (run.kind, run.mode, run.backend, run.score, run.max_score) == ("exam", "timed-out", "-", 0, 55)
    assert {entry.last_status for entry in history.progress("exam")} == {"unanswered"}
    _, items = history.answers()
    kept = next(item for item in items if item.item == question.id).answer["options"]  # the answer given is kept
    assert plain(kept[0]["text"]) == plain(first) and kept[0]["answer"] == {"y\r": "yes", "n\r": "no"}[key]
    assert {option["answer"] for option in kept[1:]} == {"not shown"}


REVIEWED = re.compile(r"^\d+\. (Wrong|Unanswered|Correct): ([a-z]{3}-\d{3}), ", re.MULTILINE)


def review_blocks(text: str) -> list[tuple[str, str, str]]:
    """(outcome, question id, the item's text) for each item of a review, in the order shown."""
    found = list(REVIEWED.finditer(text))
    ends = [match.start() for match in found[1:]] + [len(text)]
    return [(match.group(1), match.group(2), text[match.start():end]) for match, end in zip(found, ends, strict=True)]


def test_the_review_lists_wrong_items_first_with_their_sources(tmp_path) -> None:
    child = exam("--questions", "5", "--seed", "3", "--minutes", "5")
    asked = [answer(child, strategy) for strategy in (right, wrong, right, wrong, right)]
    assert finish(child) == 0
    expected = [("Wrong", asked[i].question.id) for i in (1, 3)]
    expected += [("Correct", asked[i].question.id) for i in (0, 2, 4)]
    screen = child.screen.getvalue().replace("\r\n", "\n")
    assert "Review of 5 questions (2 wrong, 3 correct), wrong and unanswered first" in screen
    blocks = review_blocks(screen.split("Review of 5 questions")[1])
    assert [(outcome, qid) for outcome, qid, _ in blocks] == expected
    for _, qid, block in blocks:
        question = BANK[qid]
        assert f"Source: {question.source}" in block and plain(question.explanation) in plain(block)
        assert all(plain(option.text) in plain(block) for option in question.options if option.correct)  # the key
    domc_wrong = [a for a in (asked[1], asked[3]) if a.kind == "domc"]
    for wrong_item in domc_wrong:  # the first answer is the mistake, marked !; one more option may follow, unscored
        block = next(block for _, qid, block in blocks if qid == wrong_item.question.id)
        mistake = plain(wrong_item.shown[0])
        assert (len(wrong_item.shown) == 2) == ("(shown after the item was decided, not scored)" in plain(block))
        key = next(option.correct for option in wrong_item.question.options if plain(option.text) == mistake)
        assert f"! {'no yes' if key else 'yes no'} {mistake}" in plain(block) and block.count("   ! ") == 1
        assert block.count(" not shown ") == len(wrong_item.question.options) - len(wrong_item.shown)

    again = subprocess.run([sys.executable, "-m", "dcalab", "review"], capture_output=True, text=True, cwd=ROOT,
                           timeout=30)
    assert again.returncode == 0 and [(o, q) for o, q, _ in review_blocks(again.stdout)] == expected
    page = tmp_path / "review.html"
    written = subprocess.run([sys.executable, "-m", "dcalab", "review", "1", "--html", str(page)], capture_output=True,
                             text=True, cwd=ROOT, timeout=30)
    assert written.stdout == f"The review of exam 1 (2 wrong, 3 correct) is written to {page}.\n"
    html = page.read_text()
    assert re.findall(r'id="item-([a-z]{3}-\d{3})"', html) == [qid for _, qid in expected]
    assert all(BANK[qid].source in html for _, qid in expected)


def test_a_questions_only_exam_answered_right_passes_with_readiness_per_domain() -> None:
    child = exam("--lab", "none", "--questions", "4", "--seed", "3", "--minutes", "5")
    asked = [answer(child, right) for _ in range(4)]
    assert [a.verdict for a in asked] == ["Answer recorded"] * 4  # an exam gives no verdict before the end
    child.expect_exact("Questions: 4 of 4 correct")
    child.expect_exact("Total: 4/4 points (100 %), pass mark 65 % (a practice threshold): PASSED.")
    # four questions go to the four heaviest domains, one each
    tested = ["Orchestration", "Image Creation, Management and Registry", "Installation and Configuration",
              "Networking"]
    assert sorted(a.question.domain_title for a in asked) == sorted(tested)
    for title, weight in [*zip(tested, (25, 20, 15, 15), strict=True), ("Security", 15), ("Storage and Volumes", 10)]:
        result = r"100 %  \(1/1 points\)" if title in tested else "not tested"
        child.expect(rf"  {re.escape(title)} +{weight} %  +{result}\r?\n")
    child.expect_exact("Weighted readiness: 100 % over the domains tested (75 % of the exam's weight).")
    child.expect_exact("Saved in your history: dcalab history")
    assert finish(child) == 0
    assert "Study next" not in child.screen.getvalue()
    (run,) = history.runs()
    assert (run.kind, run.mode, run.backend, run.score, run.max_score) == ("exam", "done", "-", 4, 4)


def test_ctrl_c_asks_first_and_any_other_key_goes_back_to_the_same_item() -> None:
    child = exam("--lab", "none", "--questions", "3", "--seed", "8", "--minutes", "5")
    assert answer(child, right).verdict == "Answer recorded"
    child.expect(HEADER)
    interrupted = child.match.group(3)
    child.expect([CHOICE_PROMPT, DOMC_PROMPT])
    child.sendintr()
    child.expect_exact(ASKED)
    child.send("x")
    child.expect_exact("Back to the exam.")
    asked = [answer(child, right) for _ in range(2)]
    assert asked[0].question.id == interrupted  # the same item again, nothing lost
    child.expect_exact("Total: 3/3 points (100 %)")
    assert finish(child) == 0
    assert [run.score for run in history.runs()] == [3]


@pytest.mark.parametrize("ctrl_c", [signal.SIG_DFL, signal.SIG_IGN], ids=["started-in-a-terminal", "under-nohup"])
def test_ctrl_c_twice_mid_exam_exits_cleanly_and_records_nothing(ctrl_c: signal.Handlers) -> None:
    child = exam("--lab", "none", "--questions", "5", "--seed", "8", ctrl_c=ctrl_c)
    assert answer(child, right).verdict == "Answer recorded"
    child.expect(HEADER)
    child.expect([CHOICE_PROMPT, DOMC_PROMPT])
    child.sendintr()
    child.expect_exact(ASKED)
    child.sendintr()
    child.expect_exact(STOPPED)
    assert finish(child) == 130
    assert history.runs() == []
    assert not re.search(r"\d correct|progress", child.screen.getvalue())  # no score, not even of the answers given


def test_the_hands_on_part_shows_the_tasks_without_hints() -> None:
    child = exam("--lab", "registry", "--seed", "1")  # nothing is graded, so the cluster is not needed
    assert child.screen.getvalue().startswith("DCA practice exam: 55 questions (13 multiple choice, 42 DOMC), 90 "
                                              "minutes.")
    child.expect(r"Press g when your tasks are done to have them graded \(\d+:\d\d left\): ")
    child.send("x")
    child.expect_exact("'x' is not a choice here: press g when your tasks are done")
    child.expect("left\\): ")
    child.sendintr()
    child.expect_exact(ASKED)
    child.sendintr()
    child.expect_exact(STOPPED)
    assert finish(child) == 130
    screen = child.screen.getvalue()
    assert ("First the 8 hands-on tasks of the lab registry, on the same clock: practice beyond the real exam, which "
            "has no hands-on part.") in " ".join(screen.split())
    for number, task in enumerate(REGISTRY.tasks, 1):
        assert f"{number}. {task.title} [{task.id}] on {', '.join(task.nodes)}" in screen
    assert [hint for hint in HINTS if hint in screen] == []
    assert history.runs() == []


def test_an_exam_with_a_damaged_history_warns_before_and_after_and_still_gives_its_result_and_review(
        history_file) -> None:
    history_file.write_bytes(b"not a database\n" * 100)
    child = exam("--questions", "2", "--seed", "1", "--minutes", "5")
    assert ("dcalab: warning: this exam is drawn without your history, and saved in it at the end only if"
            in " ".join(child.screen.getvalue().split()))
    answer(child, right)
    answer(child, right)
    child.expect_exact("Total: 2/2 points (100 %), pass mark 65 % (a practice threshold): PASSED.")
    child.expect_exact("Review of 2 questions (2 correct)")
    assert finish(child) == 0
    screen = child.screen.getvalue()
    assert screen.count("dcalab: warning:") == 2 and "Saved in your history" not in screen and "Traceback" not in screen
    assert "dcalab: warning: this exam is not saved in your history." in screen  # tried again at the end


def test_quiz_and_exam_runs_show_in_the_history_with_the_weakest_objective() -> None:
    child = spawn("--count", "1", "--seed", "2")
    missed, verdict, _, _ = answer(child, wrong)
    assert verdict == "Wrong" and finish(child) == 0
    child = exam("--lab", "none", "--questions", "2", "--seed", "7", "--minutes", "5")
    exam_missed = answer(child, wrong).question
    answer(child, right)
    child.expect_exact("Study next (this exam's weakest objectives):")
    child.expect(words(f"0/1  {exam_missed.domain_title}: {exam_missed.objective_id} {exam_missed.objective}"))
    assert finish(child) == 0
    shown = dcalab_history()
    assert re.search(r"exam exam +done +- +1/2\n.*quiz quiz +done +- +0/1\n", shown), shown  # newest first
    assert re.search(rf"\n  {missed.id} +1  not yet +0/1  0/1 wrong\n", shown), shown
    study = shown.split("Study next (lowest share of points so far):")[1]
    for question in (missed, exam_missed):
        studied = f"0/1  {question.domain_title}: {question.objective_id} {question.objective}"
        assert plain(studied) in plain(study), shown


@pytest.mark.cluster
def test_the_hands_on_part_is_graded_on_the_cluster_without_hints(embedded: EmbeddedCluster) -> None:
    """Grade only (read-only): the cluster's state is whatever it is, so verdicts are checked, not their values."""
    child = exam("--lab", "registry", "--questions", "2", "--seed", "5", "--minutes", "20")
    child.expect("Press g when your tasks are done")
    child.send("g")
    child.expect_exact("Grading the tasks on the embedded cluster (read-only, no hints)...")
    for number, task in enumerate(REGISTRY.tasks, 1):
        child.expect(rf"{number:>2} {task.id} +\d+/{task.points} +({'|'.join(VERDICTS)})\r?\n", timeout=600)
    child.expect(r"Hands-on: \d+/30 points\.")
    for _ in range(2):
        answer(child, right)
    child.expect_exact("Saved in your history: dcalab history")
    assert finish(child) == 0
    screen = child.screen.getvalue()
    assert [hint for hint in HINTS if hint in screen] == [] and "hint:" not in screen
    (run,) = history.runs()  # the exam's own row only: its tasks are graded in-process, recording no lab row
    assert (run.kind, run.mode, run.backend, run.max_score) == ("exam", "done", "embedded", 30 + 2)
    items = {entry.item: entry.last_status for entry in history.progress("exam")}
    assert [task.id for task in REGISTRY.tasks if items.get(task.id) in VERDICTS] == [t.id for t in REGISTRY.tasks]
    assert len(items) == len(REGISTRY.tasks) + 2


def test_the_clock_starts_when_a_key_is_pressed_after_the_instructions() -> None:
    child = spawn("--lab", "none", "--questions", "2", "--seed", "1", "--minutes", "0.05", command="exam")  # 3 s
    child.expect(words(START))
    time.sleep(3.5)  # longer than the exam: reading the instructions takes none of its time
    child.send(" ")
    child.expect(HEADER)
    child.expect(r"(\d+:\d\d) left")
    assert child.match.group(1) in ("0:01", "0:02")  # whole seconds left: up to 2 s from the key to the question


def test_an_exam_larger_than_the_bank_says_so_in_one_line_and_asks_all() -> None:
    run = subprocess.run([sys.executable, "-m", "dcalab", "exam", "--questions", "1000"], input="", text=True,
                         capture_output=True, cwd=ROOT, timeout=60)
    distinct = len(one_per_fact(BANK.values(), random.Random(0)))
    first = run.stdout.splitlines()[0]
    assert first == f"DCA practice exam: {distinct} questions ({distinct - domc_count(distinct)} multiple choice, " \
        f"{domc_count(distinct)} DOMC), 90 minutes.", first
    assert plain(run.stdout).count(f"The bank holds {len(BANK)} questions") == 1
    assert "other domains fill the gap" not in run.stdout


def too_wide(screen: str, columns: int) -> list[str]:
    """Lines wider than the terminal, except where the last word is long (a link, a command) and could not go on any
    line after the same prefix: the text before it fits."""
    lines = screen.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in lines if len(line) > columns
            and not (len(line.split()[-1]) > columns // 4 and len(line.rstrip()[:-len(line.split()[-1])]) <= columns)]


def test_an_exam_and_its_review_are_readable_on_a_40_column_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    child = exam("--questions", "4", "--seed", "5", "--minutes", "5", columns=40)
    for strategy in (right, wrong, right, wrong):
        answer(child, strategy)
    child.expect_exact("Saved in your history")
    assert finish(child) == 0
    screen = child.screen.getvalue()
    assert too_wide(screen, 40) == [], too_wide(screen, 40)
    assert "Readiness per DCA domain" in screen and "Review of 4 questions" in plain(screen)
    monkeypatch.setenv("PAGER", "cat")
    review = spawn("1", command="review", columns=40)
    review.expect(pexpect.EOF)
    assert "Review of 4 questions" in plain(review.before) and too_wide(review.before, 40) == []
    history_screen = spawn(command="history", columns=40)
    history_screen.expect(pexpect.EOF)
    readiness = history_screen.before[history_screen.before.index("Readiness per"):]  # the runs' table is columns
    assert "Study next" in readiness and too_wide(readiness, 40) == []


def test_review_wrong_a_pager_and_the_result_with_pass_mark_verdict_and_readiness(tmp_path, monkeypatch) -> None:
    child = exam("--questions", "3", "--seed", "3", "--minutes", "5", "--pass-mark", "70")
    asked = [answer(child, strategy) for strategy in (right, wrong, right)]
    assert finish(child) == 0
    verdict = "Total: 2/3 points (67 %), pass mark 70 % (a practice threshold): not passed yet."

    wrong_only = subprocess.run([sys.executable, "-m", "dcalab", "review", "--wrong"], capture_output=True, text=True,
                                cwd=ROOT, timeout=30)
    assert [(o, q) for o, q, _ in review_blocks(wrong_only.stdout)] == [("Wrong", asked[1].question.id)]
    assert verdict in plain(wrong_only.stdout) and "Readiness per DCA domain" in wrong_only.stdout
    assert "Weighted readiness: " in wrong_only.stdout

    monkeypatch.setenv("PAGER", "sed 's/^/paged: /'")  # on a terminal the review goes through the pager
    paged = spawn(command="review")
    paged.expect(pexpect.EOF)
    assert "paged: Review of 3 questions" in paged.before, paged.before
    assert "paged:   " + verdict.split(",")[0] in paged.before
    assert "paged:" not in wrong_only.stdout  # not on a pipe

    page = tmp_path / "review.html"
    subprocess.run([sys.executable, "-m", "dcalab", "review", "--html", str(page)], check=True, capture_output=True,
                   cwd=ROOT, timeout=30)
    html = page.read_text()
    result = re.search(r'<pre class="result" id="result">(.*?)</pre>', html, re.DOTALL).group(1)
    assert verdict in plain(result.replace("&#39;", "'")) and "Readiness per DCA domain" in result
