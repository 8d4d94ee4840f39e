"""Parts of the documentation made from the code when the site is built, so they cannot drift from it.

A page asks for a part with a comment on a line of its own, replaced before the page is parsed:
  <!-- generated: lab-toml-reference -->   every lab.toml table and key, from dcalab.lab.SCHEMA (the validator's)
  <!-- generated: labs-table -->           every lab under labs/: tasks, points, DCA domains
  <!-- generated: lab NAME -->             one lab from its lab.toml: where it starts, its tasks, objectives and goals
  <!-- generated: report-json-example -->  dcalab.report.results_json of one graded task, as --lab-report-json has it
A lab's page never shows its solution. A lab without a page under docs/labs/, or an unknown part, is a warning,
which fails the strict build.
"""

from __future__ import annotations

import json
import re

from sphinx.application import Sphinx
from sphinx.util import logging

from checks import verdict
from dcalab.grading import grade_task
from dcalab.lab import SCHEMA, Lab, find_lab, lab_names
from dcalab.report import results_json

MARKER = re.compile(r"^<!-- generated: ([a-z-]+)(?: ([a-z0-9-]+))? -->$", re.M)
KINDS = {str: "string", int: "integer", list: "array", dict: "table"}
logger = logging.getLogger(__name__)


def lab_toml_reference() -> str:
    sections = []
    for table, keys in SCHEMA.items():
        heading = "The top level" if table == "lab" else f"`{table}`"
        rows = [f"| `{key}` | {KINDS[spec.kind]} | {'required' if spec.required else 'optional'} | "
                f"{spec.meaning} |" for key, spec in keys.items()]
        sections.append(f"## {heading}\n\n| key | type | | meaning |\n|---|---|---|---|\n" + "\n".join(rows))
    return "\n\n".join(sections)


def labs_table() -> str:
    rows = []
    for lab in map(find_lab, lab_names()):
        rows.append(f"| [{lab.id}]({lab.id}.md) | {lab.title} | {len(lab.tasks)} | {lab.points} | "
                    f"{lab.pass_mark} % | {', '.join(lab.domains)} |")
    return "| lab | title | tasks | points | pass mark | DCA domains |\n|---|---|---|---|---|---|\n" + "\n".join(rows)


def _start(lab: Lab) -> str:
    start, lines = lab.start, []
    if start.after_lab:
        kept = "" if start.managers else "; its swarm is kept"
        lines.append(f"It starts where the [{start.after_lab}]({start.after_lab}.md) lab ends (that lab is started, "
                     f"then solved{kept}).")
    if start.managers:
        members = [f"the managers {', '.join(start.managers[1:])}"] if len(start.managers) > 1 else []
        members += [f"the workers {', '.join(start.workers)}"] if start.workers else []
        outside = f"; outside it: {', '.join(start.outside)}" if start.outside else ""
        lines.append(f"{start.managers[0]} leads a swarm{' with ' if members else ''}{' and '.join(members)}{outside}.")
    elif not start.after_lab:
        lines.append("No node is in a swarm.")
    if start.steps:
        nodes = ", ".join(dict.fromkeys(step.node for step in start.steps))
        steps = "one setup step prepares" if len(start.steps) == 1 else f"{len(start.steps)} setup steps prepare"
        lines.append(f"Then {steps} {nodes} (`dcalab lab show {lab.id}` tells "
                     "what you find there).")
    return " ".join(lines)


def markdown_text(text: str) -> str:
    """A goal as Markdown: its punctuation taken literally (no emphasis, link, tag or substitution), its lines and
    its `  - ` lists kept."""
    return re.sub(r"([\\`*_{}\[\]<>#|$])", r"\\\1", text)


def lab_page(name: str) -> str:
    lab = find_lab(name)
    rows = [f"| {number} | {task.title} | {', '.join(task.nodes)} | {task.domain} | {task.objective_words} | "
            f"{task.points} |" for number, task in enumerate(lab.tasks, 1)]
    goals = [f"### {number}. {markdown_text(task.title)}\n\nOn {', '.join(task.nodes)}, {task.points} points. "
             f"{markdown_text(task.goal)}" for number, task in enumerate(lab.tasks, 1)]
    return (f"**{lab.title}**: {len(lab.tasks)} tasks, {lab.points} points, pass mark {lab.pass_mark} %. "
            f"DCA domains: {', '.join(lab.domains)}.\n\n"
            f"**Where it starts** (`dcalab lab start {lab.id}`): {_start(lab)}\n\n"
            "**Its tasks and objectives**:\n\n"
            "| | task | nodes | DCA domain | objective | points |\n|---|---|---|---|---|---|\n" + "\n".join(rows)
            + f"\n\nGrade it with `pytest labs/{lab.id}`; one task with `pytest labs/{lab.id} -k "
            f"{lab.tasks[0].id.replace('-', '_')}`.\n\n"
            f"## Its goals\n\nEach task's goal, as `dcalab lab show {lab.id}` and `dcalab exam --lab {lab.id}` give "
            f"it: the state to reach, without the commands (`dcalab lab show {lab.id} --guided` adds the guided "
            "steps).\n\n"
            + "\n\n".join(goals))


def report_json_example() -> str:
    """The registry lab's daemon-json graded after daemon.json was written everywhere but docker restarted only on
    master (the learner's guide's example), through the code that writes the JSON report."""
    lab = find_lab("registry")
    nodes = ("master", "worker1", "worker2", "registry")
    loaded = {node: verdict(node == "master", "the running docker lists registry.docker-dca.example:5000 as insecure",
                            "registry.docker-dca.example:5000" if node == "master"
                            else "docker info lists no insecure registry") for node in nodes}
    holds = {node: verdict(True, "", "") for node in nodes}
    result = grade_task(lab.task("daemon-json"), {"lists-registry": holds, "valid-json": holds,
                                                  "daemon-loaded": loaded}, notes=[])
    return "```json\n" + json.dumps(results_json(lab, {"daemon-json": result}), indent=2) + "\n```"


PARTS = {"lab-toml-reference": lab_toml_reference, "labs-table": labs_table, "lab": lab_page,
         "report-json-example": report_json_example}


def _replace(match: re.Match) -> str:
    part, argument = match.group(1), match.group(2)
    if part not in PARTS or (part == "lab") != bool(argument):
        logger.warning(f"unknown generated part {match.group(0)!r}: the parts are {', '.join(PARTS)}")
        return ""
    return PARTS[part](argument) if argument else PARTS[part]()


def fill(app: Sphinx, docname: str, source: list[str]) -> None:
    source[0] = MARKER.sub(_replace, source[0])


def every_lab_has_a_page(app: Sphinx) -> None:
    for name in lab_names():
        page = app.srcdir / "labs" / f"{name}.md"
        if not page.exists() or f"<!-- generated: lab {name} -->" not in page.read_text():
            logger.warning(f"the lab {name} has no page: write docs/labs/{name}.md with what it practises and the "
                           f"line <!-- generated: lab {name} -->")


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", every_lab_has_a_page)
    app.connect("source-read", fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
