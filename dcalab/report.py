"""What a grade shows: the terminal summary, a JSON report (results.json shape) and an HTML report."""

from __future__ import annotations

import json
import socket
import time
from functools import cache
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from dcalab.grading import PASS, REBOOT_MODE, TaskResult
from dcalab.lab import CONCEPT, Lab

if TYPE_CHECKING:  # jinja2 comes with the first page; the history page need not import the transports
    from jinja2 import Environment

    from dcalab.registry_contents import RegistryContents

COLOURS = {"PASS": "green", "FAIL": "red", "BLOCKED": "yellow", "ENV-ERROR": "purple"}


def totals(lab: Lab, results: dict[str, TaskResult]) -> tuple[int, int, float]:
    score = sum(result.score for result in results.values())
    maximum = sum(task.points for task in lab.tasks if task.id in results)
    return score, maximum, 100.0 * score / maximum if maximum else 0.0


def print_summary(reporter, lab: Lab, results: dict[str, TaskResult], mode: str, hints: str = CONCEPT) -> None:
    """One compact table: task, points, verdict, hint (in colour on a terminal)."""
    reporter.section(f"lab {lab.id}: {lab.title} ({mode})", sep="=")
    write_table(reporter, lab, results, hints)


def write_table(writer, lab: Lab, results: dict[str, TaskResult], hints: str = CONCEPT, compact: bool = False) -> None:
    """The table's rows and total line, to anything with pytest's write(text, **markup): the grade's terminal
    reporter, or the TerminalWriter `dcalab watch` draws with. `hints`: the tier shown after a verdict (a reason
    is shown even with none); `compact`: no hint or reason after the verdicts (the watch shows one, below)."""
    width = max(len(task.id) for task in lab.tasks)
    for number, task in enumerate(lab.tasks, 1):
        result = results.get(task.id)
        if result is None:
            continue
        hint = "" if compact or result.status == PASS else result.hint_at(hints) or result.reason
        writer.write(f"{number:>2} {task.id:<{width}} {result.score:>2}/{task.points:<2} ")
        writer.write(f"{result.status:<9}" if hint else result.status, **{COLOURS[result.status]: True, "bold": True})
        writer.write(f" {hint}\n" if hint else "\n")
    score, maximum, percent = totals(lab, results)
    verdict = "PASSED" if percent >= lab.pass_mark else "not passed yet"
    writer.write(f"Total {score}/{maximum} points ({percent:.0f} %), pass mark {lab.pass_mark} %: {verdict}.\n")


def results_json(lab: Lab, results: dict[str, TaskResult], hints: str = CONCEPT) -> dict:
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
    graded = {"score": score, "max_score": maximum, "lab": lab.id, "tests": tests}
    if any(result.rebooted for result in results.values()):  # Gradescope shows the top-level output above the tests
        graded.update(mode=REBOOT_MODE, output="This grade restarted the lab's nodes first (pytest --lab-reboot).")
    return graded


def report_json(lab: Lab, results: dict[str, TaskResult], hints: str, elapsed: float) -> str:
    """The text of a grade's JSON report (--lab-report-json): results_json with the grade's time."""
    return json.dumps({**results_json(lab, results, hints), "execution_time": round(elapsed, 3)}, indent=2)


def junit_xml(lab: Lab, results: dict[str, TaskResult], hints: str, elapsed: float) -> str:
    """The grade as JUnit XML in the shape pytest's --junitxml gives `pytest labs/LAB` (a testcase per task, named
    after its test function; a task that does not pass is a failure with what it found), for CI dashboards. Only the
    suite has a time: a session grades its tasks on answers asked together, not one by one."""
    failures = sum(result.status != PASS for result in results.values())
    suite = ElementTree.Element("testsuite", name="pytest", errors="0", failures=str(failures), skipped="0",
                                tests=str(len(results)), time=f"{elapsed:.3f}", hostname=socket.gethostname(),
                                timestamp=time.strftime("%Y-%m-%dT%H:%M:%S"))
    for task in lab.tasks:
        if task.id not in results:
            continue
        grader = lab.graders[task.id]
        module = grader.__module__.rpartition(".")[2]
        case = ElementTree.SubElement(suite, "testcase", classname=f"labs.{lab.id}.{module}", name=grader.__name__)
        if results[task.id].status != PASS:
            text = results[task.id].describe(hints)
            failure = ElementTree.SubElement(case, "failure", message=f"Failed: {text.splitlines()[0]}")
            failure.text = text
    root = ElementTree.Element("testsuites", name="pytest tests")
    root.append(suite)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)


@cache
def pages() -> Environment:
    """The HTML pages dcalab writes (a grade here, the history in dcalab.history_view, the review in
    dcalab.quiz.review); everything is escaped."""
    from jinja2 import Environment, PackageLoader, select_autoescape  # here only: most grades write no page

    return Environment(loader=PackageLoader("dcalab", "templates"), autoescape=select_autoescape(["html", "j2"]))


def render_html(lab: Lab, results: dict[str, TaskResult], mode: str, backend: str, hints: str = CONCEPT,
                registry: RegistryContents | None = None) -> str:
    """One self-contained HTML page: per-task cards with expected vs found and hints, the total, and the lab's
    registry's contents when it declares one ([report] in lab.toml)."""
    score, maximum, percent = totals(lab, results)
    ordered = [results[task.id] for task in lab.tasks if task.id in results]
    return pages().get_template("report.html.j2").render(
        lab=lab, results=ordered, score=score, max_score=maximum, percent=percent, mode=mode, backend=backend,
        hints=hints, timestamp=time.strftime("%Y-%m-%d %H:%M:%S %Z"), registry=registry,
    )
