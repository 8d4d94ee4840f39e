"""`dcalab exam`: the DCA exam's format (55 questions, 42 DOMC and 13 multiple choice, in 90 minutes), scored per
DCA domain; optionally a lab's hands-on tasks first, as practice beyond the real exam."""

from __future__ import annotations

import argparse
import random
import sys
import time

from dcalab import history
from dcalab.backends import BACKENDS
from dcalab.dca import DOMAINS
from dcalab.errors import DcalabError
from dcalab.exam.draw import EXAM_ITEMS, domc_count, pick_questions, presentations
from dcalab.exam.handson import grade, show_grades, show_tasks, wait_for_grading
from dcalab.exam.readiness import WEIGHTS, result_lines
from dcalab.lab import Lab, find_lab
from dcalab.outcome import save_run
from dcalab.quiz.bank import load_bank
from dcalab.quiz.cli import SEED_HELP, positive, run_mode, seen_questions
from dcalab.quiz.engine import Session
from dcalab.quiz.keys import Keys
from dcalab.quiz.review import from_history, history_items, print_review, print_saved
from dcalab.quiz.terminal import ANSWER_RULE, Quiz, count, wait_to_start, wrap

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


def _questions(session: Session, keys: Keys, after_lab: bool) -> int:
    """Ask the questions against the exam's deadline; the quiz's exit status (130 on Ctrl-C)."""
    if session.timed_out:  # the hands-on part used up the time
        if session.items:
            print(f"Time is up: {count(len(session.items), 'question')} left unanswered.", flush=True)
        return 0
    if not session.items:
        return 0
    if after_lab:
        print(f"\nQuestions: {len(session.items)}, on the same clock (the time left shows with each one).", flush=True)
    return Quiz(session, keys, sys.stdout, feedback=False, confirm_stop=True).run()


def _show_result(items: list[history.Item], run: int | None, pass_mark: float) -> None:
    print("\nExam result\n" + "\n".join(result_lines(items, pass_mark)))
    weakest = [] if run is None else history.weakest_objectives(run=run)  # None: the history could not be written
    if weakest:
        print("\n" + wrap("Study next (this exam's weakest objectives):"))
        for domain, objective, right, asked in weakest:
            print(wrap(f"{right}/{asked}  {domain}: {objective}", "  "))


def _opening(kinds: list[str], lab: Lab | None, notes: list[str], pass_mark: float, minutes: float) -> str:
    """What the exam is, before the clock starts: its first line is the format, as the real exam states it."""
    domc = kinds.count("domc")
    lines = [f"DCA practice exam: {count(len(kinds), 'question')} ({len(kinds) - domc} multiple choice, "
             f"{domc} DOMC), {minutes:g} minute{'' if minutes == 1 else 's'}."]
    if lab:
        lines.append(f"First the {count(len(lab.tasks), 'hands-on task')} of the lab {lab.id}, on the same clock: "
                     "practice beyond the real exam, which has no hands-on part.")
    lines += notes
    if domc:
        lines.append("DOMC: the options come one at a time and you answer y or n to each. An item is decided as soon "
                     "as your answers decide it (half the time one more option follows, not scored), and there is no "
                     "going back to it.")
    lines.append(f"The time left shows on every item; a review of your answers follows the result. Pass mark "
                 f"{pass_mark:g} % (a practice threshold: Docker does not publish the exam's pass mark). Ctrl-C asks "
                 "before it stops the exam, which then records nothing.")
    lines.append(ANSWER_RULE)
    return "\n".join(wrap(line) for line in lines)


def exam_command(args: argparse.Namespace) -> int:
    lab = None if args.lab in (None, "none") else find_lab(args.lab)
    rng = random.Random(args.seed)
    questions, notes = pick_questions(load_bank(), args.questions, rng, seen_questions("exam"))
    kinds = presentations(questions, domc_count(len(questions)), rng)
    if not lab and not questions:
        raise DcalabError("An exam without a lab and without questions has nothing to ask.",
                          "Ask for some: dcalab exam --questions 20")
    print(_opening(kinds, lab, notes, args.pass_mark, args.minutes), flush=True)
    keys = Keys(sys.stdin.fileno())
    try:
        wait_to_start(keys, sys.stdout)
        deadline = time.monotonic() + args.minutes * 60
        tasks, in_time = _hands_on(lab, args.cluster, keys, deadline) if lab else ([], True)
        session = Session(questions, kinds=kinds, rng=rng, deadline=deadline)
        if not in_time:
            session.expire()
        status = _questions(session, keys, after_lab=lab is not None)
    except KeyboardInterrupt:
        status = 130
    except EOFError:
        status = 1
    if status:
        print(f"\n{STOPPED[status]}", flush=True)
        return status
    answers = history_items(session.items, session.results)
    backend = args.cluster if lab else "-"
    run = save_run("exam", "exam", run_mode(session), backend, tasks + answers, pass_mark=args.pass_mark)
    _show_result(tasks + answers, run, args.pass_mark)
    if answers:
        print_review(from_history(answers), sys.stdout)
    print_saved(run, sys.stdout)
    return 0


def add_exam_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `exam` on a parser's subcommands; its handler returns the exit status."""
    weights = ", ".join(f"{DOMAINS[domain][0]} {weight} %" for domain, weight in WEIGHTS.items())
    exam = subparsers.add_parser(
        "exam", help="a timed practice exam in the DCA exam's format: 55 questions, 42 of them DOMC, in 90 minutes",
        description="A timed practice exam in the real DCA exam's format: 55 questions (13 multiple choice, 42 DOMC: "
        "options one at a time, yes or no, no going back) in 90 minutes, drawn by the domains' weights: "
        f"{weights}. The result gives the score, the pass mark and your readiness per domain, then a review of "
        "every answer (again later: dcalab review). With --lab, a lab's hands-on tasks come first, each as its goal "
        "(the state to reach, never the commands): do them on the "
        "cluster in another terminal (dcalab shell NODE), then press g to have them graded once, read-only and "
        "without hints (start the lab first: dcalab lab start LAB).")
    exam.add_argument("--minutes", type=positive(float), default=90.0, metavar="M",
                      help="the exam's length in minutes, fractions allowed (default 90, as the real exam)")
    exam.add_argument("--questions", type=positive(int, zero=True), default=EXAM_ITEMS, metavar="N",
                      help=f"how many questions (default {EXAM_ITEMS}, as the real exam), shared out by the domains' "
                      "weights; DOMC and multiple choice in the real exam's proportion (42 to 13)")
    exam.add_argument("--lab", metavar="LAB",
                      help="first a lab's hands-on tasks, on the same clock (practice beyond the real exam, which has "
                      "none; default: none)")
    exam.add_argument("--cluster", default="embedded", choices=sorted(BACKENDS),
                      help="the cluster the tasks are graded on (default embedded)")
    exam.add_argument("--pass-mark", type=_percent, default=65.0, metavar="PERCENT",
                      help="the percent of the points needed to pass (default 65). Docker does not publish the "
                      "DCA pass mark, so this is a practice threshold.")
    exam.add_argument("--seed", type=int, help=SEED_HELP)
    exam.set_defaults(handler=exam_command)
    return exam
