"""What a finished run leaves: the reports asked for, then its history row. The pytest plugin, `dcalab watch`,
the quiz and the exam all end here, so every way of grading keeps one rule: a report or page that cannot be
written costs one warning line, never another report or the history row, and the row is always attempted (a
history that cannot be written is one more warning, dcalab.history)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from pathlib import Path

from dcalab.errors import DcalabError, warn
from dcalab.grading import TaskResult
from dcalab.history import Item, record_run
from dcalab.lab import Lab, Task
from dcalab.settings import write_whole

Report = tuple[Path, Callable[[], str]]  # where a report goes, and what makes its text


def write_page(path: Path, text: str) -> None:
    """Write a report or page the learner asked for, whole (a failed write leaves the old file); DcalabError saying
    why it cannot be written, with the fix."""
    try:
        write_whole(path, text, mode=0o644)
    except IsADirectoryError:
        raise DcalabError(f"{path} is a folder, so the page cannot be written there.",
                          f"Name a file in it: {shlex.quote(str(path / 'report.html'))}") from None
    except FileNotFoundError:
        raise DcalabError(f"The folder {path.parent} does not exist, so {path} cannot be written.",
                          f"Create it first: mkdir -p {shlex.quote(str(path.parent))}") from None
    except OSError as error:
        raise DcalabError(f"{path} cannot be written ({error.strerror or error}).",
                          "Name a file in a folder you may write to.") from None


def report_paths(path: Path, labs: list[str]) -> dict[str, Path]:
    """Where each lab's report goes: the path itself for one lab; for several, one file each, named after the lab
    (r.json -> r-registry.json, r-orchestration.json), so that no lab's report overwrites another's."""
    if len(labs) == 1:
        return {labs[0]: path}
    return {lab: path.with_name(f"{path.stem}-{lab}{path.suffix}") for lab in labs}


def save_run(kind: str, subject: str, mode: str, backend: str, items: list[Item], reports: Iterable[Report] = (),
             history: Path | None = None, started: float | None = None, best: int | None = None,
             pass_mark: float | None = None, learner: str | None = None, cluster_name: str | None = None) -> int | None:
    """Write each report, then the run's history row (dcalab.history.record_run); the row's id, None when the history
    could not be written. Only a DcalabError of a report is a warning: anything else is a defect and shows."""
    for path, render in reports:
        try:
            write_page(path, render())
        except DcalabError as error:
            warn(f"the report {path} is not written. {error}")
    return record_run(kind, subject, mode, backend, items, history, started, best, pass_mark, learner, cluster_name)


def task_item(task: Task, status: str, score: int) -> Item:
    """A graded task as the history keeps it, with the study guide's objectives it practises."""
    return Item(task.id, status, score, task.points, task.domain, task.objective_words, None,
                tuple(objective.id for objective in task.objectives))


def save_grade(lab: Lab, results: dict[str, TaskResult], mode: str, backend: str, reports: Iterable[Report] = (),
               history: Path | None = None, started: float | None = None, best: int | None = None,
               learner: str | None = None, cluster_name: str | None = None) -> int | None:
    """save_run for a grade of a lab (only the tasks that ran); a watch gives its start and best score, a class's
    grade the learner's name, a named cluster's grade its name."""
    items = [task_item(r.task, r.status, r.score) for r in results.values()]
    return save_run("lab", lab.id, mode, backend, items, reports, history, started, best, learner=learner,
                    cluster_name=cluster_name)
