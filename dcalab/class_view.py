"""What a class's grade shows: the grid (learner x task verdicts, points, total) on a terminal, as CSV and as one
self-contained HTML page; per lab when learners work in different labs."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable

from dcalab.classroom import Seat
from dcalab.grading import ENV_ERROR
from dcalab.lab import CONCEPT, Lab
from dcalab.report import COLOURS, pages, totals
from dcalab.shown import shown

SHORT = {"PASS": "P", "FAIL": "F", "BLOCKED": "B", "ENV-ERROR": "E"}  # a cell's verdict in one letter, without colour


def by_lab(class_seats: Iterable[Seat]) -> list[tuple[Lab | None, list[Seat]]]:
    """The seats grouped by lab, in the roster's order of first appearance; the learners with a roster problem last,
    under None (they have no lab to be graded in)."""
    groups: dict[str, tuple[Lab | None, list[Seat]]] = {}
    for seat in class_seats:
        key = "" if seat.problem else seat.lab.id
        groups.setdefault(key, (None if seat.problem else seat.lab, []))[1].append(seat)
    return sorted(groups.values(), key=lambda group: group[0] is None)


def duration(seconds: float) -> str:
    """How long, as a trainer reads it at a glance: 45s, 3m05s, 1h12m."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def stuck(seat: Seat, now: float) -> str:
    """Where the learner is: the first task left and for how long nothing changed, or that every task passes; why
    nothing could be graded, when their cluster was not reached (the harness did not see them stuck)."""
    if _reason(seat):
        return _reason(seat)
    left = seat.stuck_on
    if left is None:
        return "every task passes" if seat.results else ""
    return f"on {left.task.id} for {duration(now - seat.changed_at)}"


def total_words(lab: Lab, seat: Seat) -> str:
    score, maximum, percent = totals(lab, seat.results)
    return f"{score}/{maximum} {percent:.0f}% {'PASSED' if percent >= lab.pass_mark else 'not yet'}"


def write_grid(writer, class_seats: Iterable[Seat], watching: bool = False) -> None:
    """The class's grid to anything with pytest's write(text, **markup) (a TerminalWriter): per lab, a row per
    learner with each task's verdict letter and points (coloured by verdict), the total, and, for a watch, the task
    they are on and for how long; a learner who cannot be graded, one row with the reason."""
    now = time.time()
    for lab, group in by_lab(class_seats):
        width = max(len(seat.learner.name) for seat in group)
        if lab is None:
            writer.write("Not graded:\n")
            for seat in group:
                writer.write(f"  {shown(seat.learner.name):<{width}}  {shown(seat.problem)}\n")
            continue
        writer.write(f"Lab {lab.id}: {lab.title} ({lab.points} points, pass mark {lab.pass_mark} %)\n")
        cell = max(len(f"P {task.points}/{task.points}") for task in lab.tasks)
        writer.write(f"{'':<{width}}  " + " ".join(f"{number:>{cell}}" for number in range(1, len(lab.tasks) + 1))
                     + "  total\n")
        for seat in group:
            writer.write(f"{shown(seat.learner.name):<{width}}  ")
            for task in lab.tasks:
                result = seat.results.get(task.id)
                if result is None:
                    writer.write(f"{'-':>{cell}} ")
                    continue
                text = f"{SHORT[result.status]} {result.score}/{task.points}"
                writer.write(f"{text:>{cell}}", **{COLOURS[result.status]: True})
                writer.write(" ")
            note = stuck(seat, now) if watching else _reason(seat)
            writer.write(f" {total_words(lab, seat)}" + (f"  {note}" if note else "") + "\n")
        writer.write("  " + "; ".join(f"{number} {task.id}" for number, task in enumerate(lab.tasks, 1))
                     + "  (P pass, F fail, B blocked, E env-error)\n")


def _reason(seat: Seat) -> str:
    """Why none of a learner's tasks could be graded (their cluster was not reached: the first task's reason); ""
    when some could."""
    results = list(seat.results.values())
    return results[0].reason if results and all(result.status == ENV_ERROR for result in results) else ""


def class_csv(class_seats: Iterable[Seat]) -> str:
    """One line per learner: learner, lab, each task's points and verdict (task ids as headers, every lab's tasks in
    turn), the total, the maximum, the percent, passed or not, and why a learner is not graded."""
    class_seats = list(class_seats)
    columns: list[str] = []
    for lab, _ in by_lab(class_seats):
        for task in lab.tasks if lab else ():
            columns += [c for c in (task.id, f"{task.id} verdict") if c not in columns]
    out = io.StringIO()
    table = csv.writer(out)
    table.writerow(["learner", "lab", *columns, "score", "max_score", "percent", "passed", "note"])
    for seat in class_seats:
        if seat.problem:
            table.writerow([seat.learner.name, seat.learner.lab, *[""] * len(columns), "", "", "", "", seat.problem])
            continue
        cells = {}
        for task_id, result in seat.results.items():
            cells[task_id], cells[f"{task_id} verdict"] = result.score, result.status
        score, maximum, percent = totals(seat.lab, seat.results)
        table.writerow([seat.learner.name, seat.lab.id, *[cells.get(column, "") for column in columns], score,
                        maximum, f"{percent:.0f}", "yes" if percent >= seat.lab.pass_mark else "no", _reason(seat)])
    return out.getvalue()


def class_html(class_seats: Iterable[Seat], hints: str = CONCEPT, refresh: float | None = None,
               watching: bool = False) -> str:
    """One self-contained page: per lab the grid coloured by verdict, each cell's findings and hint on hover, the
    totals against the lab's pass mark; `refresh` seconds: the page reloads itself (a watch's)."""
    now = time.time()
    groups = [(lab, [(seat, total_words(lab, seat) if lab else "", stuck(seat, now) if watching else _reason(seat))
                     for seat in group]) for lab, group in by_lab(class_seats)]
    return pages().get_template("class.html.j2").render(
        groups=groups, hints=hints, refresh=refresh, watching=watching, short=SHORT,
        timestamp=time.strftime("%Y-%m-%d %H:%M:%S %Z"))
