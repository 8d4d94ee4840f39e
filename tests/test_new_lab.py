"""A new lab is data plus short test modules: the harness needs no change. A grader that breaks
shows a sentence, not a traceback (unless --lab-debug)."""

from __future__ import annotations

import json

import pytest

LAB_TOML = """
id = "toy"
title = "A toy lab"
pass_mark = 50
[settings]
word = "hello"
[[tasks]]
id = "say"
title = "Say the word"
nodes = []
domain = "Orchestration"
objectives = ["1.1"]
goal = "The greeting is said."
instructions = "Say hello."
  [[tasks.checks]]
  id = "said"
  points = 2
  hint = "Say it louder."
  hint_full = "Shout it: echo HELLO"
[[tasks]]
id = "break"
title = "A grader with a bug"
nodes = []
domain = "Security"
objectives = ["1.1"]
goal = "Nothing to reach."
instructions = "Nothing to do."
depends = []
  [[tasks.checks]]
  id = "never"
  points = 1
  hint = "unused"
"""

SAY = """
from checks import verdict
TASK = "say"
def test_say(task):
    word = task.settings["word"]
    task.grade({"said": verdict(word == "hello" and not task.solving, "hello", word)})
"""

BROKEN = """
TASK = "break"
def test_break(task):
    raise ZeroDivisionError("a bug in the grader")
"""


def make_lab(pytester, **modules: str) -> None:
    """labs/toy: the folder is named as the lab's id."""
    folder = pytester.mkdir("toy")
    (folder / "lab.toml").write_text(LAB_TOML)
    for name, text in {"test_01_say": SAY, "test_02_break": BROKEN, **modules}.items():
        (folder / f"{name}.py").write_text(text)


def test_a_new_lab_runs_with_no_harness_change_and_hides_tracebacks(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    make_lab(pytester)
    result = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "ENV-ERROR break" in output and "ZeroDivisionError: a bug in the grader" in output
    assert "a defect of the lab's grader, not your mistake" in output  # said as a defect: a learner's state is a FAIL
    assert "Traceback" not in output and "raise ZeroDivisionError" not in output
    assert "Total 2/3 points (67 %), pass mark 50 %: PASSED." in output
    assert "short test summary info" not in output  # the lab's table is the summary

    debug = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", "--lab-debug").stdout.str()
    assert "raise ZeroDivisionError" in debug


def test_hints_come_in_two_tiers_in_every_report_and_no_hints_hides_both(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    make_lab(pytester)
    outputs = {}
    for tier, options in {"concept": (), "full": ("--hints", "full"), "none": ("--no-hints",)}.items():
        run = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", "--lab-mode=solve", *options,
                                            "--lab-report-json", f"{tier}.json", "--lab-report-html", f"{tier}.html")
        report = json.loads((pytester.path / f"{tier}.json").read_text())["tests"][0]["output"]
        outputs[tier] = (run.stdout.str(), report, (pytester.path / f"{tier}.html").read_text())
        assert "FAIL say" in outputs[tier][0]
    for text in outputs["concept"]:  # the FAIL message, the table, the JSON and the HTML report
        assert "Say it louder." in text and "echo HELLO" not in text
    for text in outputs["full"]:
        assert "Shout it: echo HELLO" in text and "Say it louder." not in text
    for text in outputs["none"]:
        assert "Say it louder." not in text and "echo HELLO" not in text
    assert " 1 say    0/2  FAIL      Say it louder.\n" in outputs["concept"][0]  # the table's row, with the hint


VERDICT_LAB = """
id = "toy"
title = "Verdicts"
pass_mark = 50
[[tasks]]
id = "first"
title = "A task not done"
nodes = []
domain = "Orchestration"
objectives = ["1.1"]
goal = "g"
instructions = "i"
  [[tasks.checks]]
  id = "done"
  points = 1
  hint = "Do the first task."
[[tasks]]
id = "holds"
title = "A task whose own evidence holds"
nodes = []
domain = "Orchestration"
objectives = ["1.1"]
goal = "g"
instructions = "i"
depends = ["first"]
  [[tasks.checks]]
  id = "fine"
  points = 2
  hint = "unused"
[[tasks]]
id = "fails-too"
title = "A task that fails after a failed prerequisite"
nodes = []
domain = "Orchestration"
objectives = ["1.1"]
goal = "g"
instructions = "i"
depends = ["holds", "first"]
  [[tasks.checks]]
  id = "own"
  points = 1
  hint = "Its own hint."
  [[tasks.checks]]
  id = "partly"
  points = 3
  hint = "unused"
"""

VERDICT_MODULES = {
    "test_01_first": 'from checks import verdict\nTASK = "first"\n'
                     'def test_first(task):\n    task.grade({"done": verdict(False, "done", "not done")})\n',
    "test_02_holds": 'from checks import verdict\nTASK = "holds"\n'
                     'def test_holds(task):\n    task.grade({"fine": verdict(True, "fine", "fine")})\n',
    "test_03_fails_too": 'from checks import verdict\nTASK = "fails-too"\n'
                         'def test_fails_too(task):\n    task.grade({"own": verdict(False, "x", "y"), '
                         '"partly": verdict(True, "p", "p")})\n',
}


def verdict_run(pytester, *options: str) -> dict[str, tuple[str, int]]:
    report = pytester.path / "report.json"
    pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", f"--lab-report-json={report}", *options)
    return {t["task"]: (t["verdict"], t["score"]) for t in json.loads(report.read_text())["tests"]}


def test_the_verdict_rule_grades_every_task_on_its_own_evidence(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    folder = pytester.mkdir("toy")
    (folder / "lab.toml").write_text(VERDICT_LAB)
    for name, text in VERDICT_MODULES.items():
        (folder / f"{name}.py").write_text(text)
    full = {"first": ("FAIL", 0), "holds": ("PASS", 2), "fails-too": ("BLOCKED", 3)}
    assert verdict_run(pytester) == full
    for task in full:  # graded alone, each task gets the full run's verdict and points
        assert verdict_run(pytester, "-k", task.replace("-", "_")) == {task: full[task]}
    output = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", "-k", "fails_too").stdout.str()
    assert "Blocked: it needs task first, which is FAIL. Do first first." in output
    assert "own (0/1): expected x" in output and "Its own hint." in output  # its own checks are still listed


UNDECLARED_CHECK = 'from checks import verdict\nTASK = "say"\ndef test_say(task):\n' \
                   '    task.grade({"said": verdict(True, "a", "a"), "extra": verdict(True, "b", "b")})\n'
UNDECLARED_NODE = 'from checks import verdict\nTASK = "say"\ndef test_say(task):\n' \
                  '    task.host("master")\n    task.grade({"said": verdict(True, "a", "a")})\n'


@pytest.mark.parametrize(("module", "said"), [
    (UNDECLARED_CHECK, "grades checks lab.toml does not declare: extra"),
    (UNDECLARED_NODE, "reads the node master, which lab.toml does not declare"),
])
def test_a_grader_defect_is_env_error_naming_it(pytester, tmp_path, monkeypatch, module: str, said: str) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    make_lab(pytester, test_01_say=module)
    output = pytester.runpytest_subprocess("toy", "-p", "no:cacheprovider", "-k", "say").stdout.str()
    assert "ENV-ERROR say" in output and "Grader defect" in output and said in output
    assert "This is a fault of the lab, not yours" in output and "Traceback" not in output
