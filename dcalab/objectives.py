"""The DCA study guide v1.5's objectives, read from dcalab/bank/objectives.toml: the ids that bank items and lab tasks
name. Low in the house (it needs only dcalab.dca): labs, the history and the quiz read it alike."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from dcalab.dca import DOMAINS
from dcalab.errors import DcalabError

OBJECTIVES_FILE = "objectives.toml"
OBJECTIVES_PATH = Path(__file__).resolve().parent / "bank" / OBJECTIVES_FILE
OBJECTIVE_KEYS = {"id": str, "domain": str, "text": str, "knowledge_only": bool, "same_as": str,
                  "not_practised": str}
REQUIRED_KEYS = ("id", "domain", "text")


@dataclass(frozen=True)
class Objective:
    id: str  # "1.3": domain 1 of the guide, its third objective
    domain: str  # the bank's domain key, e.g. "orchestration"
    text: str  # the guide's wording
    knowledge_only: bool = False  # UCP/DTR, Kubernetes...: practised in the bank only, not on this cluster
    same_as: str = ""  # the guide repeats an objective: this one is that id's twin, items name that id
    not_practised: str = ""  # what of it no lab task practises yet, and why (`dcalab lab list --objectives` says it)

    @property
    def demonstrable(self) -> bool:
        """Practised on the lab nodes, not in the question bank only (a twin counts as its first id)."""
        return not self.knowledge_only and not self.same_as

    @property
    def words(self) -> str:
        """`3.3 Describe and demonstrate configuration of logging drivers (splunk, journald, etc.).`"""
        return f"{self.id} {self.text}"


def _objective(raw: Any, domains: Collection[str]) -> tuple[Objective | None, list[str]]:
    if not isinstance(raw, dict):
        return None, ["every [[objective]] must be a table"]
    problems = [f"unknown key {key!r}" for key in raw if key not in OBJECTIVE_KEYS]
    problems += [f"{key} is missing" for key in REQUIRED_KEYS if key not in raw]
    problems += [f"{key} must be {kind.__name__}" for key, kind in OBJECTIVE_KEYS.items()
                 if key in raw and not isinstance(raw[key], kind)]
    if problems:
        return None, problems
    if not re.fullmatch(r"[1-6]\.\d{1,2}", raw["id"]):
        problems.append("id must look like 1.3 (domain.objective)")
    if raw["domain"] not in domains:
        problems.append(f"domain {raw['domain']!r} is not one of {', '.join(domains)}")
    if not raw["text"].strip():
        problems.append("text is empty")
    if raw.get("knowledge_only") and "not_practised" in raw:
        problems.append("not_practised is for an objective the labs practise: knowledge_only already says why")
    objective = Objective(raw["id"], raw["domain"], raw["text"].strip(), raw.get("knowledge_only", False),
                          raw.get("same_as", ""), raw.get("not_practised", "").strip())
    return (None if problems else objective), problems


def read_objectives(path: Path, domains: Collection[str]) -> tuple[dict[str, Objective], list[str]]:
    """The objectives by id, and every problem found in the file (each naming the objective)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        return {}, [f"{path.name}: cannot be read ({error})"]
    problems = [f"{path.name}: unknown top-level key {key!r}" for key in data if key != "objective"]
    objectives: dict[str, Objective] = {}
    for number, raw in enumerate(data.get("objective", []), start=1):
        objective, found = _objective(raw, domains)
        named = isinstance(raw, dict) and isinstance(raw.get("id"), str)
        label = f"objective {raw['id'] if named else number}"
        problems += [f"{label} in {path.name}: {text}" for text in found]
        if objective and objective.id in objectives:
            problems.append(f"{label} in {path.name}: the id is used twice")
        elif objective:
            objectives[objective.id] = objective
    for objective in objectives.values():
        twin = objectives.get(objective.same_as)
        if objective.same_as and (twin is None or twin.same_as or twin.domain != objective.domain):
            problems.append(f"objective {objective.id} in {path.name}: same_as must name another objective "
                            "of its domain that has no same_as")
    return objectives, problems


@cache
def study_guide() -> dict[str, Objective]:
    """The study guide's objectives by id, from the file dcalab ships; a DcalabError naming every problem."""
    objectives, problems = read_objectives(OBJECTIVES_PATH, DOMAINS)
    if problems:
        raise DcalabError(f"dcalab's study-guide objectives ({OBJECTIVES_PATH}) do not validate: "
                          f"{'; '.join(problems)}.",
                          "Correct the file as each problem says, or reinstall dcalab.")
    return objectives
