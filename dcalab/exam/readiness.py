"""The DCA domains' weights and how ready a candidate is per domain, in one exam and day by day over the history.

>>> by_domain([Item("a", "PASS", 3, 4, "Orchestration", "join"), Item("b", "wrong", 0, 1, "Security", "rbac")])
{'Orchestration': (3, 4), 'Security': (0, 1)}
>>> weighted({'Orchestration': (3, 4), 'Security': (0, 1)})
(46.875, 40)
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter

from dcalab.dca import CORRECT, DOMAINS, UNANSWERED, WRONG
from dcalab.history import NOT_ATTEMPTS, Item
from dcalab.quiz.terminal import wrap

# Percent of the exam per domain, from Docker's DCA study guide (they add up to 100).
WEIGHTS = {"orchestration": 25, "image-registry": 20, "installation-configuration": 15,
           "networking": 15, "security": 15, "storage-volumes": 10}
# Lab tasks and history items name a domain by its title, as the study guide does.
TITLE_WEIGHTS = {DOMAINS[domain][0]: weight for domain, weight in WEIGHTS.items()}


def by_domain(items: Iterable[Item]) -> dict[str, tuple[int, int]]:
    """Points scored and possible per domain title, in the study guide's order, for the domains tested."""
    points = {title: [0, 0] for title in TITLE_WEIGHTS}
    for item in items:
        points[item.domain][0] += item.score
        points[item.domain][1] += item.max_score
    return {title: (scored, possible) for title, (scored, possible) in points.items() if possible}


def weighted(readiness: dict[str, tuple[int, int]]) -> tuple[float, int]:
    """The weighted percent over the tested domains, and the share of the exam's weight they cover."""
    covered = sum(TITLE_WEIGHTS[title] for title in readiness)
    if not covered:
        return 0.0, 0
    total = sum(TITLE_WEIGHTS[title] * scored / possible for title, (scored, possible) in readiness.items())
    return 100 * total / covered, covered


def domain_line(title: str, points: tuple[int, int] | None, missing: str) -> str:
    """`  Orchestration  25 %   75 %  (18/24 points)`, with the `missing` words for a domain without points."""
    width = max(len(title) for title in TITLE_WEIGHTS)
    head = f"  {title:<{width}}  {TITLE_WEIGHTS[title]:>2} %  "
    if points is None:
        return head + missing
    scored, possible = points
    return head + f"{100 * scored / possible:>3.0f} %  ({scored}/{possible} points)"


def result_lines(items: list[Item], pass_mark: float | None, width: int | None = None) -> list[str]:
    """A run's result as the exam gives it and its review repeats: the points (hands-on tasks, questions, total),
    the verdict against the pass mark (an exam's; None for a quiz) and the readiness per domain, counting only
    attempts (an item the time ran out on is no miss). Each line wrapped to `width` (default: the terminal's)."""
    questions = [item for item in items if item.status in (CORRECT, WRONG, UNANSWERED)]
    tasks = [item for item in items if item not in questions]
    lines = []
    if tasks:
        lines.append(f"Hands-on tasks: {sum(i.score for i in tasks)}/{sum(i.max_score for i in tasks)} points")
    if questions:
        unanswered = sum(i.status == UNANSWERED for i in questions)
        lines.append(f"Questions: {sum(i.score for i in questions)} of {len(questions)} correct"
                     + (f", {unanswered} unanswered because the time ran out" if unanswered else ""))
    scored, possible = sum(i.score for i in items), sum(i.max_score for i in items)
    percent = 100 * scored / possible if possible else 0.0
    total = f"Total: {scored}/{possible} points ({percent:.0f} %)"
    if pass_mark is not None:
        verdict = "PASSED" if percent >= pass_mark else "not passed yet"
        total += f", pass mark {pass_mark:g} % (a practice threshold): {verdict}"
    lines.append(total + ".")
    result = [wrap(line, "  ", width) for line in lines]
    readiness = by_domain(filter(_counts, items))
    result += ["", wrap("Readiness per DCA domain (weight in the exam, your share of its points):", width=width)]
    result += [wrap(domain_line(title, readiness.get(title), "not tested").lstrip(), "  ", width)
               for title in TITLE_WEIGHTS]
    ready, covered = weighted(readiness)
    summary = f"Weighted readiness: {ready:.0f} % over the domains tested ({covered} % of the exam's weight)." \
        if covered else "Weighted readiness: none, as no item was answered."
    return [*result, wrap(summary, "  ", width)]


def _counts(item: Item) -> bool:
    """An attempt at a task or question of a domain in the study guide (a history may hold others: left out)."""
    return item.domain in TITLE_WEIGHTS and item.status not in NOT_ATTEMPTS and item.max_score > 0


def by_day(runs: Iterable[tuple[str, list[Item]]]) -> dict[str, list[tuple[str, int, int]]]:
    """Per domain title (the study guide's order): (day, scored, possible) at the end of each day that attempted it,
    over the latest attempt at each of its tasks and questions until then. `runs` are (day, items), oldest first.

    >>> by_day([("2026-11-01", [Item("orc-1", "wrong", 0, 1, "Orchestration", "o")]),
    ...         ("2026-11-02", [Item("orc-1", "correct", 1, 1, "Orchestration", "o"),
    ...                         Item("orc-2", "unanswered", 0, 1, "Orchestration", "o")])])["Orchestration"]
    [('2026-11-01', 0, 1), ('2026-11-02', 1, 1)]
    """
    latest: dict[tuple[str, str], Item] = {}  # (domain, task or question) -> its latest attempt
    trend: dict[str, list[tuple[str, int, int]]] = {title: [] for title in TITLE_WEIGHTS}
    for day, runs_that_day in groupby(runs, key=itemgetter(0)):
        attempted: set[str] = set()
        for _, items in runs_that_day:
            for item in filter(_counts, items):
                latest[item.domain, item.item] = item
                attempted.add(item.domain)
        points = by_domain(latest.values())
        for title in attempted:
            trend[title].append((day, *points[title]))
    return trend
