"""The grading API: one lab on one cluster; grade or solve a selection of its tasks and get the results.

The pytest plugin, `dcalab exam` and `dcalab lab start` all go through LabSession, so every way of
grading follows one verdict rule:

- every selected task is graded on its own checks; its points are the checks that hold;
- PASS when all hold, FAIL when one does not;
- BLOCKED only for a task that FAILS while a prerequisite is not PASS (prerequisites that were not
  selected are graded quietly to decide it), so a task graded alone gets the verdict of the full run;
- ENV-ERROR only when the harness cannot look at a node the task declares (down, paused, unreachable,
  timed out, docker stopped by something else than the learner's configuration) or the lab's grader is
  defective.

>>> session = LabSession(find_lab("registry"), get_cluster("embedded", read_only=True))
>>> session.run("catalog").status  # on a pristine cluster: it fails, and push-alpine is not done
'BLOCKED'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import replace

from dcalab.backends.base import Cluster
from dcalab.errors import DcalabError, EnvironmentFault, GraderDefect, NodeRefused, SolveError
from dcalab.grading import BLOCKED, ENV_ERROR, FAIL, PASS, TaskResult
from dcalab.lab import STARTED_LABS, Lab
from dcalab.progress import step
from dcalab.runner import TaskRun

SAY_SOLVING_AFTER = 1.0  # seconds: a task solved sooner goes without a progress line


class LabSession:
    """A lab graded (or solved, then graded) on a cluster; the cluster's shells stay open between runs."""

    def __init__(self, lab: Lab, cluster: Cluster, solving: bool = False, debug: bool = False,
                 rebooted: bool = False) -> None:
        # the lab as this cluster's learner reads it: a named cluster's addresses in its text and hints
        self.lab, self.cluster, self.solving, self.debug = lab.localized(cluster.topology), cluster, solving, debug
        self.rebooted = rebooted  # the nodes were restarted before this grade (pytest --lab-reboot): results say so
        self.results: dict[str, TaskResult] = {}  # the tasks run, in the order they ran
        self._quiet: dict[str, TaskResult] = {}  # prerequisites graded only to decide BLOCKED
        self._reachable: dict[str, str] = {}  # node -> "" or why the harness cannot reach it
        self.fresh_line: Callable[[], None] | None = None  # ends the caller's line before a progress line (pytest)
        self._start_missing: str | None = None  # asked once: see start_missing()

    def run(self, task_id: str, grader: Callable | None = None) -> TaskResult:
        """Solve (in solve mode) and grade one task; `grader` defaults to the lab's own test function. A solve
        that takes a while says which task it is on."""
        saying = step(f"Solving task {task_id}", SAY_SOLVING_AFTER, self.fresh_line) if self.solving else nullcontext()
        with saying:
            result = self._decide(self._grade(task_id, self.solving, grader))
        if self.rebooted:  # the one place a grade after a reboot marks its results (their hints then say so)
            result = replace(result, rebooted=True)
        self.results[task_id] = result
        return result

    def run_all(self, task_ids: Iterable[str] | None = None) -> dict[str, TaskResult]:
        """Run the given tasks (default: all) in the lab's order; the results by task id."""
        wanted = set(task_ids) if task_ids is not None else None
        for task in self.lab.tasks:
            if wanted is None or task.id in wanted:
                self.run(task.id)
        return self.results

    def start_missing(self) -> str:
        """A sentence when these nodes do not hold the lab's start (`dcalab cluster up` makes bare nodes), else ""
        (also when master cannot be asked: the tasks that read it say why)."""
        if self._start_missing is None:
            try:
                result = self.cluster.host("master").run("cat %s 2>/dev/null || true", STARTED_LABS)
            except Exception:  # any transport failure: the tasks' own probes name it
                result = None
            started = result is None or result.rc != 0 or self.lab.id in result.stdout.split()
            self._start_missing = "" if started else (
                f"These nodes were not started for the lab {self.lab.id}: run dcalab lab start {self.lab.id}.")
        return self._start_missing

    def again(self) -> None:
        """Forget the results, what was reachable and the nodes' answers, keep the open shells: for the next
        grade of the same lab (a live view), which then costs the commands' round trips only. After a grade
        that could not look at a node, the shells are opened anew: a node that timed out is not asked again
        on its old shell, and it may be back."""
        looked = all(result.status != ENV_ERROR for result in (*self.results.values(), *self._quiet.values()))
        self.results.clear()
        self._quiet.clear()
        self._reachable.clear()
        plan = self.cluster.asked()
        if looked:
            self.cluster.forget_answers()
        else:
            self.cluster.reconnect()
        self.cluster.prefetch(plan)  # the last grade's commands, asked afresh in one round trip per node

    # -- the verdict rule ---------------------------------------------------------------------------------------
    def _decide(self, result: TaskResult) -> TaskResult:
        """A FAIL whose prerequisite is not PASS is BLOCKED: it still lists what its own checks found."""
        if result.status != FAIL:
            return result
        for dependency in result.task.depends:
            earlier = self.results.get(dependency) or self._quiet.get(dependency)
            if earlier is None:
                earlier = self._quiet[dependency] = self._decide(self._grade(dependency, False, None))
            if earlier.status != PASS:
                reason = f"Blocked: it needs task {dependency}, which is {earlier.status}. Do {dependency} first."
                return replace(result, status=BLOCKED, reason=" ".join(filter(None, [result.reason, reason])))
        return result

    def _grade(self, task_id: str, solving: bool, grader: Callable | None) -> TaskResult:
        task = self.lab.task(task_id)
        problem = self._unreachable(task.read_nodes)
        if problem:
            return TaskResult(task, ENV_ERROR, reason=problem)
        if solving and task.read_nodes and self.start_missing():  # a solve goes from the lab's start, not elsewhere
            return TaskResult(task, FAIL, reason=f"Solving it failed: {self.start_missing()}")
        run = TaskRun(self.lab, task, self.cluster, solving)
        try:
            (grader or self.lab.graders[task_id])(run)
            if run.result is None:
                raise GraderDefect(f"task {task_id}'s test ended without calling task.grade().")
            return run.result
        except GraderDefect as defect:
            if self.debug:
                raise
            return TaskResult(task, ENV_ERROR, reason=f"Grader defect: {defect} This is a fault of the lab, not "
                              f"yours. {defect.fix}".strip())
        except EnvironmentFault as fault:
            return TaskResult(task, ENV_ERROR, reason=str(fault))
        except NodeRefused as refused:
            return TaskResult(task, FAIL, reason=str(refused))
        except SolveError as error:
            return TaskResult(task, FAIL, reason=f"Solving it failed: {error}")
        except DcalabError as error:  # the backend could not even say how to reach a node (vagrant missing, ...)
            return TaskResult(task, ENV_ERROR, reason=str(error))
        except Exception as error:  # a grader that breaks must not show the learner a traceback
            if self.debug:
                raise
            # checks turn whatever a learner's state gives them into a FAIL: an exception left is the grader's defect
            return TaskResult(task, ENV_ERROR, reason=(
                f"The grader hit an unexpected error ({type(error).__name__}: {str(error)[:200]}): a defect of the "
                "lab's grader, not your mistake. Run again with --lab-debug to see where, and report it."))

    def _unreachable(self, nodes: tuple[str, ...]) -> str:
        """A sentence naming the first node the harness cannot reach, or ""; each node is tried once."""
        for node in nodes:
            if node not in self._reachable:
                self._reachable[node] = self._probe(node)
            if self._reachable[node]:
                return self._reachable[node]
        return ""

    def _probe(self, node: str) -> str:
        try:
            result = self.cluster.host(node).run("true")
        except DcalabError as error:  # a fault of the transport, or of the backend (vagrant missing, ...)
            return str(error)
        except Exception as error:  # any other transport failure: we could not look either
            return f"The harness cannot reach {node} ({str(error)[:160]}). {self.cluster.start_hint(node)}"
        if result.rc == 0:
            return ""
        problem = (result.stderr or result.stdout).strip()
        return f"The harness cannot reach {node} ({problem[:160]}). {self.cluster.start_hint(node)}"
