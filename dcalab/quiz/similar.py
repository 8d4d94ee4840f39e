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
