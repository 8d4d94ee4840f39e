"""A class at once: every learner of a roster graded, started, reset or stopped together, in parallel.

A grade is I/O-bound on the nodes' shells, so the learners are graded in this process, one LabSession per learner
in a thread each, read-only (as `dcalab watch` grades one learner). A learner whose roster entry is wrong, or whose
cluster cannot be reached, is one row saying why; the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from dcalab.backends import Cluster, get_cluster
from dcalab.backends.base import in_parallel
from dcalab.errors import DcalabError
from dcalab.grade_plan import load_plan, plan_file, save_plan
from dcalab.grading import ENV_ERROR, PASS, TaskResult, verdicts
from dcalab.lab import Lab
from dcalab.roster import SSH, Learner
from dcalab.session import LabSession

T = TypeVar("T")
MOST_AT_ONCE = 32  # learners graded at once: a class of 30 in one round


def learner_cluster(learner: Learner, read_only: bool, timeout: float | None = None) -> Cluster:
    """The cluster of a roster's learner: the one place a class turns an entry into a backend."""
    if learner.cluster == SSH:
        return get_cluster("ssh", ssh_config=learner.ssh_config, read_only=read_only, timeout=timeout,
                           cluster_name="")
    return get_cluster("embedded", cluster_name=learner.cluster_name or "", read_only=read_only, timeout=timeout)


@dataclass(frozen=True)
class Done(Generic[T]):
    """What one learner's work gave: its value, or the sentence saying why it failed."""

    learner: Learner
    value: T | None
    problem: str
    seconds: float


def unexpected(error: Exception) -> str:
    return (f"dcalab hit an unexpected error ({type(error).__name__}: {str(error)[:200]}): a defect of dcalab, not "
            "the learner's doing; report it.")


def each_learner(work: Callable[[Learner], T], learners: Iterable[Learner], workers: int = MOST_AT_ONCE,
                 finished: Callable[[Done[T]], None] | None = None) -> list[Done[T]]:
    """work(learner) for every learner, `workers` at a time; in the roster's order. A learner with a roster problem is
    not worked on, and one whose work fails is that learner's problem: the others go on. `finished` hears of each
    learner as they finish (a progress line)."""
    def one(learner: Learner) -> Done[T]:
        began = time.monotonic()
        value, problem = None, learner.problem
        if not problem:
            try:
                value = work(learner)
            except DcalabError as error:
                problem = str(error)
            except Exception as error:  # one learner's surprise must not stop the class
                problem = unexpected(error)
        done = Done(learner, value, problem, time.monotonic() - began)
        if finished is not None:
            finished(done)
        return done

    return in_parallel(one, learners, workers)


def unreachable(lab: Lab, reason: str) -> dict[str, TaskResult]:
    """Every task ENV-ERROR with the reason: the harness could not look at this learner's cluster at all."""
    return {task.id: TaskResult(task, ENV_ERROR, reason=reason) for task in lab.tasks}


class Seat:
    """One learner in a class's grade: their lab, and the session kept open between grades (a watch)."""

    def __init__(self, learner: Learner, lab: Lab | None, timeout: float | None = None) -> None:
        self.learner, self.lab, self.timeout = learner, lab, timeout
        self.session: LabSession | None = None
        self.results: dict[str, TaskResult] = {}  # the last grade's
        self.seconds = 0.0  # the last grade's wall time
        self.changed_at = time.time()  # when a verdict last changed (the start of a watch, until one does)

    @property
    def problem(self) -> str:
        """Why the learner is not graded at all (their roster entry); "" when they are."""
        return self.learner.problem

    def grade(self, plans: dict[str, dict[str, list[str]]]) -> bool:
        """Grade the learner's lab once (the session's next grade after the first, which asks the lab's plan first);
        True when a verdict or a score changed. A cluster that cannot be made or reached makes every task
        ENV-ERROR."""
        began = time.monotonic()
        try:
            if self.session is None:
                self.session = LabSession(self.lab, learner_cluster(self.learner, read_only=True,
                                                                    timeout=self.timeout))
                self.session.cluster.prefetch(plans.get(self.lab.id, {}))
            else:
                self.session.again()
            results = dict(self.session.run_all())
        except DcalabError as error:
            results = unreachable(self.lab, f"The harness cannot reach the cluster of {self.learner.name}: {error}")
        except Exception as error:  # one learner's surprise must not stop the class
            results = unreachable(self.lab, unexpected(error))
        self.seconds = time.monotonic() - began
        changed = verdicts(results) != verdicts(self.results)
        if changed and self.results:
            self.changed_at = time.time()
        self.results = results
        return changed

    @property
    def stuck_on(self) -> TaskResult | None:
        """The first task, in the lab's order, that does not pass; None when all do or none was graded."""
        return next((result for result in self.results.values() if result.status != PASS), None)

    def close(self) -> None:
        if self.session is not None:
            self.session.cluster.reconnect()


def seats(learners: Iterable[Learner], labs: dict[str, Lab], default_lab: str,
          timeout: float | None = None) -> list[Seat]:
    return [Seat(learner, labs.get(learner.lab_of(default_lab)), timeout) for learner in learners]


def plan_files(labs: Iterable[Lab]) -> dict[str, Path | None]:
    """Where each lab's class grade keeps its prefetch plan (dcalab.grade_plan): one for every learner of the lab."""
    return {lab.id: plan_file("class", [lab.id], "") for lab in labs}


def grade_seats(class_seats: list[Seat], plans: dict[str, Path | None]) -> bool:
    """Grade every seat without a problem at once (a thread each), each first asking its lab's last plan; keep the
    plan each lab's grade asked for the next. True when any verdict changed."""
    labs = {seat.lab.id: seat.lab for seat in class_seats if seat.lab is not None}
    for lab in labs.values():
        lab.graders  # noqa: B018 (import the lab's test modules once, before the threads share them)
    loaded = {lab: load_plan(path) for lab, path in plans.items()}
    graded = [seat for seat in class_seats if not seat.problem]
    changed = any(in_parallel(lambda seat: seat.grade(loaded), graded, MOST_AT_ONCE))
    for lab, path in plans.items():
        asked = next((seat.session.cluster.asked() for seat in graded if seat.session and seat.lab.id == lab
                      and seat.session.cluster.asked()), None)
        if asked:
            save_plan(path, asked)
    return changed
