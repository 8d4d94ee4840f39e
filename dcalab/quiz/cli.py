"""`dcalab quiz`: practise DCA exam questions in the terminal."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

from dcalab import history
from dcalab.errors import DcalabError, HistoryError, warn
from dcalab.quiz.bank import DOMAINS, KINDS, load_bank
from dcalab.quiz.engine import Session, select
from dcalab.quiz.keys import Keys
from dcalab.quiz.review import from_history, history_items, print_review, print_saved
from dcalab.quiz.terminal import Quiz, clock, count

SEED_HELP = "with the same history, the same seed asks the same questions in the same order"


def positive(kind: Callable[[str], float], zero: bool = False) -> Callable[[str], float]:
    """An argparse type: a number of `kind` (int, float) above 0, or 0 too with `zero`."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = -1
        if value < 0 or (value == 0 and not zero):
            raise argparse.ArgumentTypeError(f"{text!r} is not a number {'of 0 or more' if zero else 'above 0'}")
        return value

    return parse


def seen_questions(kind: str) -> dict[str, int] | None:
    """When each question was last answered, so that a retake draws new ones first. None, after one warning line,
    if the history cannot be read: the quiz or exam (`kind`) then goes on without it and is not saved in it."""
    try:
        return history.last_seen()
    except HistoryError as error:
        warn(f"this {kind} is drawn without your history and is not saved in it. {error}")
        return None


def run_mode(session: Session) -> str:
    """How a session ended, as the history's mode column says it."""
    return "timed-out" if session.timed_out else "interrupted" if session.stopped else "done"


def quiz_command(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    seen = seen_questions("quiz")
    questions = select(load_bank(), rng=rng, domain=args.domain, kind=args.kind, count=args.count, seen=seen)
    if not questions:
        asked = " ".join(f"--{name} {value}" for name, value in (("domain", args.domain), ("kind", args.kind)) if value)
        raise DcalabError(f"No question in the bank matches {asked}.",
                          "Leave out --kind or --domain, or choose another.")
    intro = f"DCA practice quiz: {count(len(questions), 'question')}."
    if len(questions) < args.count:
        verb = "matches" if len(questions) == 1 else "match"
        intro = f"Only {count(len(questions), 'question')} {verb}, so the quiz asks all of them."
    if args.time_limit:
        intro += f" Time limit: {clock(args.time_limit)}."
    print(f"{intro} Ctrl-C stops and shows your progress.", flush=True)
    # The clock starts once the questions are chosen, as in the exam.
    deadline = time.monotonic() + args.time_limit if args.time_limit else None
    session = Session(questions, rng=rng, deadline=deadline)
    status = Quiz(session, Keys(sys.stdin.fileno()), sys.stdout).run()
    items = history_items(session.items, session.results)  # a stopped quiz keeps the answers given
    run = history.record_run("quiz", "quiz", run_mode(session), "-", items) if items and seen is not None else None
    if not session.stopped:
        print_review(from_history(items), sys.stdout)
    print_saved(run, sys.stdout)
    return status


def add_quiz_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `quiz` on a parser's subcommands; its handler returns the exit status."""
    quiz = subparsers.add_parser("quiz", help="practise DCA exam questions (DOMC and multiple choice)",
                                 description="Answer DCA exam questions in the terminal, one keypress per answer.")
    quiz.add_argument("--domain", choices=list(DOMAINS), help="only this exam domain")
    quiz.add_argument("--count", type=positive(int), default=10, metavar="N", help="how many questions (default 10)")
    quiz.add_argument("--kind", choices=KINDS, help="only this kind of question")
    quiz.add_argument("--seed", type=int, help=SEED_HELP)
    quiz.add_argument("--time-limit", type=positive(float), metavar="SECONDS",
                      help="end the quiz after this long; questions left count as unanswered")
    quiz.set_defaults(handler=quiz_command)
    return quiz
