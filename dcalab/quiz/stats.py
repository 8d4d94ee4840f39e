"""`dcalab quiz --stats`: how the bank covers the exam, by domain and kind, the objectives it barely covers, and
the cues a test-wise learner could score with instead of knowing Docker (issue 32)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dcalab.dca import DOMAINS
from dcalab.objectives import Objective
from dcalab.quiz.bank import KINDS, Question

ENOUGH = 2  # issue 18: every study-guide objective is covered by at least two items
LONG_KEY = 1.5  # an mcq key this many times as long as its longest distractor points at itself


def _mean(numbers: list[int]) -> float:
    return sum(numbers) / len(numbers) if numbers else 0.0


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({round(100 * part / whole) if whole else 0} %)"


@dataclass(frozen=True)
class Cues:
    """What a test-wise learner could score with instead of knowing Docker, counted over a bank."""

    mcq: int  # mcq items
    longest_key: int  # mcq items whose key is strictly the longest option
    long_key: int  # ... and more than LONG_KEY times as long as the longest distractor
    first_key: int  # mcq items whose key is the first option in the files
    domc_options: int  # options of domc items
    domc_correct: int  # ... that are correct (the DOMC yes-rate's numerator)
    correct_length: float  # mean length of the correct options of domc items, in characters
    wrong_length: float  # ... and of their wrong options
    groups: int  # fact groups
    grouped: int  # items in a fact group


def cues(questions: Iterable[Question]) -> Cues:
    """The cue figures of `questions`, as --stats prints them and the bank's tests bound them."""
    questions = list(questions)
    mcq = [q for q in questions if q.kind == "mcq"]
    keys = [(next(len(o.text) for o in q.options if o.correct),
             max(len(o.text) for o in q.options if not o.correct)) for q in mcq]
    domc = [o for q in questions if q.kind == "domc" for o in q.options]
    grouped = [q for q in questions if q.fact]
    return Cues(len(mcq), sum(key > distractor for key, distractor in keys),
                sum(key > LONG_KEY * distractor for key, distractor in keys),
                sum(q.options[0].correct for q in mcq), len(domc), sum(o.correct for o in domc),
                _mean([len(o.text) for o in domc if o.correct]), _mean([len(o.text) for o in domc if not o.correct]),
                len({q.fact for q in grouped}), len(grouped))


def cue_figures(questions: list[Question]) -> list[str]:
    """The bank's cues, as --stats prints them: how often the mcq key is the longest option, the DOMC yes-rate,
    the lengths of correct and wrong options, the key's place in the files, and the fact groups."""
    found = cues(questions)
    return [
        "Cues a test-wise learner could use (issue 32):",
        f"  mcq key is the strictly longest option: {_share(found.longest_key, found.mcq)}; over {LONG_KEY:g} x the "
        f"longest distractor: {found.long_key}",
        f"  mcq key is the first option in the files: {_share(found.first_key, found.mcq)}",
        f"  DOMC yes-rate (correct share of domc options): {_share(found.domc_correct, found.domc_options)}",
        f"  domc option length, correct / wrong: {found.correct_length:.0f} / {found.wrong_length:.0f} characters",
        f"  fact groups (items asking the same thing, one per quiz or exam): {found.groups} groups of "
        f"{found.grouped} items",
    ]


def thin_objectives(questions: Iterable[Question], objectives: Mapping[str, Objective]) -> list[tuple[Objective, int]]:
    """(objective, items) for each objective with fewer than ENOUGH items, in the guide's order (twins left out)."""
    counts = Counter(q.objective_id for q in questions)
    return [(objective, counts[objective.id]) for objective in objectives.values()
            if not objective.same_as and counts[objective.id] < ENOUGH]


def bank_stats(questions: list[Question], objectives: Mapping[str, Objective]) -> str:
    """The report --stats prints: a table of items per domain and kind, then the thin objectives."""
    counts = Counter((q.domain, q.kind) for q in questions)
    width = max(len(title) for title, _ in DOMAINS.values())
    lines = [f"{'Domain':<{width}}  " + "  ".join(f"{kind:>5}" for kind in KINDS) + "  total"]
    for domain, (title, _) in DOMAINS.items():
        row = [counts[domain, kind] for kind in KINDS]
        lines.append(f"{title:<{width}}  " + "  ".join(f"{n:>5}" for n in row) + f"  {sum(row):>5}")
    totals = [sum(counts[domain, kind] for domain in DOMAINS) for kind in KINDS]
    lines.append(f"{'All domains':<{width}}  " + "  ".join(f"{n:>5}" for n in totals) + f"  {sum(totals):>5}")
    thin = thin_objectives(questions, objectives)
    counted = sum(1 for objective in objectives.values() if not objective.same_as)
    lines += ["", f"Study-guide objectives with fewer than {ENOUGH} items: {len(thin)} of {counted}", "  id    items"]
    lines += [f"  {objective.id:<5} {items:>5}  {objective.text}" + ("  (knowledge only)" * objective.knowledge_only)
              for objective, items in thin]
    return "\n".join([*lines, "", *cue_figures(questions)])
