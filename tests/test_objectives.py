"""Lab tasks name the study guide's objective ids: `dcalab lab list --objectives` shows what each objective is
practised by and what you passed, and the readiness per objective ("Study next") counts tasks as it counts questions."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dcalab import cli, history
from dcalab.coverage import coverage
from dcalab.dca import DOMAINS
from dcalab.errors import DcalabError
from dcalab.lab import find_lab, lab_names
from dcalab.objectives import OBJECTIVES_PATH, read_objectives, study_guide
from dcalab.outcome import task_item


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state folder of the test's own (DCALAB_STATE) holding its history (DCALAB_HISTORY): never the learner's."""
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path))
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    return tmp_path / "history.sqlite3"


def graded(lab: str, *verdicts: tuple[str, str], kind: str = "lab") -> None:
    """A run of `lab` with these (task, status) verdicts, items as a grade writes them."""
    tasks = {task.id: task for task in find_lab(lab).tasks}
    items = [task_item(tasks[task], status, tasks[task].points if status == "PASS" else 0) for task, status in verdicts]
    history.record_run(kind, lab if kind == "lab" else kind, "grade", "embedded", items)


def table(capsys: pytest.CaptureFixture) -> dict[str, list[str]]:
    """`dcalab lab list --objectives` by objective id: what is said under each (tasks, not yet...), unwrapped."""
    assert cli.main(["lab", "list", "--objectives"]) == 0
    rows: dict[str, list[str]] = {}
    for line in capsys.readouterr().out.splitlines():
        if line[:2] == "  " and line[2:3].isdigit():
            rows[line.split()[0]] = said = []
        elif rows and line.startswith(" " * 8):
            if line.strip().startswith(("tasks:", "not yet:", "no lab task")):
                said.append(line.strip())
            elif said:  # a wrapped line goes on what it continues; before it, the objective's own words
                said[-1] += " " + line.strip()
    return rows


def test_every_demonstrable_objective_has_a_task_or_says_what_no_task_practises() -> None:
    rows = coverage(find_lab(name) for name in lab_names())
    assert [row.objective.id for row in rows] == [o.id for o in study_guide().values() if o.demonstrable]
    assert [row.objective.id for row in rows if not row.tasks and not row.objective.not_practised] == []
    tasks = {task.id: task for name in lab_names() for task in find_lab(name).tasks}
    assert all(task.objectives for task in tasks.values())
    assert not any(o.knowledge_only for task in tasks.values() for o in task.objectives)


def test_the_operations_lab_practises_its_objectives_and_names_what_no_task_can_show() -> None:
    """Its tasks cover start on boot, the backup schedule, the daemon's client certificates, the quorum, journald
    and host mode publishing; nothing of it is left planned."""
    rows = {row.objective.id: row for row in coverage(find_lab(name) for name in lab_names())}
    built = {"3.6": "start-on-boot", "3.4": "swarm-backup", "3.7": "daemon-tls", "1.3": "quorum", "3.3": "journald",
             "4.12": "journald", "4.7": "host-publishing"}
    for objective, task in built.items():
        assert ("operations", task) in rows[objective].tasks
        assert "operations lab, not built yet" not in rows[objective].objective.not_practised
    # what no task can show here is named with its reason: ingress needs IPVS, the remote log drivers a server
    assert "IPVS" in rows["4.7"].objective.not_practised
    assert "splunk" in rows["3.3"].objective.not_practised


def test_the_table_shows_each_objectives_tasks_and_those_a_lab_grade_of_yours_passed(state: Path, capsys) -> None:
    graded("registry", ("swarm-join", "PASS"), ("daemon-json", "FAIL"))
    graded("registry", ("swarm-join", "FAIL"))  # passed once is passed
    graded("registry", ("cross-node-pull", "PASS"), kind="exam")  # an exam names no lab: not counted here
    rows = table(capsys)
    assert rows["1.1"] == ["tasks: registry/swarm-join (passed)"]
    assert rows["3.4"] == [
        "tasks: operations/swarm-backup, orchestration/node-operations, registry/swarm-join (passed)"]
    assert rows["2.12"] == ["tasks: registry/daemon-json, registry/registry-running, registry-secure/serve-tls"]
    assert rows["2.17"][0].startswith("tasks: registry/cross-node-pull, ") and "(passed)" not in rows["2.17"][0]
    assert rows["3.6"] == ["tasks: operations/start-on-boot"]
    assert "1.17" not in rows and "4.10" not in rows  # knowledge only, and a twin: the question bank's
    assert cli.main(["lab", "list", "--objectives"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # unwrapped
    assert "you have passed a task of 2." in out  # 1.1 and 3.4, through swarm-join
    assert "Objectives without a lab task: 2.16, 3.1, 3.2, 5.2, 5.10, 6.1, 6.3." in out


def test_the_table_without_a_history_passes_nothing_and_creates_no_history(state: Path, capsys) -> None:
    rows = table(capsys)
    assert not any("(passed)" in line for lines in rows.values() for line in lines)
    assert not state.exists()


def test_the_readiness_per_objective_counts_lab_tasks_as_it_counts_questions(state: Path) -> None:
    graded("registry", ("swarm-join", "PASS"), ("push-alpine", "FAIL"))  # push-alpine: 2.15 and 2.7
    question = history.Item("img-001", "correct", 1, 1, DOMAINS["image-registry"][0], study_guide()["2.15"].text,
                            None, ("2.15",))
    history.record_run("quiz", "quiz", "done", "-", [question])
    guide = study_guide()
    push = find_lab("registry").task("push-alpine").points
    weakest = history.weakest_objectives()
    assert weakest == [("Image Creation, Management and Registry", guide["2.7"].words, 0, push),
                       ("Image Creation, Management and Registry", guide["2.15"].words, 1, push + 1)]


def test_study_next_joins_a_question_saved_before_ids_were_kept_to_its_objective(state: Path) -> None:
    """A row from before: a question's words are the guide's, so it counts for its id; a task's own words stand."""
    words = study_guide()["1.12"].text
    history.record_run("quiz", "quiz", "done", "-", [history.Item("orc-004", "wrong", 0, 1, "Orchestration", words)])
    db = sqlite3.connect(state)
    db.execute("UPDATE items SET objective_ids = NULL")  # as the migration leaves an older row
    db.commit()
    db.close()
    graded("orchestration", ("global-agent", "PASS"))  # 1.12
    history.record_run("lab", "old", "grade", "-", [history.Item("t", "FAIL", 0, 2, "Orchestration", "Own words")])
    points = find_lab("orchestration").task("global-agent").points
    assert history.weakest_objectives() == [("Orchestration", "Own words", 0, 2),
                                            ("Orchestration", study_guide()["1.12"].words, points, points + 1)]


def test_a_grade_keeps_each_tasks_objective_ids_in_the_history(state: Path) -> None:
    graded("registry", ("push-alpine", "PASS"))
    db = sqlite3.connect(state)
    assert db.execute("SELECT item, objective, objective_ids FROM items").fetchall() == [
        ("push-alpine", find_lab("registry").task("push-alpine").objective_words, "2.15 2.7")]
    db.close()


def test_a_not_practised_note_belongs_to_an_objective_the_labs_practise(tmp_path: Path) -> None:
    noted = 'knowledge_only = true\nnot_practised = "x"\n'
    text = OBJECTIVES_PATH.read_text().replace("knowledge_only = true\n", noted, 1)
    (tmp_path / OBJECTIVES_PATH.name).write_text(text)
    _, problems = read_objectives(tmp_path / OBJECTIVES_PATH.name, DOMAINS)
    assert problems == ["objective 1.17 in objectives.toml: not_practised is for an objective the labs practise: "
                        "knowledge_only already says why"]


def test_a_broken_objectives_file_is_one_sentence(monkeypatch, tmp_path: Path) -> None:
    broken = tmp_path / OBJECTIVES_PATH.name
    broken.write_text('[[objective]]\nid = "1.1"\ndomain = "orchestration"\n')
    monkeypatch.setattr("dcalab.objectives.OBJECTIVES_PATH", broken)
    study_guide.cache_clear()
    try:
        with pytest.raises(DcalabError, match=r"objectives .* do not validate: objective 1.1 in objectives.toml: "
                                              "text is missing"):
            study_guide()
    finally:
        study_guide.cache_clear()


def test_labs_and_the_history_load_no_quiz_module() -> None:
    """Imports flow one way: the study guide's objectives live low (dcalab.objectives), beside dcalab.dca."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, dcalab.lab, dcalab.history, dcalab.objectives; "
                             "print(sorted(m for m in sys.modules if m.startswith('dcalab.quiz')))"],
                            capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
