"""A new lab is data plus short test modules: the harness needs no change. A grader that breaks
shows a sentence, not a traceback (unless --lab-debug)."""

from __future__ import annotations

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
objective = "Say it"
instructions = "Say hello."
  [[tasks.checks]]
  id = "said"
  points = 2
  hint = "Say it louder."
[[tasks]]
id = "break"
title = "A grader with a bug"
nodes = []
domain = "Security"
objective = "Nothing"
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


def make_lab(pytester) -> None:
    pytester.makefile(".toml", lab=LAB_TOML)
    pytester.makepyfile(test_01_say=SAY, test_02_break=BROKEN)


def test_a_new_lab_runs_with_no_harness_change_and_hides_tracebacks(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    make_lab(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "ENV-ERROR break" in output and "ZeroDivisionError: a bug in the grader" in output
    assert "Traceback" not in output and "raise ZeroDivisionError" not in output
    assert "Total 2/3 points (67 %), pass mark 50 %: PASSED." in output
    assert "short test summary info" not in output  # the lab's table is the summary

    debug = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--lab-debug").stdout.str()
    assert "raise ZeroDivisionError" in debug


def test_no_hints_hides_every_hint(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    make_lab(pytester)
    with_hints = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--lab-mode=solve").stdout.str()
    assert "Say it louder." in with_hints
    without = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--lab-mode=solve", "--no-hints").stdout.str()
    assert "Say it louder." not in without and "FAIL say" in without
