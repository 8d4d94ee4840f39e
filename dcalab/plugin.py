"""The pytest plugin: chooses the cluster and the mode, hands each lab test its task, reports.

A lab test module sets TASK = "<task id>" and takes `task` (a TaskRun); see labs/registry/. The grading
itself, with its verdict rule, is dcalab.session's: this plugin adapts it to pytest.
"""

from __future__ import annotations

import contextlib
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from _pytest.junitxml import xml_key

from dcalab.backends import BACKENDS, Cluster, get_cluster
from dcalab.backends.reboot import REBOOT_TIMEOUT
from dcalab.backends.shell import GRADE_TIMEOUT, SOLVE_TIMEOUT
from dcalab.errors import DcalabError
from dcalab.grade_plan import load_plan, plan_file, save_plan
from dcalab.grading import PASS, REBOOT_MODE, TaskResult
from dcalab.lab import CONCEPT, FULL, LAB_FILE, NO_HINTS, Lab, Task, load_lab
from dcalab.outcome import report_paths, save_grade
from dcalab.progress import step
from dcalab.registry_contents import read_contents
from dcalab.report import print_summary, render_html, report_json
from dcalab.session import LabSession
from dcalab.settings import CLUSTER_ENV, SSH_CONFIG_ENV

SESSIONS = pytest.StashKey[dict]()  # lab id -> LabSession
LABS = pytest.StashKey[dict]()  # folder -> Lab
STARTED = pytest.StashKey[float]()
EARLY = pytest.StashKey[tuple[Cluster, Path, Future]]()  # a grade's prefetch, started before collection


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dcalab")
    group.addoption("--cluster", default="embedded", choices=sorted(BACKENDS),
                    help="the lab cluster to grade or solve on (default: embedded)")
    group.addoption("--cluster-name", metavar="NAME", help=f"with --cluster=embedded: the named cluster to grade or "
                    f"solve on (default: ${CLUSTER_ENV}, else the unnamed cluster)")
    group.addoption("--lab-mode", default="grade", choices=["grade", "solve"],
                    help="grade (read-only, default) or solve each task, then grade it")
    group.addoption("--lab-reboot", action="store_true",
                    help="restart every node the lab reads first (waiting at most "
                    f"{REBOOT_TIMEOUT} s for each to come back), then grade: what does not survive a reboot fails. "
                    "The one grade that changes the nodes")
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
    group.addoption("--hints", default=CONCEPT, choices=[CONCEPT, FULL],
                    help="concept: what is wrong and what to read (default); full: with the command that fixes it")
    group.addoption("--no-hints", action="store_true", help="hide hints (exam use)")
    group.addoption("--lab-history", metavar="PATH", help="the SQLite history file (default: $DCALAB_HISTORY or "
                    "~/.local/share/dcalab/history.sqlite3)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SESSIONS], config.stash[LABS] = {}, {}
    config.stash[STARTED] = time.monotonic()
    if config.getoption("--lab-ssh-config"):
        os.environ[SSH_CONFIG_ENV] = config.getoption("--lab-ssh-config")
    if _rebooting(config) and config.getoption("--lab-mode") == "solve":
        raise pytest.UsageError("--lab-reboot restarts the nodes before a grade, not a solve: solve first "
                                "(pytest labs/LAB --lab-mode=solve), then grade with pytest labs/LAB --lab-reboot.")


def _rebooting(config: pytest.Config) -> bool:
    return bool(config.getoption("--lab-reboot"))


def _mode(config: pytest.Config) -> str:
    """The run's mode as its reports and history record it: grade, solve, or a grade after a reboot."""
    return REBOOT_MODE if _rebooting(config) else config.getoption("--lab-mode")


def pytest_collection_finish(session: pytest.Session) -> None:
    """A run of lab tasks only ends with the lab's own table: pytest's one-line failure list would repeat it."""
    config, items = session.config, session.items
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter and items and all("task" in getattr(item, "fixturenames", ()) for item in items):
        reporter.reportchars = ""


def pytest_sessionstart(session: pytest.Session) -> None:
    """A grade of the labs named on the command line starts asking the nodes their last plan while pytest
    collects the tests (the shells open and the answers come on another core): the grade then waits less."""
    config = session.config
    xml = config.stash.get(xml_key, None)
    if xml is not None and _rebooting(config):  # the JUnit report (--junitxml) says it too
        xml.add_global_property("dcalab_mode", REBOOT_MODE)
    if config.getoption("--lab-mode") == "solve" or config.getoption("collectonly") or _rebooting(config):
        return  # (answers asked before a reboot would be stale)
    labs = set()
    for argument in config.args:
        folder = _lab_folder(config.invocation_params.dir / argument.split("::")[0])
        if folder is not None:
            with contextlib.suppress(DcalabError):  # a broken lab.toml is reported after collection
                labs.add(_lab_of(config, folder / LAB_FILE).id)
    if not labs:
        return
    try:
        cluster = _cluster(config)
    except DcalabError:  # the fixture reports it
        return
    plan = plan_file(cluster.identity, labs, cluster.user)
    pool = ThreadPoolExecutor(max_workers=1)
    config.stash[EARLY] = cluster, plan, pool.submit(cluster.prefetch, load_plan(plan))
    pool.shutdown(wait=False)  # its thread ends with the prefetch; the fixture takes the result (or the error)


def _cluster(config: pytest.Config) -> Cluster:
    """The cluster chosen on the command line: read-only unless solving."""
    return get_cluster(config.getoption("--cluster"), transport=config.getoption("--lab-transport"),
                       read_only=config.getoption("--lab-mode") != "solve", timeout=config.getoption("--lab-timeout"),
                       user=config.getoption("--lab-user"), cluster_name=config.getoption("--cluster-name"),
                       restarts=_rebooting(config))


@pytest.fixture(scope="session")
def lab_cluster(request: pytest.FixtureRequest) -> Cluster:
    """The lab cluster chosen by --cluster; solve mode brings it up, grade mode takes it as it is.

    A grade prefetches the commands the previous grade asked (one round trip per node, in parallel; begun
    before collection when the command line names the labs) and leaves its own list for the next one; the
    answers are identical, as a grade changes nothing."""
    config = request.config
    solving = config.getoption("--lab-mode") == "solve"
    early_plan = None
    if EARLY in config.stash:
        cluster, early_plan, early = config.stash[EARLY]
        early.result()
    else:
        try:
            cluster = _cluster(config)
        except DcalabError as error:  # a cluster chosen wrong (--cluster-name on ssh): one sentence, no traceback
            pytest.exit(str(error), returncode=pytest.ExitCode.USAGE_ERROR)
    selected = _selected_tasks(request.session)
    plan = plan_file(cluster.identity, {lab.id for lab, _ in selected}, cluster.user)
    if solving and any(task.read_nodes for _, task in selected):
        try:
            cluster.up()
        except DcalabError as error:
            pytest.fail(f"ENV-ERROR: the cluster could not be brought up: {error}", pytrace=False)
    elif _rebooting(config):
        read = {node for _, task in selected for node in task.read_nodes}
        _restart(config, cluster, [node.name for node in cluster.topology.nodes if node.name in read])
        cluster.prefetch(load_plan(plan))
    elif not solving and plan != early_plan:  # a selection narrower than the command line's labs has its own plan
        cluster.prefetch(load_plan(plan))  # an empty plan when there is none to trust
    yield cluster
    if not solving and cluster.asked():
        save_plan(plan, cluster.asked())


def _restart(config: pytest.Config, cluster: Cluster, nodes: list[str]) -> None:
    """Say that this grade restarts the nodes, then restart them (the backend's way) and wait until they are back."""
    if not nodes:
        return
    reporter = config.pluginmanager.getplugin("terminalreporter")
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if reporter is not None:
            reporter.write_line(f"\n--lab-reboot: this grade first restarts {', '.join(nodes)} (what runs on them "
                                "stops, and only what survives a reboot comes back), then grades.")
        try:
            with step(f"Restarting {', '.join(nodes)} and waiting until they are back"):
                cluster.restart_nodes(nodes)
            return
        except DcalabError as error:
            problem = str(error)
    pytest.fail(f"ENV-ERROR: the nodes could not be restarted: {problem}", pytrace=False)  # one sentence, no chain


def _selected_tasks(session: pytest.Session) -> list[tuple[Lab, Task]]:
    """The lab and the task of each selected lab test."""
    selected = []
    for item in session.items:
        if hasattr(getattr(item, "module", None), "TASK"):
            lab = _lab_of(session.config, item.path)
            selected.append((lab, lab.task(item.module.TASK)))
    return selected


def _lab_folder(path: Path) -> Path | None:
    """The lab folder that is or holds this path, if any."""
    return next((folder for folder in (path, *path.parents) if (folder / LAB_FILE).exists()), None)


def _lab_of(config: pytest.Config, path: Path) -> Lab:
    folder = _lab_folder(path.parent)
    labs = config.stash[LABS]
    if folder not in labs:
        labs[folder] = load_lab(folder)
    return labs[folder]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Load (and so validate) every lab that has a test collected: a mistake in a lab.toml is one sentence."""
    for item in items:
        if hasattr(getattr(item, "module", None), "TASK"):
            try:
                _lab_of(config, item.path)
            except DcalabError as error:
                raise pytest.UsageError(str(error)) from None


@pytest.fixture
def task(request: pytest.FixtureRequest, lab_cluster: Cluster) -> LabSession:
    """A lab test's argument. The plugin runs the test through its lab's session (pytest_pyfunc_call), which
    hands the test a TaskRun for its task; this fixture makes the session for the lab."""
    config = request.config
    lab = _lab_of(config, request.path)
    sessions = config.stash[SESSIONS]
    if lab.id not in sessions:
        sessions[lab.id] = LabSession(lab, lab_cluster, solving=config.getoption("--lab-mode") == "solve",
                                      debug=config.getoption("--lab-debug"), rebooted=_rebooting(config))
        reporter = config.pluginmanager.getplugin("terminalreporter")
        if reporter is not None:  # a solve's progress line starts below pytest's dots (`-q` leaves them mid-line)
            sessions[lab.id].fresh_line = lambda: reporter.write("\n") if reporter._tw.width_of_current_line else None
    return sessions[lab.id]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Grade a lab test's task with the one verdict rule; a task that does not pass fails with its message."""
    session = pyfuncitem.funcargs.get("task")
    if not isinstance(session, LabSession):
        return None
    capture = pyfuncitem.config.pluginmanager.getplugin("capturemanager")
    # a solve's progress lines go to the terminal as they come, not into pytest's capture
    with capture.global_and_fixture_disabled() if session.solving and capture else contextlib.nullcontext():
        result = session.run(pyfuncitem.module.TASK, grader=pyfuncitem.obj)
    if result.status != PASS:
        pytest.fail(result.describe(_hints(pyfuncitem.config)), pytrace=False)
    return True


def _hints(config: pytest.Config) -> str:
    """The hint tier the learner chose: none (--no-hints), concept or full (--hints)."""
    return NO_HINTS if config.getoption("--no-hints") else config.getoption("--hints")


def _results(config: pytest.Config, lab: Lab) -> dict[str, TaskResult]:
    session = config.stash[SESSIONS].get(lab.id)
    return session.results if session else {}


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    mode, hints = _mode(config), _hints(config)
    for lab in config.stash[LABS].values():
        results = _results(config, lab)
        if results:
            session = config.stash[SESSIONS][lab.id]
            if any(result.task.read_nodes for result in results.values()) and session.start_missing():
                terminalreporter.write_line(session.start_missing())
            print_summary(terminalreporter, lab, results, mode, hints)


def _report_html(session: LabSession, mode: str, backend: str, hints: str) -> str:
    """The grade's page; only it shows the lab's registry, so only it pays for reading it."""
    lab = session.lab
    registry = read_contents(session.cluster, lab.report) if lab.report else None
    return render_html(lab, session.results, mode, backend, hints, registry)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Each lab's reports, then its history row (dcalab.outcome: a report that cannot be written is one warning),
    unless the learner interrupted the run. Several labs graded together each get their own report file."""
    config = session.config
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        return
    mode, backend = _mode(config), config.getoption("--cluster")
    hints = _hints(config)
    elapsed = time.monotonic() - config.stash[STARTED]
    graded = [config.stash[SESSIONS][lab.id] for lab in config.stash[LABS].values() if _results(config, lab)]
    paths = {option: report_paths(Path(config.getoption(option)), [graded_lab.lab.id for graded_lab in graded])
             for option in ("--lab-report-json", "--lab-report-html") if config.getoption(option)}
    history = config.getoption("--lab-history")
    for graded_lab in graded:
        renders = {"--lab-report-json": partial(report_json, graded_lab.lab, graded_lab.results, hints, elapsed),
                   "--lab-report-html": partial(_report_html, graded_lab, mode, backend, hints)}
        reports = [(where[graded_lab.lab.id], renders[option]) for option, where in paths.items()]
        save_grade(graded_lab.lab, graded_lab.results, mode, backend, reports, Path(history) if history else None,
                   cluster_name=graded_lab.cluster.cluster_name)
