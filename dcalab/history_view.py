"""What `dcalab history` shows of a lab's grades over time: best, last and the trend, in the terminal, and one
HTML page with each lab's runs, a chart of its score per run and a grid of each task, run by run; above them the
readiness per DCA domain, day by day."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from dcalab import history
from dcalab.errors import DcalabError
from dcalab.exam.readiness import TITLE_WEIGHTS, by_day
from dcalab.grading import REBOOT_MODE
from dcalab.history import Item, Run
from dcalab.lab import Lab, find_lab
from dcalab.report import pages

CHART_HEIGHT, CHART_STEP, CHART_MARGIN = 100, 24, 34  # the chart's units: 1 per percent, a run every 24
DOMAIN_HEIGHT, DOMAIN_STEP, DOMAIN_MARGIN = 50, 24, 6  # a domain's chart, in pixels: 2 % each, a day every 24
DOMAIN_DAYS_SEEN = 5  # a domain's chart is at least as wide as five days
LEARNER_MODES = ("grade", "watch", REBOOT_MODE)  # the grade after a solve is dcalab's work, not the learner's
TREND = 10  # scores a trend in the terminal lists


def trend_words(scores: list[int]) -> str:
    """`oldest first: 0 12 30`, the last TREND of them."""
    last = " ".join(str(score) for score in scores[-TREND:])
    return f"oldest first{f' (the last {TREND})' if len(scores) > TREND else ''}: {last}"


@dataclass(frozen=True)
class LabRecord:
    """One lab's runs (oldest first) and their tasks; `shown` are the last ones the page or the terminal lists."""

    subject: str
    runs: list[Run]
    shown: list[Run]
    items: dict[int, dict[str, Item]]  # run id -> task id -> the task as graded in that run

    @cached_property
    def lab(self) -> Lab | None:
        """None for a lab that is gone."""
        try:
            return find_lab(self.subject)
        except DcalabError:
            return None

    @property
    def points(self) -> int:
        return self.lab.points if self.lab else max(run.max_score for run in self.runs)

    @property
    def whole(self) -> list[Run]:
        """The grades of the whole lab (not a -k selection of its tasks) as the learner left it (not a solve)."""
        return [run for run in self.runs if run.max_score == self.points and run.mode in LEARNER_MODES]

    @property
    def best(self) -> int | None:
        return max((run.score if run.best is None else run.best for run in self.whole), default=None)

    @property
    def last(self) -> int | None:
        return self.whole[-1].score if self.whole else None

    def summary(self) -> str:
        """`registry: best 30/30, last 28/30; whole-lab grades, oldest first: 0 12 30 28`."""
        if not self.whole:
            return f"{self.subject}: no grade of the whole lab yet"
        return (f"{self.subject}: best {self.best}/{self.points}, last {self.last}/{self.points}; whole-lab grades, "
                f"{trend_words([run.score for run in self.whole])}")

    @property
    def tasks(self) -> list[str]:
        """The lab's tasks in its order, then any task it no longer has, as first graded."""
        graded = [task for run in self.shown for task in self.items.get(run.id, {})]
        own = [task.id for task in self.lab.tasks] if self.lab else []
        return own + [task for task in dict.fromkeys(graded) if task not in own]

    def grid(self) -> list[tuple[str, list[Item | None]]]:
        """Per task, what each shown run (oldest first) found: None where the run did not grade it."""
        return [(task, [self.items.get(run.id, {}).get(task) for run in self.shown]) for task in self.tasks]

    def chart(self) -> dict:
        """The score of each shown grade of the whole lab, in percent, placed in an SVG chart: x grows with the run,
        y with the score."""
        whole = [run for run in self.whole if run in self.shown]
        marks = [(CHART_MARGIN + number * CHART_STEP, CHART_HEIGHT - round(100 * run.score / run.max_score), run)
                 for number, run in enumerate(whole)]
        width = CHART_MARGIN * 2 + CHART_STEP * max(len(whole) - 1, 1)
        pass_mark = CHART_HEIGHT - self.lab.pass_mark if self.lab else None
        return {"marks": marks, "width": width, "height": CHART_HEIGHT, "pass_mark": pass_mark,
                "line": " ".join(f"{x},{y}" for x, y, _ in marks)}


def lab_records(limit: int | None, subject: str | None = None, path: Path | None = None) -> list[LabRecord]:
    """Each lab in the history (or one), with its last `limit` runs shown (all with None)."""
    runs: dict[str, list[Run]] = {}
    for run in history.runs(subject, path):
        if run.kind == "lab":
            runs.setdefault(run.subject, []).append(run)
    return [LabRecord(lab, every, every[-limit:] if limit else every, history.run_items(lab, path))
            for lab, every in sorted(runs.items())]


class DayMark(NamedTuple):
    """A domain's readiness at the end of a day, placed in its chart."""

    x: int
    y: int
    day: str
    scored: int
    possible: int

    @property
    def percent(self) -> int:
        return round(100 * self.scored / self.possible)


def domain_readiness(path: Path | None = None) -> dict[str, list[tuple[str, int, int]]]:
    """Per DCA domain, (day, scored, possible) at the end of each day you attempted it (readiness.by_day) over every
    run but the grades after a solve, which are dcalab's work."""
    items = history.run_items(None, path)
    return by_day((run.finished[:10], list(items.get(run.id, {}).values())) for run in history.runs(path=path)
                  if run.kind != "lab" or run.mode in LEARNER_MODES)


def domain_charts(readiness: dict[str, list[tuple[str, int, int]]]) -> dict:
    """Each domain's readiness day by day, placed in a small SVG chart: the same day has the same x in every chart,
    the readier, the higher. A domain without attempts has no marks."""
    days = sorted({day for points in readiness.values() for day, _, _ in points})
    x = {day: DOMAIN_MARGIN + number * DOMAIN_STEP for number, day in enumerate(days)}
    rows = [(title, weight, [DayMark(x[day], DOMAIN_MARGIN + DOMAIN_HEIGHT * (possible - scored) // possible, day,
                                     scored, possible) for day, scored, possible in readiness[title]])
            for title, weight in TITLE_WEIGHTS.items()]
    room = max(len(days), DOMAIN_DAYS_SEEN) - 1  # a chart of a day or two is still wide enough to read
    return {"rows": rows, "days": days, "width": 2 * DOMAIN_MARGIN + DOMAIN_STEP * room,
            "top": DOMAIN_MARGIN, "bottom": DOMAIN_MARGIN + DOMAIN_HEIGHT, "height": 2 * DOMAIN_MARGIN + DOMAIN_HEIGHT}


def render_page(limit: int | None, subject: str | None = None, path: Path | None = None) -> str:
    """One self-contained page (no script): the readiness per DCA domain day by day (not for one lab); per lab its
    summary, a chart, a grid of tasks by run and its runs; then the quizzes and exams."""
    others = [run for run in history.runs(subject, path) if run.kind != "lab"]
    return pages().get_template("history.html.j2").render(
        domains=None if subject else domain_charts(domain_readiness(path)), labs=lab_records(limit, subject, path),
        others=others[::-1][:limit] if limit else others[::-1], limit=limit,
        timestamp=time.strftime("%Y-%m-%d %H:%M:%S %Z"))
