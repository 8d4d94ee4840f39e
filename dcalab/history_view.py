"""What `dcalab history` shows of a lab's grades over time: best, last and the trend, in the terminal, and one
HTML page with each lab's runs, a chart of its score per run and a grid of each task, run by run."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from dcalab import history
from dcalab.errors import DcalabError
from dcalab.history import Item, Run
from dcalab.lab import Lab, find_lab
from dcalab.report import pages

CHART_HEIGHT, CHART_STEP, CHART_MARGIN = 100, 24, 34  # the chart's units: 1 per percent, a run every 24
LEARNER_MODES = ("grade", "watch")  # the grade after a solve is dcalab's work, not the learner's


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

    def summary(self, trend: int = 10) -> str:
        """`registry: best 30/30, last 28/30; whole-lab grades, oldest first: 0 12 30 28`."""
        if not self.whole:
            return f"{self.subject}: no grade of the whole lab yet"
        scores = " ".join(str(run.score) for run in self.whole[-trend:])
        return (f"{self.subject}: best {self.best}/{self.points}, last {self.last}/{self.points}; whole-lab grades, "
                f"oldest first{f' (the last {trend})' if len(self.whole) > trend else ''}: {scores}")

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


def render_page(limit: int | None, subject: str | None = None, path: Path | None = None) -> str:
    """One self-contained page (no script): per lab its summary, a chart, a grid of tasks by run and its runs;
    then the quizzes and exams."""
    others = [run for run in history.runs(subject, path) if run.kind != "lab"]
    return pages().get_template("history.html.j2").render(
        labs=lab_records(limit, subject, path), others=others[::-1][:limit] if limit else others[::-1],
        limit=limit, timestamp=time.strftime("%Y-%m-%d %H:%M:%S %Z"))
