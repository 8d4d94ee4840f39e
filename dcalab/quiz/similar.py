"""Near-duplicate stems: two items that ask the same thing in nearly the same words.

Stems are compared word by word (difflib on their normalised words), so "Which statements about swarm stacks are
true?" and "... swarm autolock ..." differ, while a stem asked again with a word added or changed does not.

>>> near_duplicates([("a", "Which command shows the tasks of service web?"),
...                  ("b", "Which command shows the tasks of the service web?")])
[('a', 'b', 0.94)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import cache

SIMILAR = 0.9  # difflib's ratio of two stems' words at or above which they are near-duplicates
# ratio <= 2*shorter/(shorter+longer), so stems whose word counts differ more than this cannot reach SIMILAR.
LENGTH_SHARE = SIMILAR / (2 - SIMILAR)


@cache
def normalised(stem: str) -> tuple[str, ...]:
    """The stem as compared: its words in lower case, without the "(Choose two.)" a multi adds."""
    return tuple(re.findall(r"[a-z0-9]+", re.sub(r"\((?:choose|select)[^)]*\)", " ", stem.lower())))


def near_duplicates(items: Sequence[tuple[str, str]],
                    known: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str, float]]:
    """(id, id, ratio) for each pair of (id, stem) at least SIMILAR alike: among items, and items against known.

    Pairs within `known` (a bank already checked) are not compared again.
    """
    tagged = sorted([(normalised(stem), qid, True) for qid, stem in items]
                    + [(normalised(stem), qid, False) for qid, stem in known], key=lambda entry: len(entry[0]))
    matcher = SequenceMatcher(None, autojunk=False)
    found = []
    for index, (longer, longer_id, longer_new) in enumerate(tagged):
        matcher.set_seq2(longer)  # difflib caches its index of the second sequence
        for shorter, shorter_id, shorter_new in reversed(tagged[:index]):
            if len(shorter) < LENGTH_SHARE * len(longer):
                break  # sorted by length: every earlier stem is shorter still
            if not (longer_new or shorter_new):
                continue
            matcher.set_seq1(shorter)
            if matcher.quick_ratio() >= SIMILAR and (ratio := matcher.ratio()) >= SIMILAR:
                first, second = sorted((shorter_id, longer_id))
                found.append((first, second, round(ratio, 2)))
    return sorted(found)


SAME_KEY = 0.8  # difflib's ratio of two keys' words at or above which two items may ask the same thing
CONTAINED = 3  # ... or a key of this many words or more, repeated whole inside the other's key


def _repeats(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    """One key nearly the other, or the shorter (CONTAINED words or more) repeated whole inside the longer."""
    shorter, longer = sorted((first, second), key=len)
    matcher = SequenceMatcher(None, shorter, longer, autojunk=False)
    if matcher.quick_ratio() >= SAME_KEY and matcher.ratio() >= SAME_KEY:
        return True
    return len(shorter) >= CONTAINED and matcher.find_longest_match().size == len(shorter)


def shared_keys(items: Sequence[tuple[str, str, tuple[str, ...]]],
                known: Sequence[tuple[str, str, tuple[str, ...]]] = ()) -> list[tuple[str, str, str]]:
    """(id, id, key) for each pair of (id, fact, keys) where a key of one repeats a key of the other and the two do
    not share a fact: among items, and items against known (pairs within `known` are not compared).

    >>> shared_keys([("a", "", ("docker swarm join-token --rotate worker",)),
    ...              ("b", "", ("docker swarm join-token --rotate worker invalidates the old token",))])
    [('a', 'b', 'docker swarm join-token --rotate worker')]
    """
    tagged = [(qid, fact, [normalised(key) for key in keys], keys, True) for qid, fact, keys in items]
    tagged += [(qid, fact, [normalised(key) for key in keys], keys, False) for qid, fact, keys in known]
    found = []
    for index, (first_id, first_fact, first_keys, first_texts, first_new) in enumerate(tagged):
        for second_id, second_fact, second_keys, _, second_new in tagged[index + 1:]:
            if not (first_new or second_new) or (first_fact and first_fact == second_fact):
                continue
            repeated = next((text for text, words in zip(first_texts, first_keys, strict=True)
                             if any(_repeats(words, other) for other in second_keys)), None)
            if repeated is not None:
                found.append((*sorted((first_id, second_id)), repeated))
    return sorted(found)
