"""The DCA domains' weights and how ready a candidate is per domain.

>>> by_domain([Item("a", "PASS", 3, 4, "Orchestration", "join"), Item("b", "wrong", 0, 1, "Security", "rbac")])
{'Orchestration': (3, 4), 'Security': (0, 1)}
>>> weighted({'Orchestration': (3, 4), 'Security': (0, 1)})
(46.875, 40)
"""

from __future__ import annotations

from collections.abc import Iterable

from dcalab.history import Item
from dcalab.quiz import DOMAINS

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
