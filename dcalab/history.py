"""Every completed grade, kept in SQLite so a learner sees attempts over time.

The database is $DCALAB_HISTORY, else history.sqlite3 in the user's data directory. An interrupted
lab grade or exam records nothing; an interrupted quiz keeps the answers given (mode "interrupted").
Its schema has a version (PRAGMA user_version): each MIGRATIONS entry brings a file one version on and
keeps its rows. A history that cannot be written costs one warning line, never the result or a report.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from dcalab.dca import CORRECT, DOMAINS, RIGHT_IN_A_ROW, UNANSWERED, WRONG
from dcalab.errors import HistoryError, warn
from dcalab.grading import ENV_ERROR, PASS
from dcalab.objectives import study_guide

# MIGRATIONS[n] takes a file from version n to n + 1. Version 0 is a new file, or one written before the
# schema had a version (it has these two tables already: IF NOT EXISTS keeps them and their rows).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("""CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, mode TEXT NOT NULL,
        backend TEXT NOT NULL, finished_at REAL NOT NULL, score INTEGER NOT NULL, max_score INTEGER NOT NULL)""",
     """CREATE TABLE IF NOT EXISTS items (
        run_id INTEGER NOT NULL REFERENCES runs(id), item TEXT NOT NULL, status TEXT NOT NULL,
        score INTEGER NOT NULL, max_score INTEGER NOT NULL, domain TEXT NOT NULL, objective TEXT NOT NULL)"""),
    # each question's answer as the learner met it (JSON: stem, options shown and answered, key, source): the review
    ("ALTER TABLE items ADD COLUMN answer TEXT",),
    # a run that graded again and again (dcalab watch): when it started and its best score; NULL for one grade
    ("ALTER TABLE runs ADD COLUMN started_at REAL", "ALTER TABLE runs ADD COLUMN best INTEGER"),
    # an exam's pass mark (dcalab exam --pass-mark), so that its review gives the same verdict; NULL otherwise
    ("ALTER TABLE runs ADD COLUMN pass_mark REAL",),
    # the study guide's objective ids an item practises, space-separated (a task may name several); NULL before
    ("ALTER TABLE items ADD COLUMN objective_ids TEXT",),
    # the learner a trainer graded (dcalab class grade and watch); NULL for the user's own runs
    ("ALTER TABLE runs ADD COLUMN learner TEXT",),
    # the named cluster a lab was graded on (--cluster-name, DCALAB_CLUSTER); NULL for the default cluster and before
    ("ALTER TABLE runs ADD COLUMN cluster_name TEXT",),
)
SCHEMA_VERSION = len(MIGRATIONS)
# Not an attempt by the learner: the harness could not look, or the time ran out before an answer. Readiness and
# "Study next" leave them out alike.
NOT_ATTEMPTS = (ENV_ERROR, UNANSWERED)
LOCK_WAIT = 1.0  # seconds to wait for another writer: a run is written in milliseconds


def default_path() -> Path:
    data = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "dcalab"
    return Path(os.environ.get("DCALAB_HISTORY", data / "history.sqlite3"))


def _unusable(path: Path, error: Exception) -> HistoryError:
    if "locked" in str(error):
        fix = "Another program is writing to it: try again once it is done."
    elif isinstance(error, PermissionError) or any(word in str(error) for word in ("readonly", "unable to open")):
        fix = (f"dcalab may not write it: give your user write permission on it and its folder (ls -ld {path} "
               f"{path.parent} shows them), or use another file: DCALAB_HISTORY=PATH")
    else:
        fix = f"If the file is damaged, move it aside and dcalab starts a new one: mv {path} {path}.damaged"
    return HistoryError(f"The history {path} cannot be used ({error}).", fix)


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the file to SCHEMA_VERSION, one migration per transaction; refuse a file from a newer dcalab."""
    while (version := db.execute("PRAGMA user_version").fetchone()[0]) != SCHEMA_VERSION:
        if version > SCHEMA_VERSION:
            raise HistoryError(f"The history {path} was written by a newer dcalab (schema version {version}, "
                               f"this one knows up to {SCHEMA_VERSION}).",
                               "Update dcalab, or give this one another file: DCALAB_HISTORY=PATH.")
        db.execute("BEGIN IMMEDIATE")  # one writer migrates; another waits, then finds the new version
        if db.execute("PRAGMA user_version").fetchone()[0] == version:
            for statement in MIGRATIONS[version]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version + 1}")
        db.execute("COMMIT")


@contextmanager
def _open(path: Path | None = None, write: bool = False) -> Iterator[sqlite3.Connection]:
    """The history at this schema version, as one transaction, closed after; HistoryError if it cannot be used. A
    history that does not exist yet is made only to be written: read, it is empty, and nothing is created."""
    path = path or default_path()
    try:
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
        source = path if write or path.exists() else ":memory:"
        db = sqlite3.connect(source, timeout=LOCK_WAIT, isolation_level=None)  # transactions are explicit
    except (OSError, sqlite3.Error) as error:
        raise _unusable(path, error) from error
    try:
        _migrate(db, path)
        db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        yield db
        db.execute("COMMIT")
    except sqlite3.Error as error:
        raise _unusable(path, error) from error
    finally:
        db.close()  # without COMMIT, closing rolls the transaction back


@dataclass(frozen=True)
class Item:
    """One graded thing in a run: a lab task or a question."""

    item: str
    status: str  # PASS, FAIL, BLOCKED, ENV-ERROR for tasks; correct, wrong, unanswered for questions
    score: int
    max_score: int
    domain: str
    objective: str  # in words
    answer: dict[str, Any] | None = None  # a question's answer as met (dcalab.quiz.review); None for a lab task
    objective_ids: tuple[str, ...] = ()  # the study guide's ids (a task may name several); () in rows from before


def record_run(kind: str, subject: str, mode: str, backend: str, items: list[Item], path: Path | None = None,
               started: float | None = None, best: int | None = None, pass_mark: float | None = None,
               learner: str | None = None, cluster_name: str | None = None) -> int | None:
    """Store one completed run (a lab grade, a quiz or an exam) with its items; returns the run's id. A run that
    graded many times (a watch) gives its start (time.time()) and best score; its items are the last grade's; an
    exam gives its pass mark; a class's grade, the learner's name; a grade of a named cluster, its name.

    A history that cannot be written gives one warning line and None: the run's result stands."""
    try:
        with _open(path, write=True) as db:
            run = db.execute(
                "INSERT INTO runs (kind, subject, mode, backend, finished_at, score, max_score, started_at, best, "
                "pass_mark, learner, cluster_name) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (kind, subject, mode, backend, time.time(), sum(i.score for i in items),
                 sum(i.max_score for i in items), started, best, pass_mark, learner, cluster_name or None),
            ).lastrowid
            db.executemany(
                "INSERT INTO items (run_id, item, status, score, max_score, domain, objective, answer, objective_ids) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                [(run, i.item, i.status, i.score, i.max_score, i.domain, i.objective,
                  None if i.answer is None else json.dumps(i.answer), " ".join(i.objective_ids)) for i in items],
            )
    except HistoryError as error:
        warn(f"this {'grade' if kind == 'lab' else kind} is not saved in your history. {error}")
        return None
    return run


def check_writable(path: Path | None = None) -> None:
    """HistoryError, with the fix, when a run could not be saved now: said before a quiz or an exam begins."""
    with _open(path, write=True) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")  # a write that changes nothing


def last_seen(path: Path | None = None) -> dict[str, int]:
    """Each question answered so far -> when it was last answered (a number that grows with time)."""
    with _open(path) as db:
        return dict(db.execute("SELECT item, MAX(rowid) FROM items WHERE status IN (?, ?) GROUP BY item",
                               (CORRECT, WRONG)).fetchall())


def missed(path: Path | None = None) -> dict[str, int]:
    """Each question answered wrong and not answered right RIGHT_IN_A_ROW times in a row since -> the right
    answers in a row it has now."""
    with _open(path) as db:
        answers = db.execute("SELECT item, status FROM items WHERE status IN (?, ?) ORDER BY rowid",
                             (CORRECT, WRONG)).fetchall()
    streaks: dict[str, int] = {}
    for item, status in answers:
        if status == WRONG:
            streaks[item] = 0
        elif item in streaks:
            streaks[item] += 1
    return {item: streak for item, streak in streaks.items() if streak < RIGHT_IN_A_ROW}


def weakest_objectives(limit: int = 5, path: Path | None = None,
                       run: int | None = None) -> list[tuple[str, str, int, int]]:
    """(domain, objective, scored, possible) over every run (or one), the lowest share first: what to study next.
    Per study-guide objective, lab tasks and questions alike: a task that names two objectives counts for each.
    Counted as readiness counts: an item the time ran out on, or the harness could not grade, is not a miss."""
    with _open(path) as db:
        rows = db.execute("SELECT domain, objective, objective_ids, score, max_score FROM items WHERE max_score > 0 "
                          "AND (? IS NULL OR run_id = ?) AND status NOT IN (?, ?)",
                          (run, run, *NOT_ATTEMPTS)).fetchall()
    guide = study_guide()
    worded = {objective.text: objective for objective in guide.values()}
    points: dict[tuple[str, str], list[int]] = {}
    for domain, words, ids, score, max_score in rows:
        # a row from before the ids were kept: a question's words are the guide's; a task's own words stand alone
        objectives = [guide[i] for i in (ids or "").split() if i in guide] or \
            ([worded[words]] if words in worded else [])
        for key in [(DOMAINS[o.domain][0], o.words) for o in objectives] or [(domain, words)]:
            total = points.setdefault(key, [0, 0])
            total[0] += score
            total[1] += max_score
    weak = [(domain, words, scored, possible) for (domain, words), (scored, possible) in points.items()
            if scored < possible]
    return sorted(weak, key=lambda row: (row[2] / row[3], -row[3]))[:limit]


def passed_tasks(path: Path | None = None) -> set[tuple[str, str]]:
    """(lab, task) of every task a lab grade passed at least once."""
    with _open(path) as db:
        return set(db.execute("SELECT DISTINCT r.subject, i.item FROM items i JOIN runs r ON r.id = i.run_id "
                              "WHERE r.kind = 'lab' AND i.status = ?", (PASS,)).fetchall())


@dataclass(frozen=True)
class Progress:
    item: str
    attempts: int
    first_pass: str  # date of the first PASS (a task) or correct answer (a question), or ""
    best: int
    last: int
    last_status: str
    max_score: int


def _day(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) if timestamp else ""


def progress(subject: str, path: Path | None = None) -> list[Progress]:
    """Per item (task or question objective) of a lab or quiz: attempts, first pass, best and last score."""
    with _open(path) as db:
        rows = db.execute(
            """SELECT i.item, COUNT(*), MIN(CASE WHEN i.status IN (?, ?) THEN r.finished_at END), MAX(i.score),
                      (SELECT i2.score || ' ' || i2.status FROM items i2 JOIN runs r2 ON r2.id = i2.run_id
                        WHERE r2.subject = r.subject AND i2.item = i.item ORDER BY r2.id DESC LIMIT 1),
                      MAX(i.max_score), MIN(i.rowid)
               FROM items i JOIN runs r ON r.id = i.run_id WHERE r.subject = ?
               GROUP BY i.item ORDER BY MIN(i.rowid)""",
            (PASS, CORRECT, subject),
        ).fetchall()
    result = []
    for item, attempts, first_pass, best, last, max_score, _ in rows:
        last_score, last_status = last.split(" ", 1)
        result.append(Progress(item, attempts, _day(first_pass), best, int(last_score), last_status, max_score))
    return result


class Run(NamedTuple):
    id: int  # the number `dcalab review` takes
    kind: str  # lab, quiz or exam
    subject: str
    mode: str
    backend: str
    finished: str
    score: int
    max_score: int
    started: str = ""  # a watch's start; "" for a single grade, quiz or exam
    best: int | None = None  # a watch's best score
    pass_mark: float | None = None  # an exam's pass mark in percent (None: a lab, a quiz, or not kept)
    learner: str | None = None  # the learner of a class's grade (None: the user's own run)
    cluster_name: str | None = None  # the named cluster graded (None: the default cluster, or a run from before)

    @property
    def cluster(self) -> str:
        """The backend and the named cluster: `embedded acc1`, or `embedded` for the default one."""
        return f"{self.backend} {self.cluster_name}" if self.cluster_name else self.backend


RUN_COLUMNS = ("id, kind, subject, mode, backend, finished_at, score, max_score, started_at, best, pass_mark, learner, "
               "cluster_name")


def _run(row: tuple) -> Run:
    return Run(*row[:5], _day(row[5]), row[6], row[7], _day(row[8]), *row[9:])


def runs(subject: str | None = None, path: Path | None = None) -> list[Run]:
    """Each run (of one lab or quiz, or all), oldest first."""
    with _open(path) as db:
        where, values = (" WHERE subject = ?", (subject,)) if subject else ("", ())
        rows = db.execute(f"SELECT {RUN_COLUMNS} FROM runs{where} ORDER BY id", values).fetchall()
    return [_run(row) for row in rows]


def answers(run: int | None = None, path: Path | None = None) -> tuple[Run, list[Item]] | None:
    """A run and its questions with their answers, in the order asked (none for a lab, or a run saved before
    answers were kept); by default the last run that has answers. None when there is no such run."""
    with _open(path) as db:
        if run is None:
            found = db.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = (SELECT MAX(run_id) FROM items "
                               "WHERE answer IS NOT NULL)").fetchone()
        else:
            found = db.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run,)).fetchone()
        if found is None:
            return None
        rows = db.execute("SELECT item, status, score, max_score, domain, objective, answer FROM items "
                          "WHERE run_id = ? AND answer IS NOT NULL ORDER BY rowid", (found[0],)).fetchall()
    return _run(found), [Item(*row[:6], json.loads(row[6])) for row in rows]


def run_items(subject: str | None, path: Path | None = None) -> dict[int, dict[str, Item]]:
    """The items of every run of a lab (or quiz, or of all runs with None), without a question's answer: by run, then
    by item as graded."""
    found: dict[int, dict[str, Item]] = {}
    with _open(path) as db:
        rows = db.execute("SELECT i.run_id, i.item, i.status, i.score, i.max_score, i.domain, i.objective FROM items i "
                          "JOIN runs r ON r.id = i.run_id WHERE ? IS NULL OR r.subject = ? ORDER BY i.rowid",
                          (subject, subject)).fetchall()
    for run, *item in rows:
        found.setdefault(run, {})[item[0]] = Item(*item)
    return found
