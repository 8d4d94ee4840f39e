"""Every completed grade, kept in SQLite so a learner sees attempts over time.

The database is $DCALAB_HISTORY, else history.sqlite3 in the user's data directory. An interrupted
lab grade or exam records nothing; an interrupted quiz keeps the answers given (mode "interrupted").
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from dcalab.grading import PASS, TaskResult
from dcalab.lab import Lab
from dcalab.quiz.engine import CORRECT

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, mode TEXT NOT NULL,
    backend TEXT NOT NULL, finished_at REAL NOT NULL, score INTEGER NOT NULL, max_score INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    run_id INTEGER NOT NULL REFERENCES runs(id), item TEXT NOT NULL, status TEXT NOT NULL,
    score INTEGER NOT NULL, max_score INTEGER NOT NULL, domain TEXT NOT NULL, objective TEXT NOT NULL
);
"""


def default_path() -> Path:
    data = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "dcalab"
    return Path(os.environ.get("DCALAB_HISTORY", data / "history.sqlite3"))


def connect(path: Path | None = None) -> sqlite3.Connection:
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    return connection


@dataclass(frozen=True)
class Item:
    """One graded thing in a run: a lab task or a question."""

    item: str
    status: str  # PASS, FAIL, BLOCKED, ENV-ERROR for tasks; correct, wrong, unanswered for questions
    score: int
    max_score: int
    domain: str
    objective: str


def record_run(kind: str, subject: str, mode: str, backend: str, items: list[Item], path: Path | None = None) -> int:
    """Store one completed run (a lab grade, a quiz or an exam) with its items; returns the run's id."""
    with connect(path) as db:
        run = db.execute(
            "INSERT INTO runs (kind, subject, mode, backend, finished_at, score, max_score) VALUES (?,?,?,?,?,?,?)",
            (kind, subject, mode, backend, time.time(), sum(i.score for i in items), sum(i.max_score for i in items)),
        ).lastrowid
        db.executemany(
            "INSERT INTO items (run_id, item, status, score, max_score, domain, objective) VALUES (?,?,?,?,?,?,?)",
            [(run, i.item, i.status, i.score, i.max_score, i.domain, i.objective) for i in items],
        )
    return run


def record_lab(lab: Lab, results: dict[str, TaskResult], mode: str, backend: str, path: Path | None = None) -> None:
    """Store one completed grade of a lab (only the tasks that ran)."""
    items = [Item(task_id, r.status, r.score, r.task.points, r.task.domain, r.task.objective)
             for task_id, r in results.items()]
    record_run("lab", lab.id, mode, backend, items, path)


def weakest_objectives(limit: int = 5, path: Path | None = None,
                       run: int | None = None) -> list[tuple[str, str, int, int]]:
    """(domain, objective, scored, possible) over every run (or one), the lowest share first: what to study next."""
    with connect(path) as db:
        return db.execute(
            """SELECT domain, objective, SUM(score), SUM(max_score) FROM items
               WHERE max_score > 0 AND (? IS NULL OR run_id = ?)
               GROUP BY domain, objective HAVING SUM(score) < SUM(max_score)
               ORDER BY 1.0 * SUM(score) / SUM(max_score), SUM(max_score) DESC LIMIT ?""",
            (run, run, limit),
        ).fetchall()


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
    with connect(path) as db:
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


def runs(subject: str | None = None, path: Path | None = None) -> list[tuple]:
    """(kind, subject, mode, backend, finished, score, max_score) of each run, oldest first."""
    query = "SELECT kind, subject, mode, backend, finished_at, score, max_score FROM runs"
    with connect(path) as db:
        rows = db.execute(query + (" WHERE subject = ?" if subject else "") + " ORDER BY id",
                          (subject,) if subject else ()).fetchall()
    return [(*row[:4], _day(row[4]), *row[5:]) for row in rows]
