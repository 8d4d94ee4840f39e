"""`dcalab quiz`: practise DCA exam questions in the terminal."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

from dcalab.errors import DcalabError
from dcalab.quiz.bank import DOMAINS, KINDS, load_bank
from dcalab.quiz.engine import Session, select
from dcalab.quiz.keys import Keys
from dcalab.quiz.terminal import Quiz, count


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
        return value

    return parse


def quiz_command(args: argparse.Namespace) -> int:
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
        intro += f" Time limit: {int(args.time_limit) // 60}:{int(args.time_limit) % 60:02d}."
    print(f"{intro} Ctrl-C stops and shows your progress.", flush=True)
    # The clock starts once the questions are chosen, as in the exam.
    deadline = time.monotonic() + args.time_limit if args.time_limit else None
    session = Session(questions, rng=rng, deadline=deadline)
    return Quiz(session, Keys(sys.stdin.fileno()), sys.stdout).run()


def add_quiz_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `quiz` on a parser's subcommands; its handler returns the exit status."""
    quiz = subparsers.add_parser("quiz", help="practise DCA exam questions (DOMC and multiple choice)",
                                 description="Answer DCA exam questions in the terminal, one keypress per answer.")
    quiz.add_argument("--domain", choices=list(DOMAINS), help="only this exam domain")
    quiz.add_argument("--count", type=_positive(int), default=10, metavar="N", help="how many questions (default 10)")
    quiz.add_argument("--kind", choices=KINDS, help="only this kind of question")
    quiz.add_argument("--seed", type=int, help="the same seed asks the same questions in the same order")
    quiz.add_argument("--time-limit", type=_positive(float), metavar="SECONDS",
                      help="end the quiz after this long; questions left count as unanswered")
    quiz.set_defaults(handler=quiz_command)
    return quiz
