"""A quiz session as pure logic: the current item, how each answer scores, when time is up. No I/O.

DOMC is scored the way the exam does it: options come one at a time in shuffled order, the candidate
says yes or no to each, and the item is scored as soon as its result is decided. Then, with probability
AFTER_DECIDED and if one is left, one more option is shown and answered, unscored, so that how an item
ends does not tell the candidate whether they were right (Foster and Miller 2009). mcq and multi are
all-or-nothing. How an item is shown is its own choice: any question can be shown as DOMC, or as
multiple choice (mcq with one correct option, multi "choose N" with several), whatever its `kind`.

>>> from dcalab.quiz.bank import Option, Question
>>> q = Question("img-999", "image-registry", "tags", "domc", "Which are true?",
...              (Option("right", True), Option("wrong", False)), "why", "https://docs.docker.com/")
>>> session = Session([q], rng=random.Random(1))
>>> session.answer_domc(yes=not session.current.offered_option.correct)  # a wrong answer decides it; this time
>>> result = session.answer_domc(yes=True)  # one more option is shown, answered without counting, and it ends
>>> result.outcome, result.after is not None
('wrong', True)
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dcalab.dca import CORRECT, DOMAINS, RIGHT_IN_A_ROW, UNANSWERED, WRONG
from dcalab.quiz.bank import Option, Question

CHOICE_NOTE = re.compile(r"\s*\((?:choose|select) [^)]*\)", re.IGNORECASE)  # "(Choose two.)" in a stem
COUNT_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}
AFTER_DECIDED = 0.5  # the chance that a decided DOMC item shows one more option, unscored


def shown_kind(question: Question, domc: bool) -> str:
    """How a question is shown: DOMC, or multiple choice (mcq with one correct option, multi with several)."""
    if domc:
        return "domc"
    return "mcq" if len(question.correct_indices) == 1 else "multi"


def shown_stem(question: Question, kind: str) -> str:
    """The stem as shown: DOMC judges each option alone, so no "(Choose N.)"; a multi says how many to choose."""
    stem = CHOICE_NOTE.sub("", question.stem)
    if kind == "domc":
        return stem
    if kind == "multi" and stem == question.stem:
        wanted = len(question.correct_indices)
        return f"{stem} (Choose {COUNT_WORDS.get(wanted, wanted)}.)"
    return question.stem


@dataclass(frozen=True)
class Result:
    """How one question ended: what a history database stores and a timed exam mixes in."""

    question_id: str
    domain: str
    objective: str
    kind: str  # as shown: domc, mcq or multi
    outcome: str  # CORRECT, WRONG or UNANSWERED
    shown: tuple[int, ...]  # the options (bank order) in the order they were shown
    accepted: tuple[int, ...]  # options (bank order) answered yes, or selected
    rejected: tuple[int, ...]  # DOMC options answered no
    seconds: float  # time spent on the item
    after: tuple[int, bool] | None = None  # DOMC: the option shown after the item was decided, and the yes given

    @property
    def correct(self) -> bool:
        return self.outcome == CORRECT


@dataclass
class Item:
    """A question as presented: how (its kind as shown), its options in shuffled order, the DOMC answers so far."""

    question: Question
    kind: str  # domc, mcq or multi, as shown
    order: tuple[int, ...]  # bank indices of the options, in the order they are shown
    accepted: list[int] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    decided: str = ""  # DOMC: the outcome, while one more option is shown after the item was decided
    after: tuple[int, bool] | None = None  # that option (bank index) and the yes given to it

    @property
    def options(self) -> list[Option]:
        """mcq and multi: every option, in the order shown (a, b, c...)."""
        return [self.question.options[index] for index in self.order]

    @property
    def offered(self) -> int:
        """DOMC: the bank index of the option shown now (after the item was decided: the next one, unscored)."""
        return self.order[len(self.accepted) + len(self.rejected)]

    @property
    def offered_option(self) -> Option:
        return self.question.options[self.offered]


def one_per_fact(questions: Iterable[Question], rng: random.Random,
                 seen: Mapping[str, int] | None = None) -> list[Question]:
    """The questions with at most one of each fact group (two items that ask the same thing: the second would be
    free), those never `seen` first, then those seen longest ago; random among equals."""
    pool = list(questions)
    rng.shuffle(pool)
    pool.sort(key=lambda q: (seen or {}).get(q.id, 0))  # stable: random among the unseen, and among equals
    facts: set[str] = set()
    kept = []
    for question in pool:
        if question.fact in facts:
            continue
        facts.add(question.fact or f"item {question.id}")
        kept.append(question)
    return kept


def select(questions: Iterable[Question], *, rng: random.Random, domain: str | None = None,
           kind: str | None = None, count: int | None = None, seen: Mapping[str, int] | None = None) -> list[Question]:
    """Up to `count` questions of the domain and kind asked for (any when None), in random order, never two of one
    fact group.

    With `seen` (question id -> when it was last answered, larger is later), the questions never seen are
    drawn first, then those seen longest ago: a retake meets new questions."""
    pool = one_per_fact([q for q in questions if (domain is None or q.domain == domain)
                         and (kind is None or q.kind == kind)], rng, seen)
    chosen = pool if count is None else pool[:count]
    rng.shuffle(chosen)
    return chosen


def tally(results: Iterable[Result]) -> dict[str, tuple[int, int]]:
    """Correct answers and questions per domain, in the study guide's order."""
    counts = {domain: [0, 0] for domain in DOMAINS}
    for result in results:
        counts[result.domain][0] += result.correct
        counts[result.domain][1] += 1
    return {domain: (right, total) for domain, (right, total) in counts.items() if total}


class Session:
    """Questions asked in order; `deadline` is a time.monotonic() value after which answers no longer count.

    `kinds` says how each question is shown (domc, mcq, multi); by default as its own kind."""

    def __init__(self, questions: Sequence[Question], *, kinds: Sequence[str] | None = None,
                 rng: random.Random | None = None, deadline: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rng = rng or random.Random()
        kinds = kinds or [q.kind for q in questions]
        self.items = [self._item(q, kind) for q, kind in zip(questions, kinds, strict=True)]
        self.results: list[Result] = []
        self.deadline = deadline
        self.clock = clock
        self.timed_out = False
        self.stopped = False
        self._item_started = clock()

    @property
    def finished(self) -> bool:
        return self.stopped or len(self.results) == len(self.items)

    @property
    def current(self) -> Item | None:
        return None if self.finished else self.items[len(self.results)]

    def remaining(self) -> float | None:
        """Seconds left before the deadline, or None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - self.clock())

    def expire(self) -> None:
        """Time is up: the current item and every later one end unanswered."""
        self.timed_out = True
        while (item := self.current) is not None:
            self._finish(item, item.decided or UNANSWERED)  # a decided item keeps its outcome

    def stop(self) -> None:
        """End early (the candidate quit): only the items already decided have results."""
        self.stopped = True

    def answer_domc(self, yes: bool) -> Result | None:
        """Yes or no to the offered option; the item's Result once decided, None while it goes on."""
        item, position = self._current(domc=True), len(self.results)
        if self._late():
            return self.results[position]
        index = item.offered
        if item.decided:  # the option shown after the item was decided: answered, not scored
            item.after = (index, yes)
            return self._finish(item, item.decided)
        (item.accepted if yes else item.rejected).append(index)
        if yes != item.question.options[index].correct:  # a wrong yes or a wrong no decides the item at once
            outcome = WRONG
        elif set(item.accepted) == item.question.correct_indices:
            outcome = CORRECT
        else:
            return None
        if len(item.accepted) + len(item.rejected) < len(item.order) and self.rng.random() < AFTER_DECIDED:
            item.decided = outcome
            return None
        return self._finish(item, outcome)

    def answer_choice(self, picks: Iterable[int]) -> Result:
        """mcq or multi: the positions picked (0 for a, 1 for b...), scored all-or-nothing."""
        item, position = self._current(domc=False), len(self.results)
        positions = set(picks)
        if not positions or not positions <= set(range(len(item.order))):
            raise ValueError(f"{item.question.id}: pick positions between 0 and {len(item.order) - 1}")
        if item.kind == "mcq" and len(positions) != 1:
            raise ValueError(f"{item.question.id}: an mcq takes exactly one answer")
        if self._late():
            return self.results[position]
        item.accepted = sorted(item.order[p] for p in positions)
        return self._finish(item, CORRECT if set(item.accepted) == item.question.correct_indices else WRONG)

    def _item(self, question: Question, kind: str) -> Item:
        """The question as shown this time: its options in a new random order."""
        return Item(question, kind, tuple(self.rng.sample(range(len(question.options)), len(question.options))))

    def _current(self, *, domc: bool) -> Item:
        item = self.current
        if item is None:
            raise ValueError("the session is over: there is no question to answer")
        if (item.kind == "domc") != domc:
            method = "answer_domc" if item.kind == "domc" else "answer_choice"
            raise ValueError(f"{item.question.id} is shown as {item.kind}: answer it with {method}()")
        return item

    def _late(self) -> bool:
        """True (and the session expired) when an answer arrives after the deadline."""
        if self.deadline is not None and self.clock() >= self.deadline:
            self.expire()
        return self.timed_out

    def _finish(self, item: Item, outcome: str) -> Result:
        now = self.clock()
        q = item.question
        result = Result(q.id, q.domain, q.objective, item.kind, outcome, item.order, tuple(item.accepted),
                        tuple(item.rejected), now - self._item_started, item.after)
        self.results.append(result)
        self._item_started = now
        return result


class Drill(Session):
    """Missed questions, each asked again (at the end of the queue) until answered right RIGHT_IN_A_ROW times in
    a row; `streaks` holds the right answers in a row each question has already (from the history)."""

    def __init__(self, questions: Sequence[Question], streaks: Mapping[str, int], *,
                 rng: random.Random | None = None, deadline: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(questions, rng=rng, deadline=deadline, clock=clock)
        self.streaks = {question.id: streaks.get(question.id, 0) for question in questions}

    @property
    def mastered(self) -> bool:
        """Every question is answered right RIGHT_IN_A_ROW times in a row."""
        return all(streak >= RIGHT_IN_A_ROW for streak in self.streaks.values())

    def _finish(self, item: Item, outcome: str) -> Result:
        result = super()._finish(item, outcome)
        if outcome != UNANSWERED:  # time up: the drill ends, and the streaks stand
            question = item.question
            self.streaks[question.id] = self.streaks[question.id] + 1 if outcome == CORRECT else 0
            if self.streaks[question.id] < RIGHT_IN_A_ROW:
                self.items.append(self._item(question, item.kind))
        return result
