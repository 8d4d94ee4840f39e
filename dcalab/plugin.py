"""The pytest plugin: chooses the cluster and the mode, hands each lab test its task, reports.

A lab test module sets TASK = "<task id>" and takes the `task` fixture; see labs/registry/.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from checks import EnvironmentFault, SolveError
from dcalab.backends import BACKENDS, Cluster, get_cluster
from dcalab.backends.shell import GRADE_TIMEOUT, SOLVE_TIMEOUT
from dcalab.backends.ssh import SSH_CONFIG_ENV
from dcalab.errors import DcalabError
from dcalab.grading import BLOCKED, ENV_ERROR, FAIL, PASS, TaskResult
from dcalab.history import record_lab
from dcalab.lab import LAB_FILE, Lab, load_lab
from dcalab.report import print_summary, render_html, results_json
from dcalab.runner import TaskRun
from dcalab.settings import state_dir

RESULTS = pytest.StashKey[dict]()  # lab id -> {task id: TaskResult}
LABS = pytest.StashKey[dict]()  # folder -> Lab
REACHABLE = pytest.StashKey[dict]()  # node -> problem sentence, or "" when reachable
STARTED = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dcalab")
    group.addoption("--cluster", default="embedded", choices=sorted(BACKENDS),
                    help="the lab cluster to grade or solve on (default: embedded)")
    group.addoption("--lab-mode", default="grade", choices=["grade", "solve"],
                    help="grade (read-only, default) or solve each task, then grade it")
    group.addoption("--lab-report-json", metavar="PATH", help="write the grade as JSON (Gradescope results.json shape)")
    group.addoption("--lab-report-html", metavar="PATH", help="write the grade as one self-contained HTML page")
    group.addoption("--lab-transport", default="shell", choices=["shell", "exec"],
                    help="shell: one persistent shell per node (default); exec: one docker exec/ssh per command")
    group.addoption("--lab-timeout", type=float, metavar="SECONDS",
                    help=f"per node command (default {GRADE_TIMEOUT:.0f} s when grading, {SOLVE_TIMEOUT:.0f} s when "
                    "solving); a node that does not answer in time is ENV-ERROR and is not asked again")
    group.addoption("--lab-ssh-config", metavar="FILE", help="with --cluster=ssh: the ssh_config naming the nodes")
    group.addoption("--lab-user", default="", metavar="USER", help="run node commands as this user, not root")
    group.addoption("--lab-debug", action="store_true", help="show the traceback of a grader that breaks")
    group.addoption("--no-hints", action="store_true", help="hide hints (exam use)")
    group.addoption("--lab-history", metavar="PATH", help="the SQLite history file (default: $DCALAB_HISTORY or "
                    "~/.local/share/dcalab/history.sqlite3)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RESULTS], config.stash[LABS], config.stash[REACHABLE] = {}, {}, {}
    config.stash[STARTED] = time.monotonic()
    if config.getoption("--lab-ssh-config"):
        os.environ[SSH_CONFIG_ENV] = config.getoption("--lab-ssh-config")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A run of lab tasks only ends with the lab's own table: pytest's one-line failure list would repeat it."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter and items and all("task" in getattr(item, "fixturenames", ()) for item in items):
        reporter.reportchars = ""


@pytest.fixture(scope="session")
def lab_cluster(request: pytest.FixtureRequest) -> Cluster:
    """The lab cluster chosen by --cluster; solve mode brings it up, grade mode takes it as it is.

    A grade prefetches the commands the previous grade asked (one round trip per node, in parallel)
    and leaves its own list for the next one; the answers are identical, as a grade changes nothing."""
    config = request.config
    solving = config.getoption("--lab-mode") == "solve"
    cluster = get_cluster(config.getoption("--cluster"), transport=config.getoption("--lab-transport"),
                          read_only=not solving, timeout=config.getoption("--lab-timeout"),
                          user=config.getoption("--lab-user"))
    plan = state_dir() / f"grade-plan-{cluster.name}.json"
    if solving:
        try:
            cluster.up()
        except DcalabError as error:
            pytest.fail(f"ENV-ERROR: the cluster could not be brought up: {error}", pytrace=False)
    elif plan.exists():
        cluster.prefetch(json.loads(plan.read_text()))
    yield cluster
    if not solving and cluster.asked():
        plan.write_text(json.dumps(cluster.asked()))


def _lab_of(config: pytest.Config, path: Path) -> Lab:
    folder = next(parent for parent in path.parents if (parent / LAB_FILE).exists())
    labs = config.stash[LABS]
    if folder not in labs:
        labs[folder] = load_lab(folder)
    return labs[folder]


def _unreachable(config: pytest.Config, cluster: Cluster, nodes: tuple[str, ...]) -> str:
    """A sentence naming the first node the harness cannot reach, or ""; each node is tried once."""
    reachable = config.stash[REACHABLE]
    for node in nodes:
        if node not in reachable:
            try:
                result = cluster.host(node).run("true")
                problem = (result.stderr or result.stdout).strip()
                reachable[node] = "" if result.rc == 0 else (
                    f"The harness cannot reach {node} ({problem[:160]}). {cluster.start_hint(node)}")
            except EnvironmentFault as fault:
                reachable[node] = f"{fault.message} {fault.fix}"
            except DcalabError as error:  # the backend could not even say how to reach it (vagrant missing, ...)
                reachable[node] = str(error)
            except Exception as error:  # any other transport failure: we could not look either
                reachable[node] = f"The harness cannot reach {node} ({str(error)[:160]}). {cluster.start_hint(node)}"
        if reachable[node]:
            return reachable[node]
    return ""


@pytest.fixture
def task(request: pytest.FixtureRequest, lab_cluster: Cluster) -> TaskRun:
    config = request.config
    lab = _lab_of(config, request.path)
    definition = lab.task(request.module.TASK)
    results = config.stash[RESULTS].setdefault(lab.id, {})
    for dependency in definition.depends:
        earlier = results.get(dependency)
        if earlier is not None and earlier.status != PASS:
            reason = f"Blocked: it needs task {dependency}, which is {earlier.status}. Do {dependency} first."
            results[definition.id] = TaskResult(definition, BLOCKED, reason=reason)
            pytest.skip(reason)
    problem = _unreachable(config, lab_cluster, definition.nodes)
    if problem:
        results[definition.id] = TaskResult(definition, ENV_ERROR, reason=problem)
        pytest.fail(results[definition.id].describe(not config.getoption("--no-hints")), pytrace=False)
    solving = config.getoption("--lab-mode") == "solve"
    run = TaskRun(lab, definition, lab_cluster, solving, record=lambda result: results.update({definition.id: result}),
                  hints=not config.getoption("--no-hints"))
    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Turn a fault of the environment, of a solve step or of a grader into one clear line, no traceback."""
    run = item.funcargs.get("task") if hasattr(item, "funcargs") else None
    try:
        outcome = yield
        if run is not None and run.result is None:  # a lab test that graded nothing is a defect, not a pass
            raise RuntimeError(f"The test of task {run.task.id} ended without calling task.grade().")
        return outcome
    except EnvironmentFault as fault:
        if run is None:
            raise
        result = TaskResult(run.task, ENV_ERROR, reason=f"{fault.message} {fault.fix}")
    except (SolveError, DcalabError) as error:
        if run is None:
            raise
        result = TaskResult(run.task, FAIL, reason=f"Solving it failed: {error}")
    except Exception as error:  # a grader that breaks must not show the learner a traceback
        if run is None or item.config.getoption("--lab-debug"):
            raise
        result = TaskResult(run.task, ENV_ERROR, reason=(
            f"The grader hit an unexpected error ({type(error).__name__}: {str(error)[:200]}). "
            "Run again with --lab-debug for the details."))
    run.finish(result)  # outside the except blocks, so pytest shows no chained traceback


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    mode, hints = config.getoption("--lab-mode"), not config.getoption("--no-hints")
    for lab in config.stash[LABS].values():
        results = config.stash[RESULTS].get(lab.id, {})
        if results:
            print_summary(terminalreporter, lab, results, mode, hints)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the reports and the history row, unless the learner interrupted the run."""
    config = session.config
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        return
    mode, backend = config.getoption("--lab-mode"), config.getoption("--cluster")
    hints = not config.getoption("--no-hints")
    for lab in config.stash[LABS].values():
        results = config.stash[RESULTS].get(lab.id, {})
        if not results:
            continue
        history_path = config.getoption("--lab-history")
        record_lab(lab, results, mode, backend, Path(history_path) if history_path else None)
        if config.getoption("--lab-report-json"):
            elapsed = time.monotonic() - config.stash[STARTED]
            report = json.dumps({**results_json(lab, results, hints), "execution_time": round(elapsed, 3)}, indent=2)
            Path(config.getoption("--lab-report-json")).write_text(report)
        if config.getoption("--lab-report-html"):
            Path(config.getoption("--lab-report-html")).write_text(render_html(lab, results, mode, backend, hints))
