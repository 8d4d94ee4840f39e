"""Turning a task's verdicts into points, a status and a message a learner can act on."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from checks import Verdict
from dcalab.errors import GraderDefect
from dcalab.lab import CONCEPT, SubCheck, Task
from dcalab.shown import shown

PASS, FAIL, BLOCKED, ENV_ERROR = "PASS", "FAIL", "BLOCKED", "ENV-ERROR"
REBOOT_MODE = "reboot"  # a grade after pytest --lab-reboot restarted the nodes: its reports' and history's mode
# What every FAIL and BLOCKED of such a grade adds to its hint: the reboot may be what undid the learner's work.
AFTER_REBOOT = ("This grade restarted the nodes first: what you set up must survive a reboot — a container needs a "
                "restart policy (docker run --restart always), daemon settings belong in /etc/docker/daemon.json, "
                "docker must be enabled (systemctl enable docker), and an autolocked swarm needs its unlock key "
                "(docker swarm unlock).")


@dataclass(frozen=True)
class CheckResult:
    check: SubCheck
    verdicts: dict[str, Verdict]  # by node ("" when the check is about the cluster as a whole)

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts.values())

    @property
    def earned(self) -> int:
        return self.check.points if self.passed else 0

    def describe(self, hints: str = CONCEPT) -> str:
        """Expected, found per node, and the hint of the tier chosen (none, concept or full)."""
        failing = {node: v for node, v in self.verdicts.items() if not v.passed}
        first = next(iter(failing.values()))
        lines = [f"  {self.check.id} ({self.earned}/{self.check.points}): expected {first.expected}"]
        lines += [f"      found{f' on {node}' if node else ''}: {v.found}" for node, v in failing.items()]
        if hint := self.check.hint_at(hints):
            lines.append(f"    hint: {hint}")
        return "\n".join(lines)


@dataclass
class TaskResult:
    task: Task
    status: str
    checks: list[CheckResult] = field(default_factory=list)
    reason: str = ""  # for BLOCKED, ENV-ERROR and a FAIL without checks: why, with the fix
    notes: list[str] = field(default_factory=list)
    rebooted: bool = False  # graded after pytest --lab-reboot restarted the nodes

    def __post_init__(self) -> None:
        self.reason = shown(self.reason)
        self.notes = [shown(note) for note in self.notes]

    @property
    def score(self) -> int:
        return sum(check.earned for check in self.checks)

    @property
    def hint(self) -> str:
        return self.hint_at(CONCEPT)

    @property
    def reboot_hint(self) -> str:
        """AFTER_REBOOT for a FAIL or BLOCKED graded after a reboot, else "": shown even without hints, as it says
        why work that passed before may fail now."""
        return AFTER_REBOOT if self.rebooted and self.status in (FAIL, BLOCKED) else ""

    def hint_at(self, tier: str) -> str:
        """The first failing check's hint of that tier; a BLOCKED task's (or a FAIL without checks) reason; then
        the reboot's sentence when there is one."""
        failing = next((check for check in self.checks if not check.passed), None)
        hint = failing.check.hint_at(tier) if failing and self.status != BLOCKED else self.reason
        return " ".join(filter(None, [hint, self.reboot_hint]))

    def describe(self, hints: str = CONCEPT) -> str:
        head = f"{self.status} {self.task.id}: {self.task.title} ({self.score}/{self.task.points} points)"
        body = [check.describe(hints) for check in self.checks if not check.passed]
        if self.reason:  # why it was blocked or could not be graded: always shown, even without hints
            body.append(f"  {self.reason}")
        body += [f"  note: {note}" for note in self.notes]
        if self.reboot_hint:
            body.append(f"  {self.reboot_hint}")
        return "\n".join([head, *body])


def verdicts(results: dict[str, TaskResult]) -> dict[str, tuple[str, int]]:
    """Each task's verdict and points: what a watch compares from one grade to the next."""
    return {task: (result.status, result.score) for task, result in results.items()}


def grade_task(task: Task, results: dict[str, Verdict | dict[str, Verdict]], notes: list[str]) -> TaskResult:
    """Score a task from its sub-checks' verdicts; every declared sub-check must be graded, no other."""
    declared = [check.id for check in task.checks]
    if sorted(results) != sorted(declared):
        wrong = []
        if missing := sorted(set(declared) - set(results)):
            wrong.append(f"leaves declared checks ungraded: {', '.join(missing)}")
        if extra := sorted(set(results) - set(declared)):
            wrong.append(f"grades checks lab.toml does not declare: {', '.join(extra)}")
        raise GraderDefect(f"task {task.id}'s test {'; '.join(wrong)}.")
    checks = []
    for check in task.checks:
        outcome = results[check.id]
        by_node = outcome if isinstance(outcome, dict) else {"": outcome}
        checks.append(CheckResult(check, {node: replace(v, expected=shown(v.expected), found=shown(v.found))
                                          for node, v in by_node.items()}))
    status = PASS if all(check.passed for check in checks) else FAIL
    return TaskResult(task, status, checks, notes=notes)
