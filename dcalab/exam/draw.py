"""What an exam asks: questions shared out by the domains' weights, and how each one is shown.

The real DCA exam has 55 items: 42 DOMC and 13 multiple choice. Any question of the bank can be shown
either way, so the exam chooses how to show each one, whatever its own `kind`.

>>> shares(55)
{'orchestration': 14, 'image-registry': 11, 'installation-configuration': 8, 'networking': 8, 'security': 8, \
'storage-volumes': 6}
>>> domc_count(55), domc_count(4)
(42, 3)
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence

from dcalab.dca import DOMAINS
from dcalab.exam.readiness import WEIGHTS
from dcalab.quiz.bank import Question
from dcalab.quiz.engine import one_per_fact, select, shown_kind

EXAM_ITEMS, EXAM_DOMC = 55, 42
# Shown as DOMC first: questions written as DOMC, then mcq; a multi's options are the likeliest to lean on each other.
DOMC_RANK = {"domc": 0, "mcq": 1, "multi": 2}


def shares(count: int, available: Mapping[str, int] | None = None) -> dict[str, int]:
    """`count` items shared out by the domains' weights, no domain above what `available` has (if given)."""
    taken = dict.fromkeys(WEIGHTS, 0)
    for slot in range(1, count + 1):
        open_domains = [d for d in WEIGHTS if available is None or taken[d] < available.get(d, 0)]
        if not open_domains:
            break
        # the domain furthest below its share of the items so far gets the next one
        domain = max(open_domains, key=lambda d: WEIGHTS[d] * slot / 100 - taken[d])
        taken[domain] += 1
    return taken


def pick_questions(bank: Sequence[Question], count: int, rng: random.Random,
                   seen: Mapping[str, int] | None = None) -> tuple[list[Question], list[str]]:
    """`count` questions shared out by the domains' weights, never two of one fact group, in random order, and what
    the learner should know first: that the bank holds fewer (all are asked), or a sentence for each domain the bank
    has too few questions for (other domains fill its place). In each domain the questions never `seen` come first,
    then those seen longest ago."""
    distinct = one_per_fact(bank, rng, seen)
    if count >= len(distinct):  # the whole bank: one line says so, not one per domain
        rng.shuffle(distinct)
        if count == len(distinct):
            return distinct, []
        different = "" if len(distinct) == len(bank) else \
            f" ({len(distinct)} different ones: items that ask the same thing count once)"
        return distinct, [f"The bank holds {len(bank)} questions{different}, and this exam asks all of them."]
    wanted, taken = shares(count), shares(count, Counter(question.domain for question in distinct))
    notes = [f"The bank has {taken[d]} {DOMAINS[d][0]} questions, not the {wanted[d]} its weight asks for: "
             "other domains fill the gap." for d in WEIGHTS if taken[d] < wanted[d]]
    picked = [question for domain in WEIGHTS
              for question in select(distinct, rng=rng, domain=domain, count=taken[domain], seen=seen)]
    rng.shuffle(picked)
    return picked, notes


def domc_count(count: int) -> int:
    """How many of `count` items are DOMC, in the real exam's proportion (42 of 55)."""
    return round(count * EXAM_DOMC / EXAM_ITEMS)


def presentations(questions: Sequence[Question], domc: int, rng: random.Random) -> list[str]:
    """How each question is shown (domc, mcq or multi): `domc` of them as DOMC, the others as multiple choice.

    Questions written as DOMC are the first chosen for DOMC, then mcq, then multi; at random among equals."""
    order = sorted(range(len(questions)), key=lambda i: (DOMC_RANK[questions[i].kind], rng.random()))
    as_domc = set(order[:domc])
    return [shown_kind(question, i in as_domc) for i, question in enumerate(questions)]
