"""The question bank: one TOML file per DCA domain in dcalab/bank/, loaded and checked here.

Every item names a study-guide objective (dcalab/bank/objectives.toml), can be shown as DOMC (each option
judged alone) and as multiple choice, and records its second, independent read (`reviewed`). New items are
written in dcalab/bank/drafts/, which load_bank does not read: see dcalab/bank/README.md.

>>> questions = load_bank()
>>> sorted({q.domain for q in questions})[0]
'image-registry'
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcalab.dca import DOMAINS
from dcalab.errors import DcalabError
from dcalab.objectives import OBJECTIVES_FILE, Objective, read_objectives
from dcalab.quiz.similar import SIMILAR, near_duplicates, shared_keys

BANK_DIR = Path(__file__).resolve().parent.parent / "bank"
KINDS = ("domc", "mcq", "multi")
MAX_OPTIONS = 8  # answered with the letters a-h

TEXT_FIELDS = ("id", "domain", "objective_id", "kind", "stem", "explanation", "source")
FIELDS = (*TEXT_FIELDS, "options", "reviewed", "era", "fact")
OPTIONAL = ("era", "fact")
FACT = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # a fact group's name, such as swarm-publish-port
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5}
# A multi stem says how many to pick, "(Choose two.)", or "(Select all that apply.)".
CHOOSE = re.compile(r"\((?:choose|select) (two|three|four|five|\d)\.?\)", re.IGNORECASE)
ALL_THAT_APPLY = re.compile(r"select all that apply", re.IGNORECASE)
# An option that only makes sense beside the others cannot be judged alone, as DOMC shows it.
NOT_ALONE = re.compile(r"\b(?:all|none|both|neither|either|any) of (?:the )?(?:above|below|these|those|others|"
                       r"following|options|answers)\b|\bboth (?:option )?[a-h] and [a-h]\b|\b[a-h] (?:and|or) [a-h] "
                       r"only\b|\bonly [a-h] and [a-h]\b|\b(?:both|neither|either) (?:of them|commands?|options?|"
                       r"answers?|statements?|methods?|ways?)\b|\bthe (?:above|previous|other) (?:commands?|options?|"
                       r"answers?|statements?)\b", re.IGNORECASE)
# What an item with an `era` asks about, as the quiz says it.
ERAS = {"exam": "the DCA exam's era (study guide v1.5, October 2020)", "current": "Docker as it is today"}


class BankError(DcalabError):
    """The bank has questions that do not validate; `problems` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"The question bank has {len(problems)} problem(s): " + "; ".join(problems),
                         "Fix the TOML files in dcalab/bank/ (dcalab/bank/README.md lists the rules).")
        self.problems = problems


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool


@dataclass(frozen=True)
class Era:
    """Where the exam's answer and current Docker differ: which one the key follows, and what the other says."""

    asks: str  # a key of ERAS
    note: str


@dataclass(frozen=True)
class Review:
    """The second, independent read: who checked the key, and the passage of the source that decides it."""

    by: str
    passage: str


@dataclass(frozen=True)
class Question:
    id: str
    domain: str
    objective: str  # the study guide's wording of the objective, from objectives.toml
    kind: str
    stem: str
    options: tuple[Option, ...]
    explanation: str
    source: str
    objective_id: str = ""
    era: Era | None = None
    reviewed: Review | None = None
    fact: str = ""  # items that ask the same thing share it: one quiz or exam draws at most one of them

    @property
    def domain_title(self) -> str:
        return DOMAINS[self.domain][0]

    @property
    def correct_indices(self) -> frozenset[int]:
        return frozenset(i for i, option in enumerate(self.options) if option.correct)

    @property
    def era_text(self) -> str:
        """What the quiz prints before the stem when the exam's answer and today's differ, else ""."""
        return f"This question asks about {ERAS[self.era.asks]}. {self.era.note}" if self.era else ""


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
    if not 0 < correct < len(options):
        return ["a question needs at least one correct and one wrong option (DOMC shows each alone)"]
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
    return []


def _alone_problems(options: tuple[Option, ...]) -> list[str]:
    return [f"option {number} ({option.text!r}) cannot be judged alone, as DOMC shows it"
            for number, option in enumerate(options, start=1) if NOT_ALONE.search(option.text)]


def _table(raw: Any, name: str, keys: tuple[str, ...], problems: list[str]) -> dict[str, str] | None:
    """A small table of non-empty text fields (reviewed, era), or None with the problem noted."""
    if isinstance(raw, dict) and set(raw) == set(keys) and all(isinstance(v, str) and v.strip() for v in raw.values()):
        return {key: value.strip() for key, value in raw.items()}
    problems.append(f"{name} must be a table of non-empty text: {{ {', '.join(f'{k} = ...' for k in keys)} }}")
    return None


def _era(raw: Any, problems: list[str]) -> Era | None:
    table = _table(raw, "era", ("asks", "note"), problems) if raw is not None else None
    if table and table["asks"] not in ERAS:
        problems.append(f"era.asks must be one of {', '.join(ERAS)}")
        return None
    return Era(**table) if table else None


def parse_question(raw: Any, file_domain: str, objectives: dict[str, Objective],
                   draft: bool = False) -> tuple[Question | None, list[str]]:
    """One question table as read from TOML, checked; returns the question or the problems found.

    A draft (dcalab/bank/drafts/) may lack `reviewed`; every other rule is the same.
    """
    if not isinstance(raw, dict):
        return None, ["every [[question]] must be a table"]
    optional = (*OPTIONAL, "reviewed") if draft else OPTIONAL
    problems = [f"unknown field {key!r}" for key in raw if key not in FIELDS]
    problems += [f"{key} is missing" for key in FIELDS if key not in raw and key not in optional]
    problems += [f"{key} must be non-empty text" for key in TEXT_FIELDS
                 if key in raw and (not isinstance(raw[key], str) or not raw[key].strip())]
    if "fact" in raw and not (isinstance(raw["fact"], str) and FACT.fullmatch(raw["fact"])):
        problems.append("fact must be a name in lower case words joined by hyphens, such as swarm-publish-port")
    if problems:
        return None, problems
    options = _options(raw["options"], problems)
    reviewed = _table(raw["reviewed"], "reviewed", ("by", "passage"), problems) if "reviewed" in raw else None
    era = _era(raw.get("era"), problems)
    objective = objectives.get(raw["objective_id"])
    question = Question(raw["id"], raw["domain"], objective.text if objective else "", raw["kind"],
                        raw["stem"].strip(), options, raw["explanation"].strip(), raw["source"].strip(),
                        raw["objective_id"], era, Review(**reviewed) if reviewed else None, raw.get("fact", ""))
    if question.kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    elif not problems:  # the options themselves are sound: check them against the kind
        problems += _kind_problems(question.kind, question.stem, options) + _alone_problems(options)
    if question.domain != file_domain:
        problems.append(f"domain is {question.domain!r} but the file is for {file_domain}")
    if objective is None:
        problems.append(f"objective_id {question.objective_id!r} is not in {OBJECTIVES_FILE}")
    elif objective.domain != question.domain:
        problems.append(f"objective {objective.id} belongs to {objective.domain}, not {question.domain}")
    elif objective.same_as:
        problems.append(f"objective {objective.id} repeats {objective.same_as}: name {objective.same_as}")
    prefix = DOMAINS[file_domain][1]
    if not re.fullmatch(rf"{prefix}-\d{{3}}", question.id):
        problems.append(f"the id must look like {prefix}-001 in this file")
    if not question.source.startswith("https://"):
        problems.append("source must be a public URL a learner can open (documentation, release notes, the change)")
    return (None if problems else question), problems


def read_questions(path: Path, domain: str, objectives: dict[str, Objective],
                   draft: bool = False) -> tuple[list[Question], list[str]]:
    """The valid questions of one file, and every problem as "img-007 in image-registry.toml: ..."."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [], [f"{path.name}: cannot be read ({error})"]
    problems = [f"{path.name}: unknown top-level key {key!r}" for key in data if key != "question"]
    questions = []
    for number, raw in enumerate(data.get("question", []), start=1):
        label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"question {number}"
        question, found = parse_question(raw, domain, objectives, draft)
        problems += [f"{label} in {path.name}: {text}" for text in found]
        if question:
            questions.append(question)
    return questions, problems


def duplicate_problems(questions: Sequence[Question], known: Sequence[Question] = ()) -> list[str]:
    """Ids used twice and near-duplicate stems, among questions and between them and a checked bank."""
    where = {q.id: q.domain for q in known}
    problems = []
    for question in questions:
        if question.id in where:
            problems.append(f"{question.id}: the id is already used in {where[question.id]}")
        where[question.id] = question.domain
    pairs = near_duplicates([(q.id, q.stem) for q in questions], [(q.id, q.stem) for q in known])
    problems += [f"{first} and {second}: the stems are near-duplicates (similarity {ratio:.2f} >= {SIMILAR})"
                 for first, second, ratio in pairs]
    groups = Counter(q.fact for q in (*known, *questions) if q.fact)
    problems += [f"{q.id}: no other item has the fact {q.fact!r}: a fact groups the items that ask the same thing"
                 for q in questions if q.fact and groups[q.fact] == 1]
    return problems


def shared_key_warnings(questions: Sequence[Question], known: Sequence[Question] = ()) -> list[str]:
    """Pairs that may ask the same thing (a key of one nearly repeats a key of the other) and share no fact, among
    questions and between them and a checked bank: give them one fact, or ask something else."""
    keys = [(q.id, q.fact, tuple(o.text for o in q.options if o.correct)) for q in questions]
    known_keys = [(q.id, q.fact, tuple(o.text for o in q.options if o.correct)) for q in known]
    return [f"{first} and {second} share a key ({key!r}): if they ask the same thing, give both the same fact"
            for first, second, key in shared_keys(keys, known_keys)]


def load_objectives(directory: Path = BANK_DIR) -> dict[str, Objective]:
    """The study guide's objectives by id; raises BankError if objectives.toml does not validate."""
    objectives, problems = read_objectives(directory / OBJECTIVES_FILE, DOMAINS)
    if problems:
        raise BankError(problems)
    return objectives


def validate_bank(directory: Path = BANK_DIR) -> tuple[list[Question], list[str]]:
    """Every question in the bank and every problem, each as "img-007 in image-registry.toml: ..."."""
    objectives, problems = read_objectives(directory / OBJECTIVES_FILE, DOMAINS)
    files = {path.stem: path for path in sorted(directory.glob("*.toml")) if path.name != OBJECTIVES_FILE}
    problems += [f"{name}.toml: missing, every domain needs its file" for name in DOMAINS if name not in files]
    questions: list[Question] = []
    for name, path in files.items():
        if name not in DOMAINS:
            problems.append(f"{path.name}: not a DCA domain ({', '.join(DOMAINS)})")
            continue
        found, file_problems = read_questions(path, name, objectives)
        questions += found
        problems += file_problems
    return questions, problems + duplicate_problems(questions)


def load_bank(directory: Path = BANK_DIR) -> list[Question]:
    """The bank's questions; raises BankError naming every problem if any question does not validate."""
    questions, problems = validate_bank(directory)
    if problems:
        raise BankError(problems)
    return questions
