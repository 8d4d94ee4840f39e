"""`dcalab quiz --stats`: how the bank covers the exam, by domain and kind, and the objectives it barely covers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from dcalab.quiz import DOMAINS
from dcalab.quiz.bank import KINDS, Question
from dcalab.quiz.objectives import Objective

ENOUGH = 2  # issue 18: every study-guide objective is covered by at least two items


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
    return "\n".join(lines)
