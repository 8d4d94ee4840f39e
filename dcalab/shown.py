"""Text dcalab did not write itself (a node's output, a command that carries a join token), made safe to show
a learner: no credential.

It is applied where such text enters what a learner sees: every DcalabError (the CLI's messages, vagrant's
last words, a grade's reasons) and every graded finding (dcalab.grading), from which the terminal table, the
JSON and HTML reports and the exam are made.
"""

from __future__ import annotations

import re

SECRET = re.compile(r"(SWMTKN|SWMKEY)-[\w+/=-]+")  # swarm join tokens and autolock unlock keys


def redact(text: str) -> str:
    """Hide swarm join tokens and unlock keys: reports, history and messages must never hold a credential."""
    return SECRET.sub(r"\1-(hidden)", text)
