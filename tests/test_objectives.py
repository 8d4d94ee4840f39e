"""Lab tasks name the study guide's objective ids, and the readiness per objective ("Study next") counts tasks as it
counts questions."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dcalab import history
from dcalab.dca import DOMAINS
from dcalab.errors import DcalabError
from dcalab.lab import find_lab
from dcalab.objectives import OBJECTIVES_PATH, study_guide
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
