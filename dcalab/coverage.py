"""`dcalab lab list --objectives`: which of the study guide's objectives the labs practise, task by task, which of
those tasks you have passed, and what no task practises yet (objectives.toml's not_practised says why)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dcalab.lab import Lab
from dcalab.objectives import Objective, study_guide
from dcalab.quiz.terminal import wrap

ID_WIDTH = 6  # "1.16  ": the objective's id, then its words


@dataclass(frozen=True)
class Coverage:
    objective: Objective
    tasks: tuple[tuple[str, str], ...]  # (lab, task id) of each task that names the objective, in the labs' order


def coverage(labs: Iterable[Lab]) -> list[Coverage]:
    """Every objective the lab nodes can practise (not knowledge_only), in the guide's order, with its tasks."""
    tasks = [(lab.id, task) for lab in labs for task in lab.tasks]
    return [Coverage(objective, tuple((lab, task.id) for lab, task in tasks if objective in task.objectives))
            for objective in study_guide().values() if objective.demonstrable]


def coverage_lines(rows: list[Coverage], passed: set[tuple[str, str]], width: int | None = None) -> list[str]:
    """The table: each objective with its tasks, `(passed)` after a task a lab grade of yours passed, and what no task
    practises; then the objectives without a task. Each line wrapped to `width` (default: the terminal's)."""
    covered = [row for row in rows if row.tasks]
    practised = [row for row in covered if any(task in passed for task in row.tasks)]
    bank_only = len(study_guide()) - len(rows)
    lines = [wrap(f"The study guide's objectives you can practise on the lab nodes: {len(rows)} (the other {bank_only} "
                  f"are in the question bank only). {len(covered)} have a lab task; you have passed a task of "
                  f"{len(practised)}. (passed) marks a task a lab grade of yours passed.", width=width), ""]
    indent = " " * (2 + ID_WIDTH)
    for row in rows:
        lines.append(wrap(row.objective.text, f"  {row.objective.id:<{ID_WIDTH}}", width))
        if row.tasks:
            names = [f"{lab}/{task}" + (" (passed)" if (lab, task) in passed else "") for lab, task in row.tasks]
            lines.append(wrap("tasks: " + ", ".join(names), indent, width))
        gap = row.objective.not_practised
        if gap or not row.tasks:
            label = "not yet" if row.tasks else "no lab task"
            lines.append(wrap(f"{label}: {gap}" if gap else "no lab task yet", indent, width))
    without = [row.objective.id for row in rows if not row.tasks]
    lines += ["", wrap(f"Objectives without a lab task: {', '.join(without)}." if without
                       else "Every one has a lab task.", width=width),
              wrap("Start a lab: dcalab lab start LAB; read its tasks: dcalab lab show LAB", width=width)]
    return lines
