"""The prefetch plan: the commands the last read-only grade of a lab asked each node, which the next grade of
that lab asks first, in one round trip per node (Cluster.prefetch).

A state file, keyed by lab, cluster and user: a plan that is missing, truncated, not a plan, or names
a node the topology no longer has is ignored (the grade then asks as it goes), and it is written whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from dcalab.errors import DcalabError, warn
from dcalab.settings import state_dir, write_whole
from dcalab.topology import topology


def plan_file(cluster: str, labs: Iterable[str], user: str) -> Path | None:
    """Where the plan is kept for these labs graded on this cluster, as this node user (--lab-user) by this
    local user (a state folder may be shared). None, after one warning line, when there is no state folder to keep
    it in (a read-only HOME, a DCALAB_STATE others may write): the plan is only a shortcut."""
    key = json.dumps([cluster, sorted(labs), user, os.geteuid()])
    try:
        folder = state_dir()
    except (DcalabError, OSError) as error:
        _warn_once(f"the grade asks the nodes as it goes, without the last grade's plan: {error}")
        return None
    return folder / f"grade-plan-{cluster}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


@cache
def _warn_once(message: str) -> None:
    warn(message)


def load_plan(path: Path | None) -> dict[str, list[str]]:
    """The plan in the file; {} when there is none to trust."""
    if path is None:
        return {}
    try:
        plan = json.loads(path.read_text())
    except (OSError, ValueError):  # missing, unreadable, truncated, not JSON
        return {}
    nodes = {node.name for node in topology().nodes}
    valid = isinstance(plan, dict) and all(
        node in nodes and isinstance(commands, list) and all(isinstance(command, str) for command in commands)
        for node, commands in plan.items())
    return plan if valid else {}


def save_plan(path: Path | None, plan: dict[str, list[str]]) -> None:
    """Keep the plan for the next grade; nothing without a state folder, or when it cannot be written."""
    if path is not None:
        with contextlib.suppress(OSError):  # only a shortcut: without it the next grade asks as it goes
            write_whole(path, json.dumps(plan))
