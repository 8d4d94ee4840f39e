"""Every error dcalab explains: a sentence saying what is wrong and the command that fixes it.

One hierarchy for transports, checks, the harness and the CLI. What a grade makes of each:
EnvironmentFault and GraderDefect are ENV-ERROR (not the learner's doing), NodeRefused and SolveError are
FAIL (the learner's state, or a solve step, is at fault).
"""

import os
import shlex
import sys
from pathlib import Path

from dcalab.progress import say
from dcalab.shown import shown

# The settings that choose what root would make for the learner; sudo drops the environment, so a fix names them.
SETTINGS_FOR_ROOT = ("DCALAB_NODE_SUITE", "DCALAB_IMAGES", "DCALAB_DEBIAN_MIRROR", "DCALAB_PLATFORM")


class DcalabError(Exception):
    """A problem dcalab explains in one sentence, with the fix; both may quote a node or a command, so both are
    made safe to show (dcalab.shown) here, once for every way they reach the learner."""

    def __init__(self, message: str, fix: str = "") -> None:
        self.message, self.fix = shown(message), shown(fix)
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} {self.fix}".strip()


class EnvironmentFault(DcalabError):
    """The harness could not look (node down, daemon not answering): never the learner's fault."""


class NodeTimeout(EnvironmentFault):
    """A node did not answer a command within the per-command timeout."""


class NodeRefused(DcalabError):
    """A node cannot be looked at because of a state the learner made (docker refusing their daemon.json)."""


class SolveError(DcalabError):
    """A solve step failed; the message says which command and why."""


class GraderDefect(DcalabError):
    """The lab's grader is wrong (an undeclared check or node): a fault of the lab, not of the learner."""


class LabFileError(DcalabError):
    """A lab.toml that does not say what a lab needs: the file, the task and the fix."""


class UnknownNode(DcalabError):
    """A node name that is not in the lab topology."""


class HistoryError(DcalabError):
    """The SQLite history cannot be read or written (locked, damaged, from a newer dcalab)."""


def warn(message: str) -> None:
    """One line on stderr for a problem that does not stop the command (its result is still shown and written); on a
    terminal, above the live line of the steps running."""
    say(f"dcalab: warning: {message}")


def as_root(arguments: str) -> str:
    """The command that runs this dcalab as root with `arguments`, for a fix: by its path (a venv's dcalab is not on
    root's PATH), with the DCALAB_ settings that choose what it makes."""
    program = Path(sys.executable).parent / "dcalab"
    command = shlex.quote(str(program)) if program.exists() else f"{shlex.quote(sys.executable)} -m dcalab"
    kept = [f"{name}={shlex.quote(os.environ[name])}" for name in SETTINGS_FOR_ROOT if os.environ.get(name)]
    return " ".join(["sudo", *(["env", *kept] if kept else []), command, arguments])
