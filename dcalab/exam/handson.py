"""The exam's hands-on part: a lab's tasks without hints, worked on the cluster, graded once in-process."""

from __future__ import annotations

import sys
import time

from dcalab.backends import get_cluster
from dcalab.errors import DcalabError
from dcalab.grading import ENV_ERROR
from dcalab.history import Item
from dcalab.lab import Lab
from dcalab.outcome import task_item
from dcalab.quiz.keys import Keys, TimeUp
from dcalab.quiz.terminal import clock, key_name, stop_confirmed, wrap
from dcalab.session import LabSession

GRADE_KEY = "g"


def show_tasks(lab: Lab, cluster: str) -> None:
    """Each task's title, nodes and goal: the state to reach, never the commands or how to fix it."""
    shell = "dcalab shell NODE" + ("" if cluster == "embedded" else f" --cluster {cluster}")
    print(f"\nHands-on tasks from the lab {lab.id!r} ({lab.points} points), graded on the {cluster} cluster "
          f"as you leave them. Each says what to reach, not how. Work in another terminal: {shell}.")
    for number, task in enumerate(lab.tasks, 1):
        print(f"\n{task.heading(number)} ({task.points} points)")
        print(wrap(task.goal, "   "))
    print(flush=True)


def wait_for_grading(keys: Keys, deadline: float) -> bool:
    """Until the candidate presses g (True) or the time runs out (False); the time left ticks on a terminal."""
    prompt = f"Press {GRADE_KEY} when your tasks are done to have them graded"
    with keys:
        while (left := deadline - time.monotonic()) > 0:
            if keys.tty:  # redraw the same line every second
                print(f"\r{prompt} ({clock(left)} left): ", end="", flush=True)
            else:
                print(f"Type {GRADE_KEY} when your tasks are done to have them graded ({clock(left)} left): ",
                      flush=True)
            try:
                key = keys.read(min(left, 1.0) if keys.tty else left)
            except TimeUp:
                continue
            except KeyboardInterrupt:
                if stop_confirmed(keys, sys.stdout, deadline - time.monotonic()):
                    raise
                continue
            if key.lower() == GRADE_KEY:
                print(flush=True)
                return True
            print(f"\n{key_name(key)} is not a choice here: {prompt.lower()}, or Ctrl-C to stop the exam.",
                  flush=True)
    print(flush=True)
    return False


def grade(lab: Lab, cluster: str) -> tuple[list[Item], str]:
    """Grade every task once, read-only and without hints, by the one grading API; the items and a problem.

    A task that could not be graded is ENV-ERROR with no points, and the problem says why."""
    problem = ""
    try:
        nodes = get_cluster(cluster, read_only=True)
        results = LabSession(lab, nodes).run_all()
        nodes.reconnect()  # close the shells
    except DcalabError as error:  # the cluster itself could not be reached (no ssh_config, no engine, ...)
        results, problem = {}, f"The tasks could not be graded: {error}"
    items = []
    for task in lab.tasks:
        result = results.get(task.id)
        status, score = (result.status, result.score) if result else (ENV_ERROR, 0)
        items.append(task_item(task, status, score))
    return items, problem


def show_grades(lab: Lab, items: list[Item], problem: str) -> None:
    """One line per task: points and verdict, no hint (the exam gives none)."""
    width = max(len(task.id) for task in lab.tasks)
    for number, item in enumerate(items, 1):
        print(f"{number:>2} {item.item:<{width}} {item.score:>2}/{item.max_score:<2} {item.status}")
    scored, possible = sum(i.score for i in items), sum(i.max_score for i in items)
    print(f"Hands-on: {scored}/{possible} points.")
    if problem:
        print(problem)
    elif any(item.status == ENV_ERROR for item in items):
        print("ENV-ERROR: the harness could not look at a node. Check the cluster: dcalab cluster status")
    print(flush=True)
