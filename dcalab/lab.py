"""A lab as data: lab.toml in labs/<lab>/ holds its tasks, points, hints and settings."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dcalab.errors import DcalabError

LAB_FILE = "lab.toml"


@dataclass(frozen=True)
class SubCheck:
    id: str
    points: int
    hint: str


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    nodes: tuple[str, ...]
    domain: str
    objective: str
    instructions: str
    checks: tuple[SubCheck, ...]
    depends: tuple[str, ...] = ()

    @property
    def points(self) -> int:
        return sum(check.points for check in self.checks)

    def heading(self, number: int) -> str:
        """How a task is listed for a learner: `2. Title [id] on master, worker1`."""
        return f"{number}. {self.title} [{self.id}] on {', '.join(self.nodes)}"


@dataclass(frozen=True)
class Lab:
    id: str
    title: str
    pass_mark: int
    settings: dict
    tasks: tuple[Task, ...]
    folder: Path = field(compare=False)

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise DcalabError(f"The lab {self.id} has no task {task_id!r}.",
                          f"Its tasks are: {', '.join(t.id for t in self.tasks)}.")

    @property
    def points(self) -> int:
        return sum(task.points for task in self.tasks)


def load_lab(folder: Path) -> Lab:
    try:
        data = tomllib.loads((folder / LAB_FILE).read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DcalabError(f"Could not read {folder / LAB_FILE}: {error}") from error
    tasks = tuple(
        Task(
            id=task["id"], title=task["title"], nodes=tuple(task["nodes"]), domain=task["domain"],
            objective=task["objective"], instructions=task["instructions"].strip(),
            checks=tuple(SubCheck(c["id"], c["points"], c["hint"]) for c in task["checks"]),
            depends=tuple(task.get("depends", ())),
        )
        for task in data["tasks"]
    )
    return Lab(data["id"], data["title"], data["pass_mark"], data.get("settings", {}), tasks, folder)


def labs_root() -> Path:
    """Where labs live: $DCALAB_LABS, else ./labs, else the labs folder beside the package source."""
    for candidate in (os.environ.get("DCALAB_LABS"), "labs", Path(__file__).parent.parent / "labs"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise DcalabError("No labs folder found.", "Run dcalab from the project folder or set DCALAB_LABS.")


def find_lab(name: str) -> Lab:
    folder = labs_root() / name
    if not (folder / LAB_FILE).exists():
        known = sorted(p.parent.name for p in labs_root().glob(f"*/{LAB_FILE}"))
        raise DcalabError(f"There is no lab called {name!r}.", f"The labs are: {', '.join(known)}.")
    return load_lab(folder)
