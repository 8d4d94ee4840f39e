"""A lab as data: lab.toml in labs/<lab>/ holds its start, tasks, points, hints and settings.

A lab.toml is validated when it is loaded: a mistake in it is one LabFileError naming the file, the task
and the fix, never a traceback or a setting silently ignored.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from dcalab.dca import DOMAINS
from dcalab.errors import DcalabError, LabFileError
from dcalab.objectives import OBJECTIVES_PATH, Objective, study_guide
from dcalab.topology import Topology, topology

T = TypeVar("T")
LAB_FILE = "lab.toml"
# On master: the labs whose start dcalab applied to these nodes, one per line (a lab that starts where another
# ends lists both); `dcalab cluster up` makes nodes without it.
STARTED_LABS = "/etc/dcalab/started-labs"
START_STATE = "/etc/dcalab/start-state"  # on master: a digest of what the nodes held right after the start
DOMAIN_TITLES = tuple(title for title, _ in DOMAINS.values())  # the study guide's titles, as tasks name them


HINT_TIERS = (NO_HINTS, CONCEPT, FULL) = ("none", "concept", "full")  # what a FAIL shows under its check


@dataclass(frozen=True)
class SubCheck:
    id: str
    points: int
    hint: str  # tier 1: what is wrong and which concept or page to read, never the command
    hint_full: str = ""  # tier 2: the command that fixes it (--hints full, the guided view)

    def hint_at(self, tier: str) -> str:
        """The hint a learner chose to see: none, the concept (the default) or the full one with the command."""
        return {NO_HINTS: "", CONCEPT: self.hint, FULL: self.hint_full or self.hint}[tier]


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    nodes: tuple[str, ...]  # where the learner works (shown); the grader may read them
    domain: str
    objectives: tuple[Objective, ...]  # the study guide's objectives it practises, the main one first
    goal: str  # the state to reach, naming all its checks need, without a command: what practice and the exam show
    instructions: str  # the guided walk-through, with the commands
    checks: tuple[SubCheck, ...]
    depends: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # other nodes the grader reads (e.g. master, to ask the registry's API)
    solution: str = ""  # the reference commands, as a learner would type them (what solve does)

    @property
    def points(self) -> int:
        return sum(check.points for check in self.checks)

    @property
    def objective_words(self) -> str:
        """Its objectives as the study guide words them, each after its id: what lab show and the report say."""
        return "; ".join(objective.words for objective in self.objectives)

    @property
    def read_nodes(self) -> tuple[str, ...]:
        """Every node the grader may look at: the harness probes them all before grading."""
        return self.nodes + tuple(node for node in self.reads if node not in self.nodes)

    def heading(self, number: int) -> str:
        """How a task is listed for a learner: `2. Title [id] on master, worker1`."""
        return f"{number}. {self.title} [{self.id}] on {', '.join(self.nodes)}"


@dataclass(frozen=True)
class StartStep:
    node: str
    run: str  # a shell command run as root on the node; it must succeed


@dataclass(frozen=True)
class Start:
    """Where a lab starts: another lab's solved state (optional), swarm roles, then setup steps."""

    managers: tuple[str, ...]  # the first one leads (it runs `docker swarm init`); empty: no swarm at all
    workers: tuple[str, ...]
    after_lab: str = ""  # start from this lab, solved
    steps: tuple[StartStep, ...] = ()

    @property
    def outside(self) -> tuple[str, ...]:
        return tuple(n.name for n in topology().nodes if n.name not in self.managers + self.workers)


@dataclass(frozen=True)
class ReportRegistry:
    """The registry whose contents a lab's HTML report shows, read through its API from a lab node.

    ca and auth_file are paths on that node: the node's curl reads them, so no credential reaches dcalab."""

    registry: str  # host:port, as docker names it
    node: str  # the node that asks the API (lab.toml's `from`)
    scheme: str = "http"
    ca: str = ""  # the CA certificate that signed the registry's certificate (https)
    auth_file: str = ""  # holds user:password on one line


@dataclass(frozen=True)
class Lab:
    id: str
    title: str
    pass_mark: int
    settings: dict
    tasks: tuple[Task, ...]
    folder: Path = field(compare=False)
    start: Start = Start((), ())
    report: ReportRegistry | None = None  # lab.toml's [report]: the registry the HTML report browses

    def localized(self, topo: Topology) -> Lab:
        """The lab as a cluster's learner reads and runs it: the default cluster's addresses in its text, hints,
        settings and start steps written as the cluster's (a named cluster has a lab network of its own)."""
        return self if topo.subnet == topology().subnet else _localized(self, topo.localize)

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise DcalabError(f"The lab {self.id} has no task {task_id!r}.",
                          f"Its tasks are: {', '.join(t.id for t in self.tasks)}.")

    @property
    def points(self) -> int:
        return sum(task.points for task in self.tasks)

    @property
    def domains(self) -> list[str]:
        return list(dict.fromkeys(task.domain for task in self.tasks))

    @cached_property
    def graders(self) -> dict[str, Callable]:
        """Each task's grader: the test function of the module in the lab folder whose TASK names it."""
        found: dict[str, Callable] = {}
        for path in sorted(self.folder.glob("test_*.py")):
            spec = importlib.util.spec_from_file_location(f"dcalab_labs.{self.id}.{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            task_id = getattr(module, "TASK", None)
            functions = [value for name, value in vars(module).items() if name.startswith("test_") and callable(value)]
            if task_id not in {task.id for task in self.tasks} or len(functions) != 1:
                raise LabFileError(f"{path} must set TASK to a task of {self.folder / LAB_FILE} and define one "
                                   f"test function (it sets TASK = {task_id!r} and defines {len(functions)}).",
                                   "A lab test module is: TASK = \"<task id>\" and def test_<name>(task).")
            found[task_id] = functions[0]
        missing = [task.id for task in self.tasks if task.id not in found]
        if missing:
            raise LabFileError(f"{self.folder} has no test module for the task(s) {', '.join(missing)}.",
                               "Add test_NN_<name>.py with TASK = \"<task id>\" for each.")
        return found


# -- loading and validation ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Key:
    """One key of a lab.toml table as the validator checks it; the documentation's lab.toml reference is made
    from these, so it says what the validator does."""

    kind: type
    required: bool
    meaning: str


# Each table of a lab.toml, as the validator names it in its messages, with its keys in the order a lab writes them.
SCHEMA: dict[str, dict[str, Key]] = {
    "lab": {
        "id": Key(str, True, "The lab's name: the same as its folder under labs/."),
        "title": Key(str, True, "One line saying what the lab is about."),
        "pass_mark": Key(int, True, "The share of the points that passes, in percent, 1 to 100."),
        "start": Key(dict, False, "Where the lab starts: the [start] table below. Without it, no node is in a swarm."),
        "settings": Key(dict, False, "Free-form values the lab's test modules read as task.settings (a registry's "
                        "address, image names); the validator checks only that it is a table."),
        "report": Key(dict, False, "The registry whose contents the HTML report shows: the [report] table below."),
        "tasks": Key(list, True, "The tasks, in the order the learner does them: [[tasks]] tables, at least one."),
    },
    "[start]": {
        "after_lab": Key(str, False, "Start where that lab ends: it is started, then solved. Another lab's name; "
                         "with no managers and workers here, its swarm is kept."),
        "managers": Key(list, False, "Nodes that are swarm managers; the first one leads (it runs docker swarm init). "
                        "Empty: no swarm at all."),
        "workers": Key(list, False, "Nodes that join the swarm as workers; needs a manager. Every node named in "
                       "neither list is in no swarm."),
        "steps": Key(list, False, "Setup steps run as root after the swarm: [[start.steps]] tables, each must "
                     "succeed."),
    },
    "[[start.steps]]": {
        "node": Key(str, True, "The lab node the step runs on."),
        "run": Key(str, True, "A shell command, run as root; it must succeed."),
    },
    "[report]": {
        "registry": Key(str, True, "The registry as docker names it, host or host:port, no scheme."),
        "from": Key(str, True, "The lab node whose curl asks the registry's API."),
        "scheme": Key(str, False, "http (the default) or https."),
        "ca": Key(str, False, "With https only: the absolute path, on that node, of the CA certificate that signed "
                  "the registry's."),
        "auth_file": Key(str, False, "The absolute path, on that node, of a file holding user:password on one line: "
                         "the node's curl reads it, so the password never reaches dcalab."),
    },
    "[[tasks]]": {
        "id": Key(str, True, "The task's name, unique in the lab; its test module sets TASK to it."),
        "title": Key(str, True, "One line saying what to do, with no command line (the exam shows it)."),
        "nodes": Key(list, True, "The lab nodes the learner works on; the grader may read them."),
        "reads": Key(list, False, "Other nodes the grader reads (e.g. master, to ask the registry's API). The "
                     "harness probes every node in nodes and reads before grading the task."),
        "domain": Key(str, True, "The DCA domain, one of the six titles of the study guide."),
        "objectives": Key(list, True, "The ids of the study guide's objectives the task practises, the main one "
                          'first: objectives = ["3.3"]. Each is in dcalab/bank/objectives.toml and not knowledge_only '
                          "(only the question bank covers those); dcalab lab list --objectives shows them."),
        "goal": Key(str, True, "The state to reach, naming every name, port, path, count and mode its checks "
                    "compare, and no command line: what dcalab lab show, dcalab exam --lab and dcalab watch show."),
        "instructions": Key(str, True, "The guided walk-through, with the commands: dcalab lab show --guided."),
        "depends": Key(list, False, "Earlier tasks this one needs: a FAIL while one of them is not PASS is BLOCKED."),
        "solution": Key(str, False, "The reference commands as a learner would type them (dcalab lab show "
                        "--solution); what solve does."),
        "checks": Key(list, True, "The sub-checks that grade it: [[tasks.checks]] tables, at least one."),
    },
    "[[tasks.checks]]": {
        "id": Key(str, True, "The sub-check's name, unique in its task; the test module grades each one."),
        "points": Key(int, True, "What the sub-check is worth when it holds: 1 or more."),
        "hint": Key(str, True, "The first hint, shown under its FAIL line: what is wrong and which concept or "
                    "documentation page to read, with no command line."),
        "hint_full": Key(str, False, "The hint with the command that fixes it: shown with --hints full and in "
                         "dcalab lab show --guided (without it, the first hint)."),
    },
}
# What a goal and a first hint must not contain: a command a learner could copy instead of recalling it.
DOCKER_SUBCOMMANDS = ("attach build builder buildx commit compose config container context cp create diff events exec "
                      "export history image images import info inspect kill load login logout logs manifest network "
                      "node pause plugin port ps pull push rename restart rm rmi run save search secret service stack "
                      "start stats stop swarm system tag top trust unpause update version volume wait").split()
COMMAND_LINE = re.compile(
    rf"\bdocker(?:-compose)? (?:{'|'.join(DOCKER_SUBCOMMANDS)})\b"  # docker service create ...
    r"|\b(?:systemctl|journalctl) [a-z-]+"  # systemctl restart docker
    r"|\b(?:sudo|curl|wget|openssl|htpasswd|usermod|gpasswd|useradd|kill|pidof|nc|jq|tee|echo|printf|cat|scp|mkdir"
    r"|tree|registry)\s+[-'\"/$<{]"  # curl -s ..., echo '{...}'
    r"|\bgarbage-collect\b|\$\("  # registry garbage-collect, $(command)
    r"|(?:^|\n)[ \t]*[\w.@-]*[$#] "  # a shell prompt: $ , # , master$
    r"|(?<![\w./-])--?[A-Za-z][\w-]*"  # an option: --publish, -p
)
REGISTRY_ADDRESS = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?")  # host or host:port, no scheme


def _localized(item: T, text: Callable[[str], str]) -> T:
    """A frozen dataclass with `text` applied to every string in it, its dataclasses, tuples and dicts."""
    def convert(value):
        if isinstance(value, str):
            return text(value)
        if is_dataclass(value):
            return _localized(value, text)
        if isinstance(value, tuple):
            return tuple(convert(part) for part in value)
        if isinstance(value, dict):
            return {key: convert(part) for key, part in value.items()}
        return value

    return replace(item, **{part.name: convert(getattr(item, part.name)) for part in fields(item) if part.init})


def command_line(text: str) -> str:
    """The first piece of a command line in text, '' when it has none: a goal and a first hint have none."""
    found = COMMAND_LINE.search(text)
    return found.group(0).strip() if found else ""


class _Reader:
    """Checks one lab.toml, raising a LabFileError that names the file and where in it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str, fix: str) -> None:
        raise LabFileError(f"{self.path}{': ' + where if where else ''}: {problem}.", fix)

    def table(self, data: object, where: str, table: str) -> dict:
        """Check data against SCHEMA[table]: a table with its required keys and no unknown one, each of its kind."""
        if not isinstance(data, dict):
            self.fail(where, "is not a table", "Write it as [section] or [[list]] with key = value lines.")
        keys = SCHEMA[table]
        required = [key for key, spec in keys.items() if spec.required]
        for key in required:
            if key not in data:
                self.fail(where, f"has no {key}", f"Add {key} = ... (every {where.split(' ')[0] or 'lab'} needs "
                          f"{', '.join(required)}).")
        for key, value in data.items():
            if key not in keys:
                self.fail(where, f"has an unknown key {key!r}",
                          f"Remove it or correct its spelling; the keys are {', '.join(keys)}.")
            kind = keys[key].kind
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                self.fail(where, f"{key} must be a {kind.__name__}, not {value!r}",
                          f"Write {key} as a {kind.__name__}.")
        return data

    def nodes(self, names: list, where: str, key: str) -> tuple[str, ...]:
        known = [node.name for node in topology().nodes]
        for name in names:
            if name not in known:
                self.fail(where, f"{key} names {name!r}, which is not a lab node",
                          f"Use the nodes {', '.join(known)}.")
        return tuple(names)


def load_lab(folder: Path) -> Lab:
    path = folder / LAB_FILE
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise LabFileError(f"Could not read {path}: {error}.") from error
    except tomllib.TOMLDecodeError as error:
        raise LabFileError(f"{path} is not valid TOML: {error}.", "Correct the line it names.") from error
    reader = _Reader(path)
    reader.table(data, "", "lab")
    if data["id"] != folder.name:
        reader.fail("", f"id is {data['id']!r} but the folder is {folder.name!r}", f'Set id = "{folder.name}".')
    if not 0 < data["pass_mark"] <= 100:
        reader.fail("", f"pass_mark is {data['pass_mark']}", "Give the pass mark in percent, 1 to 100.")
    tasks: list[Task] = []
    for number, raw in enumerate(data["tasks"], 1):
        tasks.append(_task(reader, raw, number, tasks))
    if not tasks:
        reader.fail("", "has no [[tasks]]", "Add at least one task.")
    return Lab(data["id"], data["title"], data["pass_mark"], data.get("settings", {}), tuple(tasks), folder,
               _start(reader, data.get("start", {}), data["id"]),
               _report(reader, data["report"]) if "report" in data else None)


def _task(reader: _Reader, raw: object, number: int, earlier: list[Task]) -> Task:
    where = f"task {number}" + (f" ({raw['id']})" if isinstance(raw, dict) and isinstance(raw.get("id"), str) else "")
    if isinstance(raw, dict) and "objective" in raw and "objectives" not in raw:  # a lab.toml from before the ids
        reader.fail(where, f"objective {raw['objective']!r} is free text; a task names the study guide's objective ids",
                    f'Replace it with the ids from dcalab/bank/{OBJECTIVES_PATH.name}: objectives = ["3.3"].')
    raw = reader.table(raw, where, "[[tasks]]")
    if raw["id"] in {task.id for task in earlier}:
        reader.fail(where, f"the task id {raw['id']!r} is used twice", "Give every task its own id.")
    if raw["domain"] not in DOMAIN_TITLES:
        reader.fail(where, f"domain {raw['domain']!r} is not a DCA domain", f"Use one of: {'; '.join(DOMAIN_TITLES)}.")
    for dependency in raw.get("depends", []):
        if dependency not in {task.id for task in earlier}:
            reader.fail(where, f"depends on {dependency!r}, which is not an earlier task",
                        "A task may depend only on tasks listed before it.")
    objectives = _objectives(reader, raw["objectives"], where)
    for key in ("title", "goal"):  # what dcalab exam --lab shows
        if command := command_line(raw[key]):
            reader.fail(where, f"its {key} contains a command line ({command!r})",
                        "State the state to reach, with every name, port, path, count and mode; the commands belong "
                        "in instructions (the guided walk-through) and solution.")
    checks: list[SubCheck] = []
    for raw_check in raw["checks"]:
        check = reader.table(raw_check, f"{where}, check {len(checks) + 1}", "[[tasks.checks]]")
        if check["id"] in {c.id for c in checks}:
            reader.fail(where, f"the check id {check['id']!r} is used twice", "Give every check of a task its own id.")
        if check["points"] <= 0:
            reader.fail(where, f"check {check['id']} has {check['points']} points", "Give every check 1 point or more.")
        if command := command_line(check["hint"]):
            reader.fail(where, f"the hint of check {check['id']} contains a command line ({command!r})",
                        "Say in hint what is wrong and which concept or page to read; put the command in hint_full.")
        checks.append(SubCheck(check["id"], check["points"], check["hint"], check.get("hint_full", "")))
    if not checks:
        reader.fail(where, "has no [[tasks.checks]]", "Add the checks that grade it.")
    return Task(id=raw["id"], title=raw["title"], nodes=reader.nodes(raw["nodes"], where, "nodes"),
                domain=raw["domain"], objectives=objectives, goal=raw["goal"].strip(),
                instructions=raw["instructions"].strip(),
                checks=tuple(checks), depends=tuple(raw.get("depends", ())),
                reads=reader.nodes(raw.get("reads", []), where, "reads"), solution=raw.get("solution", "").strip())


def _objectives(reader: _Reader, ids: list, where: str) -> tuple[Objective, ...]:
    """The study guide's objectives a task names by id: each known, demonstrable and named once."""
    guide, found = study_guide(), []
    example = 'objectives = ["3.3"]'
    if not ids:
        reader.fail(where, "names no objective", "Give the ids of the study guide's objectives it practises: "
                    f"{example} ({OBJECTIVES_PATH.name} in dcalab/bank lists them).")
    for objective_id in ids:
        objective = guide.get(objective_id) if isinstance(objective_id, str) else None
        if objective is None:
            reader.fail(where, f"objectives names {objective_id!r}, which is not an objective of the DCA study guide",
                        f"Use the ids of dcalab/bank/{OBJECTIVES_PATH.name}, domain.objective as text: {example}.")
        if objective.knowledge_only:
            reader.fail(where, f"objective {objective.id} ({objective.text}) cannot be practised on the lab nodes: "
                        f"it is knowledge_only in {OBJECTIVES_PATH.name}",
                        "Name the objectives the task practises on the nodes; only the question bank covers "
                        f"{objective.id}.")
        if objective.same_as:
            reader.fail(where, f"objective {objective.id} repeats objective {objective.same_as} of the study guide",
                        f"Name {objective.same_as} instead.")
        if objective in found:
            reader.fail(where, f"objectives names {objective.id} twice", "Name each objective once.")
        found.append(objective)
    return tuple(found)


def _start(reader: _Reader, raw: dict, lab_id: str) -> Start:
    raw = reader.table(raw, "[start]", "[start]")
    managers = reader.nodes(raw.get("managers", []), "[start]", "managers")
    workers = reader.nodes(raw.get("workers", []), "[start]", "workers")
    if set(managers) & set(workers):
        reader.fail("[start]", f"{', '.join(set(managers) & set(workers))} is both a manager and a worker",
                    "List each node once.")
    if workers and not managers:
        reader.fail("[start]", "has workers but no manager", "Name the manager that leads the swarm in managers.")
    after = raw.get("after_lab", "")
    if after == lab_id:
        reader.fail("[start]", "after_lab names the lab itself", "Name another lab, or remove after_lab.")
    if after and not (labs_root() / after / LAB_FILE).exists():
        reader.fail("[start]", f"after_lab names {after!r}, which is not a lab",
                    f"The labs are: {', '.join(lab_names())}.")
    steps = []
    for raw_step in raw.get("steps", []):
        step = reader.table(raw_step, "[[start.steps]]", "[[start.steps]]")
        steps.append(StartStep(reader.nodes([step["node"]], "[[start.steps]]", "node")[0], step["run"]))
    return Start(managers, workers, after, tuple(steps))


def _report(reader: _Reader, raw: dict) -> ReportRegistry:
    raw = reader.table(raw, "[report]", "[report]")
    if not REGISTRY_ADDRESS.fullmatch(raw["registry"]):
        reader.fail("[report]", f"registry {raw['registry']!r} is not a registry address",
                    'Write it as docker names it, host or host:port: registry = "registry.docker-dca.example:5000".')
    scheme = raw.get("scheme", "http")
    if scheme not in ("http", "https"):
        reader.fail("[report]", f"scheme is {scheme!r}", 'Write scheme = "http" (the default) or scheme = "https".')
    for key in ("ca", "auth_file"):
        if key in raw and not raw[key].startswith("/"):
            reader.fail("[report]", f"{key} is {raw[key]!r}, not an absolute path",
                        f"Give {key} as the file's full path on the node named in from.")
    if "ca" in raw and scheme != "https":
        reader.fail("[report]", "names a ca but the scheme is http", 'Add scheme = "https", or remove ca.')
    return ReportRegistry(raw["registry"], reader.nodes([raw["from"]], "[report]", "from")[0], scheme,
                          raw.get("ca", ""), raw.get("auth_file", ""))


def labs_root() -> Path:
    """Where labs live: $DCALAB_LABS, else ./labs, else the labs folder beside the package source."""
    for candidate in (os.environ.get("DCALAB_LABS"), "labs", Path(__file__).parent.parent / "labs"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise DcalabError("No labs folder found.", "Run dcalab from the project folder or set DCALAB_LABS.")


def lab_names() -> list[str]:
    return sorted(p.parent.name for p in labs_root().glob(f"*/{LAB_FILE}"))


def find_lab(name: str) -> Lab:
    folder = labs_root() / name
    if not (folder / LAB_FILE).exists():
        raise DcalabError(f"There is no lab called {name!r}.", f"The labs are: {', '.join(lab_names())}.")
    return load_lab(folder)
