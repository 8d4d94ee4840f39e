"""`dcalab quiz`: practise DCA exam questions in the terminal."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable

from dcalab import history
from dcalab.errors import DcalabError
from dcalab.quiz.bank import DOMAINS, KINDS, load_bank, load_objectives
from dcalab.quiz.engine import Result, Session, select
from dcalab.quiz.keys import Keys
from dcalab.quiz.stats import bank_stats
from dcalab.quiz.terminal import Quiz, clock, count


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


def history_items(results: Iterable[Result]) -> list[history.Item]:
    """Questions as history items (1 point each), named by the domain's title as lab tasks are."""
    return [history.Item(r.question_id, r.outcome, int(r.correct), 1, DOMAINS[r.domain][0], r.objective)
            for r in results]


def run_mode(session: Session) -> str:
    """How a session ended, as the history's mode column says it."""
    return "timed-out" if session.timed_out else "interrupted" if session.stopped else "done"


def quiz_command(args: argparse.Namespace) -> int:
    if args.stats:
        print(bank_stats(load_bank(), load_objectives()))
        return 0
    rng = random.Random(args.seed)
    questions = select(load_bank(), rng=rng, domain=args.domain, kind=args.kind, count=args.count)
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
    if session.results:  # a stopped quiz keeps the answers given so far
        history.record_run("quiz", "quiz", run_mode(session), "-", history_items(session.results))
        print("Saved in your history: dcalab history", flush=True)
    return status


def add_quiz_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `quiz` on a parser's subcommands; its handler returns the exit status."""
    quiz = subparsers.add_parser("quiz", help="practise DCA exam questions (DOMC and multiple choice)",
                                 description="Answer DCA exam questions in the terminal, one keypress per answer.")
    quiz.add_argument("--domain", choices=list(DOMAINS), help="only this exam domain")
    quiz.add_argument("--count", type=positive(int), default=10, metavar="N", help="how many questions (default 10)")
    quiz.add_argument("--kind", choices=KINDS, help="only this kind of question")
    quiz.add_argument("--seed", type=int, help="the same seed asks the same questions in the same order")
    quiz.add_argument("--time-limit", type=positive(float), metavar="SECONDS",
                      help="end the quiz after this long; questions left count as unanswered")
    quiz.add_argument("--stats", action="store_true",
                      help="print the bank's items per domain and kind and the objectives with fewer than two items")
    quiz.set_defaults(handler=quiz_command)
    return quiz
