"""`dcalab exam`: a timed practice exam: a lab's hands-on tasks, then questions, scored per DCA domain."""

from __future__ import annotations

import argparse
import random
import sys
import time

from dcalab import history
from dcalab.backends import BACKENDS
from dcalab.errors import DcalabError
from dcalab.exam.handson import grade, show_grades, show_tasks, wait_for_grading
from dcalab.exam.readiness import TITLE_WEIGHTS, WEIGHTS, by_domain, pick_questions, weighted
from dcalab.lab import Lab, find_lab
from dcalab.quiz.bank import DOMAINS, load_bank
from dcalab.quiz.cli import history_items, positive, run_mode
from dcalab.quiz.engine import UNANSWERED, Session
from dcalab.quiz.keys import Keys
from dcalab.quiz.terminal import Quiz, clock, count

EXAM_ITEMS = 55  # the real DCA exam: 55 questions in 90 minutes
STOPPED = {
    130: "The exam is stopped: nothing is recorded as a score. Start a new one with: dcalab exam",
    1: "The input ended before the exam did: nothing is recorded as a score. Run dcalab exam in a terminal.",
}


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percent above 0 and up to 100")
    return value


def _hands_on(lab: Lab, cluster: str, keys: Keys, deadline: float) -> tuple[list[history.Item], bool]:
    """The tasks shown, worked on and graded once; their items and whether the candidate finished in time."""
    show_tasks(lab, cluster)
    in_time = wait_for_grading(keys, deadline)
    if not in_time:
        print("Time is up: your tasks are graded as you left them.")
    print(f"Grading the tasks on the {cluster} cluster (read-only, no hints)...", flush=True)
    items, problem = grade(lab, cluster)
    show_grades(lab, items, problem)
    return items, in_time


def _questions(session: Session, keys: Keys) -> int:
    """Ask the questions against the exam's deadline; the quiz's exit status (130 on Ctrl-C)."""
    if session.timed_out:  # the hands-on part used up the time
        if session.items:
            print(f"Time is up: {count(len(session.items), 'question')} left unanswered.", flush=True)
        return 0
    if not session.items:
        return 0
    print(f"\nQuestions: {len(session.items)}, on the same clock (the time left shows with each one).", flush=True)
    return Quiz(session, keys, sys.stdout).run()


def _show_result(tasks: list[history.Item], questions: list[history.Item], run: int | None, pass_mark: float) -> None:
    items = tasks + questions
    print("\nExam result")
    if tasks:
        print(f"  Hands-on tasks: {sum(i.score for i in tasks)}/{sum(i.max_score for i in tasks)} points")
    if questions:
        unanswered = sum(i.status == UNANSWERED for i in questions)
        print(f"  Questions: {sum(i.score for i in questions)} of {len(questions)} correct"
              + (f", {unanswered} unanswered because the time ran out" if unanswered else ""))
    scored, possible = sum(i.score for i in items), sum(i.max_score for i in items)
    percent = 100 * scored / possible if possible else 0.0
    verdict = "PASSED" if percent >= pass_mark else "not passed yet"
    print(f"  Total: {scored}/{possible} points ({percent:.0f} %), pass mark {pass_mark:g} % "
          f"(a practice threshold): {verdict}.")
    readiness = by_domain(items)
    width = max(len(title) for title in TITLE_WEIGHTS)
    print("\nReadiness per DCA domain (weight in the exam, your share of its points):")
    for title, weight in TITLE_WEIGHTS.items():
        if title in readiness:
            right, asked = readiness[title]
            print(f"  {title:<{width}}  {weight:>2} %  {100 * right / asked:>3.0f} %  ({right}/{asked} points)")
        else:
            print(f"  {title:<{width}}  {weight:>2} %  not tested")
    ready, covered = weighted(readiness)
    print(f"  Weighted readiness: {ready:.0f} % over the domains tested ({covered} % of the exam's weight).")
    if run is None:  # the history could not be written: a warning said so
        return
    weakest = history.weakest_objectives(run=run)
    if weakest:
        print("\nStudy next (this exam's weakest objectives):")
        for domain, objective, right, asked in weakest:
            print(f"  {right}/{asked}  {domain}: {objective}")
    print("\nSaved in your history: dcalab history", flush=True)


def exam_command(args: argparse.Namespace) -> int:
    lab = None if args.lab in (None, "none") else find_lab(args.lab)
    n_tasks = len(lab.tasks) if lab else 0
    wanted = args.questions if args.questions is not None else max(0, EXAM_ITEMS - n_tasks)
    rng = random.Random(args.seed)
    questions = pick_questions(load_bank(), wanted, rng)
    if not lab and not questions:
        raise DcalabError("An exam without a lab and without questions has nothing to ask.",
                          "Ask for some: dcalab exam --questions 20")
    parts = [f"{count(n_tasks, 'hands-on task')} (lab {lab.id})"] if lab else []
    parts += [count(len(questions), "question")] if questions else []
    print(f"DCA practice exam: {' and '.join(parts)} in {clock(args.minutes * 60)}. Pass mark {args.pass_mark:g} % "
          "(Docker does not publish the exam's pass mark: this is a practice threshold). The clock starts now. "
          "Ctrl-C stops the exam and records nothing.", flush=True)
    deadline = time.monotonic() + args.minutes * 60
    keys = Keys(sys.stdin.fileno())
    try:
        tasks, in_time = _hands_on(lab, args.cluster, keys, deadline) if lab else ([], True)
        session = Session(questions, rng=rng, deadline=deadline)
        if not in_time:
            session.expire()
        status = _questions(session, keys)
    except KeyboardInterrupt:
        status = 130
    except EOFError:
        status = 1
    if status:
        print(f"\n{STOPPED[status]}", flush=True)
        return status
    answers = history_items(session.results)
    run = history.record_run("exam", "exam", run_mode(session), args.cluster if lab else "-", tasks + answers)
    _show_result(tasks, answers, run, args.pass_mark)
    return 0


def add_exam_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `exam` on a parser's subcommands; its handler returns the exit status."""
    weights = ", ".join(f"{DOMAINS[domain][0]} {weight} %" for domain, weight in WEIGHTS.items())
    exam = subparsers.add_parser(
        "exam", help="a timed practice exam: a lab's hands-on tasks graded without hints, then questions",
        description="A timed practice exam. First the hands-on tasks of a lab: do them on the cluster in another "
        "terminal (dcalab shell NODE), then press g to have them graded once, read-only and without hints. Then "
        "the questions, against the same clock. The result gives the score, the pass mark and your readiness per "
        f"DCA domain, weighted as the exam is: {weights}. With --lab, start the lab first (dcalab lab start LAB).")
    exam.add_argument("--minutes", type=positive(float), default=90.0, metavar="M",
                      help="the exam's length in minutes, fractions allowed (default 90, as the real exam)")
    exam.add_argument("--questions", type=positive(int, zero=True), metavar="N",
                      help=f"how many questions (default: {EXAM_ITEMS} as in the real exam, less one per hands-on task "
                      f"so that the exam has {EXAM_ITEMS} items); they are shared out by the domains' weights")
    exam.add_argument("--lab", metavar="LAB",
                      help="add a lab's tasks as a hands-on part before the questions (practice beyond the real exam, "
                      "which has none; default: none)")
    exam.add_argument("--cluster", default="embedded", choices=sorted(BACKENDS),
                      help="the cluster the tasks are graded on (default embedded)")
    exam.add_argument("--pass-mark", type=_percent, default=65.0, metavar="PERCENT",
                      help="the percent of the points needed to pass (default 65). Docker does not publish the "
                      "DCA pass mark, so this is a practice threshold.")
    exam.add_argument("--seed", type=int, help="the same seed asks the same questions in the same order")
    exam.set_defaults(handler=exam_command)
    return exam
