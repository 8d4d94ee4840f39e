"""The SQLite history: a schema version with migrations that keep old rows, and a history that fails
(locked, damaged, newer) costing one warning line, never a result or a report; what `dcalab history` shows of it,
readiness per DCA domain day by day included."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dcalab import cli, history, history_view
from dcalab.errors import HistoryError
from dcalab.exam.readiness import TITLE_WEIGHTS, by_day
from dcalab.lab import lab_names
from tests.test_new_lab import make_lab

ROOT = Path(__file__).resolve().parent.parent
# Written by dcalab before the history had a schema version (commit 3c633ec): a quiz of 3 questions
# (2 right) and a lab grade of 2 tasks, made with that code's `dcalab quiz` and history.record_run.
BEFORE_VERSIONS = ROOT / "tests" / "data" / "history-before-versions.sqlite3"
WARNING = "dcalab: warning: "


def version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def test_a_history_from_before_schema_versions_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    shutil.copy(BEFORE_VERSIONS, path)
    assert version(path) == 0
    runs = [(run.id, run.kind, run.subject, run.mode, run.backend, run.score, run.max_score)
            for run in history.runs(path=path)]
    assert runs == [(1, "quiz", "quiz", "done", "-", 2, 3), (2, "lab", "registry", "grade", "embedded", 6, 8)]
    assert version(path) == history.SCHEMA_VERSION
    assert {(run.started, run.best) for run in history.runs(path=path)} == {("", None)}  # a single grade each
    assert [(p.item, p.last_status) for p in history.progress("registry", path)] == [
        ("daemon-json", "FAIL"), ("registry-running", "PASS")]
    assert [(p.item, p.last_status) for p in history.progress("quiz", path)] == [
        ("sto-016", "correct"), ("orc-010", "correct"), ("orc-004", "wrong")]
    history.record_run("quiz", "quiz", "done", "-", [history.Item("net-001", "wrong", 0, 1, "Networking", "o")], path)
    assert [run.subject for run in history.runs(path=path)] == ["quiz", "registry", "quiz"]
    assert history.answers(1, path) == (history.runs(path=path)[0], [])  # saved before answers were kept


def test_a_history_from_a_newer_dcalab_is_refused_in_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {history.SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(HistoryError, match="was written by a newer dcalab"):
        history.runs(path=path)


def test_a_locked_history_costs_one_warning_and_the_reports_are_still_written(pytester, tmp_path: Path) -> None:
    path, report, page = tmp_path / "history.sqlite3", tmp_path / "report.json", tmp_path / "report.html"
    history.runs(path=path)  # an empty history, at this schema version
    make_lab(pytester)
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # no other connection may read or write until it ends
    try:
        result = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", f"--lab-history={path}",
                                               f"--lab-report-json={report}", f"--lab-report-html={page}")
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    output = result.stdout.lines + result.stderr.lines
    warnings = [line for line in output if WARNING in line]
    assert len(warnings) == 1, output
    assert "this grade is not saved in your history" in warnings[0] and "database is locked" in warnings[0]
    assert json.loads(report.read_text())["score"] == 2 and "A toy lab" in page.read_text()
    assert "Total 2/3 points" in result.stdout.str() and "Traceback" not in result.stdout.str()
    assert history.runs(path=path) == []


def test_a_damaged_history_is_one_sentence_and_a_quiz_still_ends_with_its_score(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not a database\n" * 100)
    env = {"DCALAB_HISTORY": str(path), "PATH": "/usr/bin:/bin"}
    shown = subprocess.run([sys.executable, "-m", "dcalab", "history"], capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=30)
    assert shown.returncode == 1 and shown.stdout == ""
    assert shown.stderr.splitlines() == [
        f"dcalab: The history {path} cannot be used (file is not a database).",
        f"  If the file is damaged, move it aside and dcalab starts a new one: mv {path} {path}.damaged"]
    quiz = subprocess.run([sys.executable, "-m", "dcalab", "quiz", "--count", "1", "--kind", "mcq"], input="a\n",
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=30)
    assert quiz.returncode == 0 and "Score: " in quiz.stdout and "Saved in your history" not in quiz.stdout
    damaged = (f"The history {path} cannot be used (file is not a database). If the file is damaged, move it aside "
               f"and dcalab starts a new one: mv {path} {path}.damaged")
    assert [line for line in quiz.stderr.splitlines() if line.startswith(WARNING)] == [
        f"{WARNING}this quiz is drawn without your history, and saved in it at the end only if it can be written "
        f"then. {damaged}", f"{WARNING}this quiz is not saved in your history. {damaged}"]
    assert "Traceback" not in quiz.stderr


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """The file cannot be written, even by root: read-only for a user, immutable (chattr +i) for root."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        undo = ["chmod", "644", str(path)]
    elif subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
        undo = ["chattr", "-i", str(path)]
    else:
        pytest.skip("root, on a file system without the immutable attribute: no file root cannot write")
    try:
        yield
    finally:
        subprocess.run(undo, check=True)


PERMISSIONS = "dcalab may not write it: give your user write permission on it and its folder"
# At a multiple-choice prompt `y` is refused and `a` answers; at a DOMC prompt `y` answers until the item is decided.
ANY_ANSWER = "y\ny\ny\ny\ny\na\n"


@pytest.mark.parametrize("command", [["quiz", "--count", "1"], ["exam", "--lab", "none", "--questions", "1"]])
def test_a_history_that_cannot_be_written_is_said_before_the_first_question_and_again_at_the_end(
        tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "history.sqlite3"
    history.runs(path=path)  # an empty history, at this schema version
    history.check_writable(path)
    with unwritable(path):
        done = subprocess.run([sys.executable, "-m", "dcalab", *command, "--seed", "3"], input=ANY_ANSWER,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60, cwd=ROOT,
                              env={"DCALAB_HISTORY": str(path), "PATH": "/usr/bin:/bin"})
    lines = done.stdout.splitlines()
    warnings = [number for number, line in enumerate(lines) if line.startswith(WARNING)]
    first_question = next(number for number, line in enumerate(lines) if line.startswith("Question 1 of 1"))
    assert done.returncode == 0 and len(warnings) == 2 and warnings[0] < first_question < warnings[1], done.stdout
    kind = command[0]
    assert lines[warnings[0]].startswith(f"{WARNING}this {kind} is saved in your history at the end only if it can "
                                         f"be written then. The history {path} cannot be used (attempt to write a "
                                         f"readonly database). {PERMISSIONS}")
    assert lines[warnings[1]].startswith(f"{WARNING}this {kind} is not saved in your history. The history {path} ")
    assert PERMISSIONS in lines[warnings[1]] and "move it aside" not in done.stdout
    assert "Saved in your history" not in done.stdout and history.runs(path=path) == []


def test_an_exam_begun_with_a_damaged_history_is_saved_once_the_history_is_fixed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not a database\n" * 100)
    exam = subprocess.Popen([sys.executable, "-m", "dcalab", "exam", "--lab", "none", "--questions", "1", "--seed",
                             "3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env={"DCALAB_HISTORY": str(path), "PATH": "/usr/bin:/bin"})
    warning = exam.stderr.readline()
    assert warning.startswith(f"{WARNING}this exam is drawn without your history, and saved in it at the end only "
                              f"if it can be written then. The history {path} cannot be used (file is not a database)")
    path.rename(path.with_suffix(".damaged"))  # as the warning advises, while the exam goes on
    out, errors = exam.communicate(ANY_ANSWER, timeout=60)
    assert exam.returncode == 0 and errors == "", errors
    assert "Saved in your history: dcalab history. This review again: dcalab review 1" in out
    assert [run.kind for run in history.runs(path=path)] == ["exam"]


def test_commands_that_only_read_the_history_never_create_one(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "data" / "history.sqlite3"
    monkeypatch.setenv("DCALAB_HISTORY", str(path))
    for command in (["history"], ["history", "--lab", "registry"], ["lab", "list"], ["lab", "show", "registry"],
                    ["review"], ["review", "3"]):
        assert cli.main(command) in (0, 1)
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_a_damaged_history_costs_lab_list_lab_show_and_watch_one_warning(tmp_path: Path, monkeypatch,
                                                                          capsys) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not a database\n" * 100)
    monkeypatch.setenv("DCALAB_HISTORY", str(path))
    assert cli.main(["lab", "list"]) == 0
    shown = capsys.readouterr()
    assert "registry" in shown.out and [line for line in shown.err.splitlines() if line.startswith(WARNING)] == [
        f"{WARNING}your best scores cannot be shown. The history {path} cannot be used (file is not a database). If "
        f"the file is damaged, move it aside and dcalab starts a new one: mv {path} {path}.damaged"]
    assert cli.main(["lab", "show", "registry"]) == 0
    shown = capsys.readouterr()
    assert "swarm-join" in shown.out and shown.err.startswith(f"{WARNING}your progress cannot be shown. ")
    assert len(shown.err.splitlines()) == 1
    (tmp_path / "state").write_text("solved")  # the recorded answers the watch replays (tests/watch_replay.py)
    watched = subprocess.run([sys.executable, "-m", "tests.watch_replay", str(tmp_path / "state"), "registry",
                              "--until-pass"], capture_output=True, text=True, timeout=60, cwd=ROOT,
                             env={**os.environ, "DCALAB_STATE": str(tmp_path / "s")})
    assert watched.returncode == 0 and "Every task passes." in watched.stdout
    assert [line for line in watched.stderr.splitlines() if line.startswith(WARNING)] == [
        f"{WARNING}this grade is not saved in your history. The history {path} cannot be used (file is not a "
        f"database). If the file is damaged, move it aside and dcalab starts a new one: mv {path} {path}.damaged"]


def test_a_missed_question_stays_missed_until_answered_right_twice_in_a_row(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"

    def answered(*statuses: str) -> dict[str, int]:
        items = [history.Item(qid, status, int(status == "correct"), 1, "Networking", "o")
                 for qid, status in zip(("net-001", "net-002"), statuses, strict=False)]
        history.record_run("quiz", "quiz", "done", "-", items, path)
        return history.missed(path)

    assert answered("correct", "correct") == {}  # never wrong: never missed
    assert answered("wrong", "unanswered") == {"net-001": 0}  # the time running out is not a wrong answer
    assert answered("correct") == {"net-001": 1}
    assert answered("wrong") == {"net-001": 0}  # a wrong answer starts again
    assert answered("correct", "wrong") == {"net-001": 1, "net-002": 0}
    assert answered("correct", "correct") == {"net-002": 1}


def test_study_next_counts_what_readiness_counts_an_unanswered_item_is_no_miss(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    items = [history.Item("net-001", "unanswered", 0, 1, "Networking", "overlay"),
             history.Item("task", "ENV-ERROR", 0, 4, "Orchestration", "join"),
             history.Item("sec-001", "wrong", 0, 1, "Security", "rbac"),
             history.Item("sec-002", "correct", 1, 1, "Security", "rbac")]
    run = history.record_run("exam", "exam", "timed-out", "-", items, path)
    assert history.weakest_objectives(path=path) == [("Security", "rbac", 1, 2)]
    assert history.weakest_objectives(path=path, run=run) == [("Security", "rbac", 1, 2)]


def graded(path: Path, score: int, max_score: int = 30, mode: str = "grade", best: int | None = None,
           subject: str = "registry") -> None:
    """A lab run of `score` points: swarm-join PASS when it has them all, the rest of the points on daemon-json."""
    join = history.Item("swarm-join", "PASS" if score >= 4 else "FAIL", min(score, 4), 4, "Orchestration", "o")
    rest = history.Item("daemon-json", "PASS" if score == max_score else "FAIL", score - join.score, max_score - 4,
                        "Installation and Configuration", "o")
    history.record_run("lab", subject, mode, "embedded", [join, rest], path, time.time() - 60 if best else None, best)


def shown_history(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, path: Path, *args: str) -> str:
    monkeypatch.setenv("DCALAB_HISTORY", str(path))
    assert cli.main(["history", *args]) == 0
    return capsys.readouterr().out


def run_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"\s+\d+  \d{4}-", line)]


def listed(output: str) -> list[tuple[int, str, str]]:
    """(run, kind, subject) of each run line."""
    return [(int(words[0]), *words[3:5]) for words in map(str.split, run_lines(output))]


def test_history_lists_the_newest_runs_first_the_last_20_unless_told(tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "history.sqlite3"
    for score in range(23):
        graded(path, score)
    history.record_run("quiz", "quiz", "done", "-", [history.Item("net-001", "wrong", 0, 1, "Networking", "o")], path)
    output = shown_history(capsys, monkeypatch, path)
    assert "Runs, newest first (the last 20 of 24, --all for every one)" in output
    assert listed(output) == [(24, "quiz", "quiz"), *[(run, "lab", "registry") for run in range(23, 4, -1)]]
    assert [run for run, _, _ in listed(shown_history(capsys, monkeypatch, path, "--limit", "3"))] == [24, 23, 22]
    every = shown_history(capsys, monkeypatch, path, "--all")
    assert "Runs, newest first (all)" in every and len(listed(every)) == 24
    labs = shown_history(capsys, monkeypatch, path, "--lab", "registry", "--limit", "2")
    assert listed(labs) == [(23, "lab", "registry"), (22, "lab", "registry")]
    assert "quiz" not in labs and "Study next" not in labs and "\nregistry: best 22/30" in labs
    assert "Study next" in output and "\nquiz: item, attempts, first pass, best, last\n" in output


def test_the_runs_columns_line_up_whatever_the_length_of_a_labs_name(tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "history.sqlite3"
    graded(path, 3, subject="networking-engine")
    graded(path, 30)
    runs = run_lines(shown_history(capsys, monkeypatch, path))
    assert [line.index(" grade ") for line in runs] == [runs[0].index(" grade ")] * 2, runs
    assert [line.index("/30") for line in runs] == [runs[0].index("/30")] * 2, runs


def test_history_gives_each_labs_best_last_and_trend_over_whole_lab_grades(tmp_path: Path, capsys,
                                                                           monkeypatch) -> None:
    path = tmp_path / "history.sqlite3"
    graded(path, 0)
    graded(path, 9, max_score=9)  # two tasks graded with -k: not the whole lab
    graded(path, 30, mode="solve")  # dcalab's work, not the learner's
    graded(path, 23)
    graded(path, 28, mode="watch", best=29)  # a watch that saw 29 points, then a mistake
    output = shown_history(capsys, monkeypatch, path)
    assert "\nregistry: best 29/30, last 28/30; whole-lab grades, oldest first: 0 23 28\n  task, attempts" in output
    watch = next(line for line in output.splitlines() if " watch " in line)
    assert re.search(r"  28/30  best 29, watched from \d\d:\d\d$", watch), watch
    monkeypatch.setenv("DCALAB_HISTORY", str(path))
    assert cli.main(["lab", "list"]) == 0
    assert re.search(r"(?m)^registry +\d+ tasks +30 points +best 29/30 ", capsys.readouterr().out)
    for score in range(10):
        graded(path, score)
    assert "whole-lab grades, oldest first (the last 10): 0 1 2 3 4 5 6 7 8 9" in shown_history(
        capsys, monkeypatch, path)


def test_history_of_a_lab_not_graded_yet_says_how_and_of_an_unknown_lab_lists_the_labs(tmp_path: Path, capsys,
                                                                                     monkeypatch) -> None:
    path = tmp_path / "history.sqlite3"
    assert shown_history(capsys, monkeypatch, path, "--lab", "orchestration").splitlines() == [
        "No grade of the lab orchestration yet. Grade it: pytest labs/orchestration, or dcalab watch orchestration"]
    assert cli.main(["history", "--lab", "nope"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "dcalab: There is no lab called 'nope'.", f"  The labs are: {', '.join(lab_names())}."]


def orc(item: str, status: str, score: int, max_score: int = 1) -> history.Item:
    return history.Item(item, status, score, max_score, "Orchestration", "o")


def test_readiness_counts_the_latest_attempt_at_each_task_and_question_at_the_end_of_each_day() -> None:
    net = history.Item("net-001", "correct", 1, 1, "Networking", "o")
    readiness = by_day([
        ("2026-11-01", [orc("swarm-join", "FAIL", 1, 4), orc("orc-001", "wrong", 0)]),
        ("2026-11-01", [orc("orc-001", "correct", 1)]),  # the same day: its last attempt counts, once
        ("2026-11-02", [net, orc("orc-002", "unanswered", 0), orc("swarm-join", "ENV-ERROR", 0, 4)]),  # not attempts
        ("2026-11-03", [orc("swarm-join", "PASS", 4, 4), history.Item("x", "FAIL", 0, 9, "<b>Cooking</b>", "o")]),
    ])
    assert list(readiness) == list(TITLE_WEIGHTS)  # every domain, in the study guide's order
    assert readiness["Orchestration"] == [("2026-11-01", 2, 5), ("2026-11-03", 5, 5)]
    assert readiness["Networking"] == [("2026-11-02", 1, 1)]
    assert readiness["Security"] == []  # no attempts yet; a domain not in the guide is left out


def day(monkeypatch: pytest.MonkeyPatch, date: str) -> None:
    """The history's clock at noon on that day."""
    noon = time.mktime(time.strptime(f"{date} 12:00", "%Y-%m-%d %H:%M"))
    monkeypatch.setattr(history.time, "time", lambda: noon)


def test_readiness_in_the_history_leaves_out_grades_after_a_solve_and_counts_quizzes_and_exams(
        tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "history.sqlite3"
    day(monkeypatch, "2026-11-01")
    graded(path, 2)  # swarm-join 2/4 (Orchestration), daemon-json 0/26 (Installation and Configuration)
    day(monkeypatch, "2026-11-02")
    graded(path, 30, mode="solve")  # dcalab's work
    history.record_run("quiz", "quiz", "done", "-", [history.Item("net-001", "wrong", 0, 1, "Networking", "o")], path)
    day(monkeypatch, "2026-11-03")
    exam = [orc("swarm-join", "PASS", 4, 4), orc("orc-001", "wrong", 0),
            history.Item("net-001", "correct", 1, 1, "Networking", "o")]
    history.record_run("exam", "exam", "done", "embedded", exam, path)
    readiness = history_view.domain_readiness(path)
    assert readiness["Orchestration"] == [("2026-11-01", 2, 4), ("2026-11-03", 4, 5)]
    assert readiness["Installation and Configuration"] == [("2026-11-01", 0, 26)]
    assert readiness["Networking"] == [("2026-11-02", 0, 1), ("2026-11-03", 1, 1)]
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: one line per domain
    output = shown_history(capsys, monkeypatch, path)
    lines = output[output.index("  Orchestration"):output.index("Study next")].splitlines()  # after the heading
    assert [re.sub(r" +", " ", line) for line in lines[0:6]] == [
        " Orchestration 25 % 80 % (4/5 points); by day, oldest first: 50 80",
        " Image Creation, Management and Registry 20 % no attempts yet",
        " Installation and Configuration 15 % 0 % (0/26 points)",
        " Networking 15 % 100 % (1/1 points); by day, oldest first: 0 100",
        " Security 15 % no attempts yet",
        " Storage and Volumes 10 % no attempts yet"]
    assert "Readiness per DCA domain" not in shown_history(capsys, monkeypatch, path, "--lab", "registry")


def test_each_domains_chart_puts_a_day_at_the_same_place_and_a_domain_without_attempts_has_none() -> None:
    charts = history_view.domain_charts(by_day([
        ("2026-11-01", [orc("orc-001", "wrong", 0)]),
        ("2026-11-02", [history.Item("net-001", "correct", 1, 1, "Networking", "o")]),
        ("2026-11-05", [orc("orc-001", "correct", 1)]),
    ]))
    assert charts["days"] == ["2026-11-01", "2026-11-02", "2026-11-05"]
    marks = {title: [(mark.x, mark.y, mark.day, mark.percent) for mark in found] for title, _, found in charts["rows"]}
    margin, step = history_view.DOMAIN_MARGIN, history_view.DOMAIN_STEP
    first, second, third = (margin + number * step for number in range(3))
    bottom, top = charts["bottom"], charts["top"]
    assert marks["Orchestration"] == [(first, bottom, "2026-11-01", 0), (third, top, "2026-11-05", 100)]
    assert marks["Networking"] == [(second, top, "2026-11-02", 100)]
    assert marks["Security"] == [] and charts["width"] == 2 * margin + (history_view.DOMAIN_DAYS_SEEN - 1) * step


def test_the_history_page_escapes_a_hostile_lab_task_and_domain_and_says_no_attempts_yet(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    hostile = "<img src=x onerror=alert(1)>"
    history.record_run("lab", hostile, "grade", "embedded", [history.Item(hostile, "FAIL", 0, 3, hostile, "o"),
                                                             orc("swarm-join", "PASS", 4, 4)], path)
    page = history_view.render_page(20, path=path)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page and "<script" not in page
    readiness = page[page.index('<section id="readiness">'):page.index("</section>")]
    assert "<th class=\"domain\">Orchestration</th><td>25 %</td>" in readiness and "100 % (4/4 points)" in readiness
    assert readiness.count("no attempts yet") == 5 and "onerror" not in readiness


def test_a_history_at_version_6_keeps_a_class_row_and_a_named_clusters_grade_shows_its_name(
        tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in (statement for migration in history.MIGRATIONS[:6] for statement in migration):
        db.execute(statement)
    db.execute("PRAGMA user_version = 6")
    db.execute("INSERT INTO runs (kind, subject, mode, backend, finished_at, score, max_score, learner) "
               "VALUES ('lab', 'registry', 'grade', 'embedded', 1.0, 4, 30, 'alice')")
    db.close()
    saved = history.record_run("lab", "registry", "grade", "embedded", [history.Item("swarm-join", "PASS", 4, 4,
                                                                                     "Orchestration", "o")],
                               path, cluster_name="acc1")
    old, new = history.runs(path=path)
    assert version(path) == history.SCHEMA_VERSION
    assert (old.learner, old.cluster_name, old.cluster) == ("alice", None, "embedded")
    assert (new.id, new.learner, new.cluster_name, new.cluster) == (saved, None, "acc1", "embedded acc1")
    lines = run_lines(shown_history(capsys, monkeypatch, path))
    assert lines[0].endswith("4/4  cluster acc1") and lines[1].endswith("4/30  learner alice"), lines
    assert "<td>embedded acc1</td>" in history_view.render_page(None, path=path)
