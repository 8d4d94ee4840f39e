"""The prefetch plan: the commands the last read-only grade of a lab asked each node, which the next grade of
that lab asks first, in one round trip per node (Cluster.prefetch).

A state file, keyed by lab, cluster and user: a plan that is missing, truncated, not a plan, or names
a node the topology no longer has is ignored (the grade then asks as it goes), and it is written whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from dcalab.settings import state_dir, write_whole
from dcalab.topology import topology


def plan_file(cluster: str, labs: Iterable[str], user: str) -> Path:
    """Where the plan is kept for these labs graded on this cluster, as this node user (--lab-user) by this
    local user (a state folder may be shared)."""
    key = json.dumps([cluster, sorted(labs), user, os.geteuid()])
    return state_dir() / f"grade-plan-{cluster}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def load_plan(path: Path) -> dict[str, list[str]]:
    """The plan in the file; {} when there is none to trust."""
    try:
        plan = json.loads(path.read_text())
    except (OSError, ValueError):  # missing, unreadable, truncated, not JSON
        return {}
    nodes = {node.name for node in topology().nodes}
    valid = isinstance(plan, dict) and all(
        node in nodes and isinstance(commands, list) and all(isinstance(command, str) for command in commands)
        for node, commands in plan.items())
    return plan if valid else {}


def save_plan(path: Path, plan: dict[str, list[str]]) -> None:
    write_whole(path, json.dumps(plan))
