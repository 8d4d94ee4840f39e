"""The review after a quiz or an exam: every item as the learner met it (each option, what was answered and
the key), the explanation and the source, wrong items first; in the terminal, or as one HTML page.

An item's answer is kept in the history as a record (`answer_record`), so a review later (`dcalab review`)
shows the item as it was asked, even if the bank has changed since.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from dcalab.dca import CORRECT, DOMAINS, UNANSWERED, WRONG
from dcalab.history import Item as HistoryItem
from dcalab.history import Run
from dcalab.quiz.engine import Item, Result, shown_stem
from dcalab.quiz.terminal import count, wrap
from dcalab.report import pages

YES, NO, NOT_SHOWN, CHOSEN, NOT_CHOSEN = "yes", "no", "not shown", "chosen", ""
AFTER_NOTE = "shown after the item was decided, not scored"
OUTCOME_ORDER = (WRONG, UNANSWERED, CORRECT)  # what to study comes first
SHOWN_AS = {"domc": "DOMC", "mcq": "multiple choice", "multi": "multiple choice"}


@dataclass(frozen=True)
class Shown:
    """One option as the learner met it."""

    text: str
    correct: bool
    answer: str  # DOMC: yes, no or "not shown"; multiple choice: "chosen" or ""
    after: bool = False  # DOMC: shown after the item was decided, answered but not scored

    @property
    def mistaken(self) -> bool:
        """The answer given contradicts the key (an option never shown, not chosen in time, or shown after the
        item was decided is no mistake)."""
        return not self.after and ((self.answer in (YES, CHOSEN) and not self.correct)
                                   or (self.answer == NO and self.correct))


@dataclass(frozen=True)
class Reviewed:
    """One item of a run as the review shows it."""

    id: str
    outcome: str  # correct, wrong or unanswered
    domain: str  # the study guide's title
    objective: str
    kind: str  # as shown: domc, mcq or multi
    stem: str
    options: tuple[Shown, ...]  # in the order shown
    explanation: str
    source: str

    @property
    def shown_as(self) -> str:
        return SHOWN_AS[self.kind]


def answer_record(item: Item, result: Result) -> dict[str, Any]:
    """What the history keeps of an answered item: enough to review it without the bank."""
    question, answered = item.question, len(result.accepted) + len(result.rejected)

    def answer(position: int, index: int) -> dict[str, Any]:
        if item.kind != "domc":
            return {"answer": CHOSEN if index in result.accepted else NOT_CHOSEN}
        if result.after and result.after[0] == index:
            return {"answer": YES if result.after[1] else NO, "after": True}
        return {"answer": NOT_SHOWN if position >= answered else YES if index in result.accepted else NO}

    options = [{"text": question.options[index].text, "correct": question.options[index].correct,
                **answer(position, index)} for position, index in enumerate(result.shown)]
    return {"kind": item.kind, "stem": shown_stem(question, item.kind), "options": options,
            "explanation": question.explanation, "source": question.source}


def from_history(items: Iterable[HistoryItem]) -> list[Reviewed]:
    """The review of a run's questions, wrong first, then unanswered, then correct, each in the order asked."""
    reviewed = [Reviewed(i.item, i.status, i.domain, i.objective, i.answer["kind"], i.answer["stem"],
                         tuple(Shown(**option) for option in i.answer["options"]), i.answer["explanation"],
                         i.answer["source"]) for i in items if i.answer]
    return sorted(reviewed, key=lambda r: OUTCOME_ORDER.index(r.outcome))


def history_items(items: Iterable[Item], results: Iterable[Result]) -> list[HistoryItem]:
    """Answered questions as history items (1 point each, the domain by its title as lab tasks name it).

    `results` may be shorter than `items` (a stopped quiz): only the items with a result count."""
    return [HistoryItem(r.question_id, r.outcome, int(r.correct), 1, DOMAINS[r.domain][0], r.objective,
                        answer_record(item, r), (item.question.objective_id,))
            for item, r in zip(items, results, strict=False)]


def summary(reviewed: list[Reviewed]) -> str:
    """`2 wrong, 1 unanswered, 5 correct`."""
    return ", ".join(f"{sum(r.outcome == outcome for r in reviewed)} {outcome}" for outcome in OUTCOME_ORDER
                     if any(r.outcome == outcome for r in reviewed))


def print_review(reviewed: list[Reviewed], out: TextIO) -> None:
    """Every item: outcome, stem, each option with your answer and the key (! where they differ), why, source."""
    out.write("\n" + wrap(f"Review of {count(len(reviewed), 'question')} ({summary(reviewed)}), wrong and "
                          "unanswered first; ! marks an answer that is not the key's:") + "\n")
    for number, item in enumerate(reviewed, 1):
        out.write("\n" + wrap(f"{number}. {item.outcome.capitalize()}: {item.id}, {item.domain} ({item.objective}), "
                              f"shown as {item.shown_as}") + "\n")
        out.write(wrap(item.stem, "   ") + "\n")
        out.write(f"     {'You':<10} {'Key':<4} Option\n")
        for letter, option in zip("abcdefgh", item.options, strict=False):
            text = option.text if item.kind == "domc" else f"{letter}) {option.text}"
            text += f" ({AFTER_NOTE})" if option.after else ""
            line = f"   {'!' if option.mistaken else ' '} {option.answer:<10} {'yes' if option.correct else 'no':<4} "
            out.write(wrap(text, line) + "\n")
        out.write(wrap(item.explanation, "   Why: ") + "\n")
        out.write(f"   Source: {item.source}\n")  # a link kept whole on its line
    out.flush()


def print_saved(run: int | None, out: TextIO) -> None:
    """Where the run is kept, and how to see its review again (nothing when the history could not be written)."""
    if run is not None:
        out.write("\n" + wrap(f"Saved in your history: dcalab history. This review again: dcalab review {run} "
                               f"(as a page: dcalab review {run} --html review.html)") + "\n")
        out.flush()


def render_review_html(run: Run, reviewed: list[Reviewed], result: list[str]) -> str:
    """One self-contained page: the run's score and `result` (its lines: pass mark, verdict, readiness), then a card
    per item, wrong items first."""
    return pages().get_template("review.html.j2").render(
        run=run, items=reviewed, summary=summary(reviewed), result="\n".join(result), after_note=AFTER_NOTE,
        timestamp=time.strftime("%Y-%m-%d %H:%M:%S %Z"))
