"""The question bank: one TOML file per DCA domain in dcalab/bank/, loaded and checked here.

>>> questions = load_bank()
>>> sorted({q.domain for q in questions})[0]
'image-registry'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcalab.errors import DcalabError
from dcalab.quiz.objectives import OBJECTIVES_FILE

BANK_DIR = Path(__file__).resolve().parent.parent / "bank"
KINDS = ("domc", "mcq", "multi")
MAX_OPTIONS = 8  # answered with the letters a-h

# File name (and `domain` field) -> the study guide's title and the id prefix of its questions.
DOMAINS: dict[str, tuple[str, str]] = {
    "orchestration": ("Orchestration", "orc"),
    "image-registry": ("Image Creation, Management and Registry", "img"),
    "installation-configuration": ("Installation and Configuration", "ins"),
    "networking": ("Networking", "net"),
    "security": ("Security", "sec"),
    "storage-volumes": ("Storage and Volumes", "sto"),
}

FIELDS = ("id", "domain", "objective", "kind", "stem", "options", "explanation", "source")
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5}
# A multi stem says how many to pick, "(Choose two.)", or "(Select all that apply.)".
CHOOSE = re.compile(r"\((?:choose|select) (two|three|four|five|\d)\.?\)", re.IGNORECASE)
ALL_THAT_APPLY = re.compile(r"select all that apply", re.IGNORECASE)


class BankError(DcalabError):
    """The bank has questions that do not validate; `problems` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"The question bank has {len(problems)} problem(s): " + "; ".join(problems),
                         "Fix the TOML files in dcalab/bank/.")
        self.problems = problems


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    id: str
    domain: str
    objective: str
    kind: str
    stem: str
    options: tuple[Option, ...]
    explanation: str
    source: str

    @property
    def domain_title(self) -> str:
        return DOMAINS[self.domain][0]

    @property
    def correct_indices(self) -> frozenset[int]:
        return frozenset(i for i, option in enumerate(self.options) if option.correct)


def _options(raw: Any, problems: list[str]) -> tuple[Option, ...]:
    if not isinstance(raw, list):
        problems.append("options must be a list of {text, correct} tables")
        return ()
    options = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or set(entry) != {"text", "correct"}:
            problems.append(f"option {number} needs exactly the keys text and correct")
        elif not isinstance(entry["text"], str) or not entry["text"].strip():
            problems.append(f"option {number} has no text")
        elif not isinstance(entry["correct"], bool):
            problems.append(f"option {number}: correct must be true or false")
        else:
            options.append(Option(entry["text"].strip(), entry["correct"]))
    return tuple(options)


def _kind_problems(kind: str, stem: str, options: tuple[Option, ...]) -> list[str]:
    correct = sum(option.correct for option in options)
    if len({option.text for option in options}) != len(options):
        return ["two options have the same text"]
    if not 2 <= len(options) <= MAX_OPTIONS:
        return [f"a question needs 2 to {MAX_OPTIONS} options, not {len(options)}"]
    if kind == "mcq" and correct != 1:
        return ["an mcq needs exactly one correct option"]
    if kind == "multi":
        if correct < 2:
            return ["a multi needs two or more correct options"]
        said = CHOOSE.search(stem)
        if said:
            wanted = NUMBERS.get(said.group(1).lower()) or int(said.group(1))
            if wanted != correct:
                return [f"the stem asks for {wanted} answers but {correct} options are correct"]
        elif not ALL_THAT_APPLY.search(stem):
            return ['a multi stem must say "(Choose N.)" or "(Select all that apply.)"']
    if kind == "domc" and correct < 1:
        return ["a domc needs at least one correct option"]
    return []


def parse_question(raw: Any, file_domain: str) -> tuple[Question | None, list[str]]:
    """One question table as read from TOML, checked; returns the question or the problems found."""
    if not isinstance(raw, dict):
        return None, ["every [[question]] must be a table"]
    problems = [f"unknown field {key!r}" for key in raw if key not in FIELDS]
    problems += [f"{key} is missing" for key in FIELDS if key not in raw]
    problems += [f"{key} must be non-empty text" for key in FIELDS if key != "options" and key in raw
                 and (not isinstance(raw[key], str) or not raw[key].strip())]
    if problems:
        return None, problems
    options = _options(raw["options"], problems)
    question = Question(raw["id"], raw["domain"], raw["objective"].strip(), raw["kind"], raw["stem"].strip(),
                        options, raw["explanation"].strip(), raw["source"].strip())
    if question.kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    elif not problems:  # the options themselves are sound: check them against the kind
        problems += _kind_problems(question.kind, question.stem, options)
    if question.domain != file_domain:
        problems.append(f"domain is {question.domain!r} but the file is {file_domain}.toml")
    prefix = DOMAINS[file_domain][1]
    if not re.fullmatch(rf"{prefix}-\d{{3}}", question.id):
        problems.append(f"the id must look like {prefix}-001 in this file")
    if not question.source.startswith("https://") and "exam-facts.md" not in question.source:
        problems.append("source must be a documentation URL or cite exam-facts.md")
    return (None if problems else question), problems


def validate_bank(directory: Path = BANK_DIR) -> tuple[list[Question], list[str]]:
    """Every question in the bank and every problem, each as "img-007 in image-registry.toml: ..."."""
    questions: list[Question] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    files = {path.stem: path for path in sorted(directory.glob("*.toml")) if path.name != OBJECTIVES_FILE}
    problems += [f"{name}.toml: missing, every domain needs its file" for name in DOMAINS if name not in files]
    for name, path in files.items():
        if name not in DOMAINS:
            problems.append(f"{path.name}: not a DCA domain ({', '.join(DOMAINS)})")
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            problems.append(f"{path.name}: not valid TOML ({error})")
            continue
        problems += [f"{path.name}: unknown top-level key {key!r}" for key in data if key != "question"]
        for number, raw in enumerate(data.get("question", []), start=1):
            label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"question {number}"
            question, found = parse_question(raw, name)
            problems += [f"{label} in {path.name}: {text}" for text in found]
            if label in seen:
                problems.append(f"{label} in {path.name}: the id is already used in {seen[label]}")
            seen.setdefault(label, path.name)
            if question:
                questions.append(question)
    return questions, problems


def load_bank(directory: Path = BANK_DIR) -> list[Question]:
    """The bank's questions; raises BankError naming every problem if any question does not validate."""
    questions, problems = validate_bank(directory)
    if problems:
        raise BankError(problems)
    return questions
