"""Text dcalab did not write itself (a node's output, a command that carries a join token), made safe to show
a learner: no credential, no terminal control.

It is applied where such text enters what a learner sees: every DcalabError (the CLI's messages, vagrant's
last words, a grade's reasons), every graded finding (dcalab.grading), from which the terminal table, the
JSON and HTML reports and the exam are made, and `dcalab cluster status`'s lines.
"""

from __future__ import annotations

import re

SECRET = re.compile(r"(SWMTKN|SWMKEY)-[\w+/=-]+")  # swarm join tokens and autolock unlock keys
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0, DEL and C1; newline and tab are layout


def redact(text: str) -> str:
    """Hide swarm join tokens and unlock keys: reports, history and messages must never hold a credential."""
    return SECRET.sub(r"\1-(hidden)", text)


def shown(text: str) -> str:
    """The text with credentials hidden and each terminal control character written out (ESC as \\x1b): a crafted
    file name can neither repaint the learner's terminal nor hide what it holds."""
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", redact(text))
