"""`dcalab quiz`: practise DCA exam questions in the terminal."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

from dcalab import history
from dcalab.dca import DOMAINS, RIGHT_IN_A_ROW
from dcalab.errors import DcalabError, HistoryError, warn
from dcalab.outcome import save_run
from dcalab.quiz.bank import KINDS, load_bank, load_objectives
from dcalab.quiz.engine import Drill, Session, select
from dcalab.quiz.keys import Keys
from dcalab.quiz.review import from_history, history_items, print_review, print_saved
from dcalab.quiz.stats import bank_stats
from dcalab.quiz.terminal import ANSWER_RULE, Quiz, clock, count, wait_to_start, wrap

QUIZ_COUNT = 10
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
    """When each question was last answered, so that a retake draws new ones first; None if the history cannot be
    read. A history that cannot be read or written is said now, before the first question, in one warning line: the
    quiz or exam (`kind`) goes on, and its end tries to save it again."""
    try:
        seen = history.last_seen()
    except HistoryError as error:
        warn(f"this {kind} is drawn without your history, and saved in it at the end only if it can be written then. "
             f"{error}")
        return None
    say_if_unwritable(kind)
    return seen


def say_if_unwritable(kind: str) -> None:
    """One warning line, before the first question, when the history cannot be written now."""
    try:
        history.check_writable()
    except HistoryError as error:
        warn(f"this {kind} is saved in your history at the end only if it can be written then. {error}")


def run_mode(session: Session) -> str:
    """How a session ended, as the history's mode column says it."""
    return "timed-out" if session.timed_out else "interrupted" if session.stopped else "done"


def _filters(args: argparse.Namespace) -> str:
    return " ".join(f"--{name} {value}" for name, value in (("domain", args.domain), ("kind", args.kind)) if value)


def _drill(args: argparse.Namespace, rng: random.Random) -> tuple[Drill | None, str]:
    """The questions answered wrong and not yet right twice in a row since, and the quiz's first line."""
    streaks = history.missed()
    questions = select([q for q in load_bank() if q.id in streaks], rng=rng, domain=args.domain, kind=args.kind,
                       count=args.count)
    if not questions:
        if streaks:
            return None, f"None of the {count(len(streaks), 'question')} you missed matches {_filters(args)}."
        return None, ("Nothing to drill: every question you answered wrong has since been answered right "
                      f"{RIGHT_IN_A_ROW} times in a row (or none was wrong).")
    return Drill(questions, streaks, rng=rng), (
        f"Drill of the questions you missed: {count(len(questions), 'question')}, each asked again until you answer "
        f"it right {RIGHT_IN_A_ROW} times in a row.")


def _draw(args: argparse.Namespace, rng: random.Random, seen: dict[str, int] | None) -> tuple[Session, str]:
    """A quiz's questions, those never seen first, and its first line."""
    wanted = args.count or QUIZ_COUNT
    questions = select(load_bank(), rng=rng, domain=args.domain, kind=args.kind, count=wanted, seen=seen)
    if not questions:
        raise DcalabError(f"No question in the bank matches {_filters(args)}.",
                          "Leave out --kind or --domain, or choose another.")
    intro = f"DCA practice quiz: {count(len(questions), 'question')}."
    if len(questions) < wanted:
        verb = "matches" if len(questions) == 1 else "match"
        intro = f"Only {count(len(questions), 'question')} {verb}, so the quiz asks all of them."
    return Session(questions, rng=rng), intro


def quiz_command(args: argparse.Namespace) -> int:
    if args.stats:
        print(bank_stats(load_bank(), load_objectives()))
        return 0
    rng = random.Random(args.seed)
    if args.missed:  # a drill needs the history: an error there stops it in one sentence
        drill, intro = _drill(args, rng)
        if drill is None:
            print(intro, flush=True)
            return 0
        session = drill
        say_if_unwritable("drill")
    else:
        session, intro = _draw(args, rng, seen_questions("quiz"))
    if args.time_limit:
        intro += f" Time limit: {clock(args.time_limit)}."
    print(wrap(f"{intro} {ANSWER_RULE} Ctrl-C stops and shows your progress."), flush=True)
    keys = Keys(sys.stdin.fileno())
    if args.time_limit:  # the clock starts once the learner has read this, as in the exam
        wait_to_start(keys, sys.stdout)
        session.deadline = time.monotonic() + args.time_limit
    status = Quiz(session, keys, sys.stdout).run()
    items = history_items(session.items, session.results)  # a stopped quiz keeps the answers given
    subject = "missed" if args.missed else "quiz"
    run = save_run("quiz", subject, run_mode(session), "-", items) if items else None
    if not session.stopped:
        print_review(from_history(items), sys.stdout)
    if isinstance(session, Drill) and session.mastered:
        print(f"\nEvery question you missed is now answered right {RIGHT_IN_A_ROW} times in a row.", flush=True)
    print_saved(run, sys.stdout)
    return status


def add_quiz_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `quiz` on a parser's subcommands; its handler returns the exit status."""
    quiz = subparsers.add_parser("quiz", help="practise DCA exam questions (DOMC and multiple choice)",
                                 description="Answer DCA exam questions in the terminal: a letter, then Enter.")
    quiz.add_argument("--domain", choices=list(DOMAINS), help="only this exam domain")
    quiz.add_argument("--count", type=positive(int), metavar="N",
                      help=f"how many questions (default {QUIZ_COUNT}; with --missed, all of them)")
    quiz.add_argument("--missed", action="store_true",
                      help=f"drill the questions you answered wrong, each until answered right {RIGHT_IN_A_ROW} times "
                      "in a row (kept in your history, so a drill goes on where the last one stopped)")
    quiz.add_argument("--kind", choices=KINDS, help="only this kind of question")
    quiz.add_argument("--seed", type=int, help=SEED_HELP)
    quiz.add_argument("--time-limit", type=positive(float), metavar="SECONDS",
                      help="end the quiz after this long; questions left count as unanswered")
    quiz.add_argument("--stats", action="store_true",
                      help="print the bank's items per domain and kind and the objectives with fewer than two items")
    quiz.set_defaults(handler=quiz_command)
    return quiz
