"""The DCA domains' weights: how the exam picks its questions and how ready a candidate is per domain.

>>> by_domain([Item("a", "PASS", 3, 4, "Orchestration", "join"), Item("b", "wrong", 0, 1, "Security", "rbac")])
{'Orchestration': (3, 4), 'Security': (0, 1)}
>>> weighted({'Orchestration': (3, 4), 'Security': (0, 1)})
(46.875, 40)
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from dcalab.history import Item
from dcalab.quiz.bank import DOMAINS, Question
from dcalab.quiz.engine import select

# Percent of the exam per domain, from Docker's DCA study guide (they add up to 100).
WEIGHTS = {"orchestration": 25, "image-registry": 20, "installation-configuration": 15,
           "networking": 15, "security": 15, "storage-volumes": 10}
# Lab tasks and history items name a domain by its title, as the study guide does.
TITLE_WEIGHTS = {DOMAINS[domain][0]: weight for domain, weight in WEIGHTS.items()}


def pick_questions(bank: Sequence[Question], count: int, rng: random.Random) -> list[Question]:
    """`count` questions shared out by the domains' weights (as far as the bank has them), in random order."""
    pools = {domain: select(bank, rng=rng, domain=domain) for domain in WEIGHTS}
    taken = dict.fromkeys(WEIGHTS, 0)
    for slot in range(1, min(count, len(bank)) + 1):
        # the domain furthest below its share of the questions so far gets the next one
        open_domains = [domain for domain in WEIGHTS if taken[domain] < len(pools[domain])]
        domain = max(open_domains, key=lambda d: WEIGHTS[d] * slot / 100 - taken[d])
        taken[domain] += 1
    picked = [question for domain, pool in pools.items() for question in pool[: taken[domain]]]
    rng.shuffle(picked)
    return picked


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
