"""The lab summary printed after a grade, and the learner's last progress kept for `dcalab lab show`."""

from __future__ import annotations

import json
import time

from dcalab.grading import PASS, TaskResult
from dcalab.lab import Lab
from dcalab.settings import state_dir

COLOURS = {"PASS": "green", "FAIL": "red", "BLOCKED": "yellow", "ENV-ERROR": "purple"}


def totals(lab: Lab, results: dict[str, TaskResult]) -> tuple[int, int, float]:
    score = sum(result.score for result in results.values())
    maximum = sum(task.points for task in lab.tasks if task.id in results)
    return score, maximum, 100.0 * score / maximum if maximum else 0.0


def print_summary(reporter, lab: Lab, results: dict[str, TaskResult], mode: str) -> None:
    """One compact table: task, points, verdict, hint (in colour on a terminal)."""
    reporter.section(f"lab {lab.id}: {lab.title} ({mode})", sep="=")
    width = max(len(task.id) for task in lab.tasks)
    for number, task in enumerate(lab.tasks, 1):
        result = results.get(task.id)
        if result is None:
            continue
        hint = "" if result.status == PASS else result.hint
        reporter.write(f"{number:>2} {task.id:<{width}} {result.score:>2}/{task.points:<2} ")
        reporter.write(f"{result.status:<9}" if hint else result.status, **{COLOURS[result.status]: True, "bold": True})
        reporter.write(f" {hint}\n" if hint else "\n")
    score, maximum, percent = totals(lab, results)
    verdict = "PASSED" if percent >= lab.pass_mark else "not passed yet"
    reporter.write(f"Total {score}/{maximum} points ({percent:.0f} %), pass mark {lab.pass_mark} %: {verdict}.\n")


def progress_file(lab_id: str):
    folder = state_dir() / "progress"
    folder.mkdir(exist_ok=True)
    return folder / f"{lab_id}.json"


def save_progress(lab: Lab, results: dict[str, TaskResult]) -> None:
    """Remember each task's last status and score, merged with what earlier runs graded."""
    path = progress_file(lab.id)
    known = json.loads(path.read_text()) if path.exists() else {}
    stamp = time.strftime("%Y-%m-%d %H:%M")
    for task_id, result in results.items():
        known[task_id] = {"status": result.status, "score": result.score, "points": result.task.points, "at": stamp}
    path.write_text(json.dumps(known, indent=2))


def load_progress(lab_id: str) -> dict:
    path = progress_file(lab_id)
    return json.loads(path.read_text()) if path.exists() else {}


def results_json(lab: Lab, results: dict[str, TaskResult], hints: bool = True) -> dict:
    """The grade in the shape of Gradescope's results.json, with dcalab's verdict per task."""
    score, maximum, _ = totals(lab, results)
    tests = [
        {
            "name": f"{task.id}: {task.title}", "task": task.id, "verdict": results[task.id].status,
            "score": results[task.id].score, "max_score": task.points,
            "status": "passed" if results[task.id].status == PASS else "failed",
            "output": results[task.id].describe(hints),
        }
        for task in lab.tasks if task.id in results
    ]
    return {"score": score, "max_score": maximum, "lab": lab.id, "tests": tests}
