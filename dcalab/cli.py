"""The `dcalab` command: cluster lifecycle, node shells, labs, history and reviews; quiz and exam register theirs."""

from __future__ import annotations

import argparse
import io
import os
import pydoc
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from dcalab import history
from dcalab.backends import BACKENDS, Cluster, NodeStatus, get_cluster
from dcalab.class_cli import add_class_parser
from dcalab.coverage import coverage, coverage_lines
from dcalab.dca import CORRECT
from dcalab.errors import DcalabError, HistoryError, warn
from dcalab.exam.cli import add_exam_parser
from dcalab.exam.readiness import domain_line, result_lines
from dcalab.history_view import domain_readiness, lab_records, render_page, trend_words
from dcalab.images_cli import add_images_parser
from dcalab.lab import FULL, Lab, find_lab, lab_names
from dcalab.outcome import write_page
from dcalab.progress import write_nowhere
from dcalab.quiz.cli import add_quiz_parser, positive
from dcalab.quiz.review import from_history, print_review, render_review_html, summary
from dcalab.quiz.terminal import wrap
from dcalab.session import LabSession
from dcalab.settings import CLUSTER_ENV, VAGRANT_PROVIDERS, cluster_name
from dcalab.shown import shown
from dcalab.start import start_lab
from dcalab.watch import INTERVAL, watch

HISTORY_LIMIT = 20  # runs `dcalab history` lists unless told
T = TypeVar("T")
INTERACTIVE = {"quiz", "exam", "watch", "shell", "class"}  # the commands Ctrl-C stops
HTML_WIDTH = 100  # the result lines of a review page, as on a wide terminal


def _print_status(reports: list[NodeStatus]) -> int:
    width = max(len(report.name) for report in reports)
    for report in reports:  # notes and problems may quote a node: shown safe
        mark = "ok " if report.healthy else "!! "
        print(f"{mark}{report.name:<{width}}  {report.state:<8} {shown('; '.join(report.notes))}")
        for problem in report.problems:
            print(f"   {'':<{width}}  {shown(problem)}")
    healthy = all(report.healthy for report in reports)
    print("The cluster is ready." if healthy else "The cluster needs attention: see the lines marked !!.")
    return 0 if healthy else 1


def cluster_command(args: argparse.Namespace) -> int:
    if args.provider:
        if args.cluster != "vagrant":
            raise DcalabError("--provider chooses a Vagrant provider.", "Add --cluster vagrant.")
        os.environ["VAGRANT_DEFAULT_PROVIDER"] = args.provider  # Vagrant's own setting, read by the backend too
    cluster = _cluster(args)
    if args.action in ("up", "reset"):
        cluster.up() if args.action == "up" else cluster.reset()
        code = _print_status(cluster.status())
        print("Start a lab on it (its swarm and files): dcalab lab start registry   (all labs: dcalab lab list)")
        return code
    if args.action == "status":
        return _print_status(cluster.status())
    if args.action == "ssh-config":
        print(cluster.ssh_config(), end="")
        return 0
    if args.purge and args.cluster != "embedded":
        raise DcalabError("--purge removes the embedded cluster's lab hub storage.", "Leave it out, or add "
                          "--cluster embedded.")
    cluster.down(purge=True) if args.purge else cluster.down()
    if args.engine:
        from dcalab import engine, libvirt_host  # here only: most commands need neither the Docker SDK nor libvirt

        if engine.stop_engine():
            print("Stopped the Docker engine dcalab had started.")
        if libvirt_host.stop_libvirt():
            print("Stopped the libvirt daemons dcalab had started.")
    print(f"The {cluster.name} cluster{' ' + cluster.cluster_name if cluster.cluster_name else ''} is removed.")
    return 0


def shell_command(args: argparse.Namespace) -> int:
    command = _cluster(args).shell_command(args.node)
    os.execvp(command[0], command)
    return 1  # not reached: exec replaces this process


def lab_command(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list_objectives() if args.objectives else _list_labs()
    if not args.lab:
        raise DcalabError(f"dcalab lab {args.action} needs the lab's name.", f"The labs are: {', '.join(lab_names())}.")
    lab = find_lab(args.lab)
    if args.action == "start":
        return _start_lab(lab, args)
    if cluster_name(args.cluster_name):  # a named cluster's addresses, as its learner types them
        lab = lab.localized(_cluster(args, read_only=True).topology)
    progress = {entry.item: entry for entry in _from_history(lambda: history.progress(lab.id), [], "progress")}
    print(f"Lab {lab.id}: {lab.title} ({lab.points} points, pass mark {lab.pass_mark} %)")
    print(f"Start it: dcalab lab start {lab.id}" + (f" (it starts where {lab.start.after_lab} ends)"
                                                   if lab.start.after_lab else ""))
    for number, task in enumerate(lab.tasks, 1):
        last = progress.get(task.id)
        state = f"last {last.last_status} {last.last}/{task.points}" if last else "not graded yet"
        print(f"\n{task.heading(number)} — {state}")
        print(f"   {task.domain}: {task.objective_words}")
        print(_indented("Goal: " + task.goal, 3))
        if args.guided or args.solution:
            print(_indented("Guided steps:\n" + task.instructions, 3))
            print(_indented("If a check fails (pytest --hints full):\n"
                            + "\n".join(f"{check.id}: {check.hint_at(FULL)}" for check in task.checks), 3))
        if args.solution:
            print(_indented("Solution (what --lab-mode=solve does):\n" + (task.solution or "(none written)"), 3))
    views = "" if args.guided or args.solution else "; the guided steps with the commands: --guided"
    print(f"\nGrade it: pytest {lab.folder}   (one task: pytest {lab.folder} -k {lab.tasks[0].id.replace('-', '_')}; "
          f"a hint with the command: --hints full){views}")
    return 0


def _indented(text: str, spaces: int) -> str:
    """Text as `dcalab lab show` lists it under a task: its first line indented, the lines after it two more."""
    first, *rest = text.splitlines()
    return " " * spaces + first + "".join(f"\n{' ' * (spaces + 2)}{line}" for line in rest)


def _list_labs() -> int:
    names = lab_names()
    labs = [find_lab(name) for name in names]
    width = max(len(name) for name in names)
    records = {record.subject: record for record in _from_history(lambda: lab_records(None), [], "best scores")}
    for lab in labs:
        graded = records[lab.id].best if lab.id in records else None
        best = "not graded yet" if graded is None else f"best {graded}/{lab.points}"
        print(f"{lab.id:<{width}}  {len(lab.tasks):>2} tasks  {lab.points:>3} points  {best:<16} "
              f"{', '.join(lab.domains)}")
    print("\nStart one: dcalab lab start LAB; read it: dcalab lab show LAB")
    return 0


def _list_objectives() -> int:
    rows = coverage(find_lab(name) for name in lab_names())
    passed = _from_history(history.passed_tasks, set(), "passed tasks")
    print("\n".join(coverage_lines(rows, passed)))
    return 0


def _start_lab(lab: Lab, args: argparse.Namespace) -> int:
    asking = sys.stdin.isatty() and not args.yes  # CI, scripts and the README's command go on as asked
    started = start_lab(_cluster(args), lab, force=args.force, go_on=_remove_work if asking else None,
                        fresh=args.fresh)
    if started is None:
        print(f"Nothing changed. Start it when you are done: dcalab lab start {lab.id}")
        return 1
    replays = " (--fresh replays its start)" if started.restored else ""
    print(f"The lab {lab.id} is ready, {started.how}, in {started.seconds:.1f} s{replays}.")
    if started.leftovers:
        print("Left from other labs (kept; `--force` removes them):")
        for node, items in started.leftovers.items():
            print(f"  {node}: {', '.join(items)}")
    print(f"Read the tasks: dcalab lab show {lab.id}; grade: pytest {lab.folder}")
    return 0


def _remove_work(worked_on: str) -> bool:
    """Ask before a start removes the work done on the nodes since another start (`worked_on`, its lab)."""
    graded = [run for run in _from_history(lambda: history.runs(worked_on), [], "last grade") if run.kind == "lab"]
    last = f"last graded {graded[0].score}/{graded[0].max_score} at {graded[0].finished}" if graded else "not graded"
    answer = input(f"The nodes hold your work on the lab {worked_on} since its start ({last}). Starting a lab "
                   "removes it. Go on? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def watch_command(args: argparse.Namespace) -> int:
    lab = find_lab(args.lab or _last_graded_lab())
    return watch(LabSession(lab, _cluster(args, read_only=True)), sys.stdout, args.until_pass,
                 args.interval)


def _from_history(read: Callable[[], T], instead: T, what: str) -> T:
    """What `read` reads in the history; `instead`, after one warning line, when the history cannot be read: a damaged
    history costs the commands that only show it beside something else that warning, not the command."""
    try:
        return read()
    except HistoryError as error:
        warn(f"your {what} cannot be shown. {error}")
        return instead


def _last_graded_lab() -> str:
    graded = [run.subject for run in _from_history(history.runs, [], "last graded lab") if run.kind == "lab"]
    if not graded:
        raise DcalabError("Which lab? You have graded none yet.", f"Name it: dcalab watch LAB (the labs: "
                          f"{', '.join(lab_names())}).")
    return graded[-1]


def history_command(args: argparse.Namespace) -> int:
    limit = None if args.all else args.limit
    if args.html:
        write_page(Path(args.html), render_page(limit, args.lab))
        print(f"Your history is written to {args.html}.")
        return 0
    attempts = [run for run in history.runs(args.lab) if run.kind == "lab" or not args.lab]
    if not attempts:
        if args.lab:
            lab = find_lab(args.lab)  # a lab that does not exist is one sentence naming those that do
            print(f"No grade of the lab {lab.id} yet. Grade it: pytest {lab.folder}, or dcalab watch {lab.id}")
        else:
            print("No graded run yet. Grade a lab (pytest labs/registry), or take a quiz (dcalab quiz) or an exam "
                  "(dcalab exam).")
        return 0
    shown = attempts[::-1][:limit] if limit else attempts[::-1]
    which = f"the last {len(shown)} of {len(attempts)}, --all for every one" if len(shown) < len(attempts) else "all"
    review = "" if args.lab else "; review a quiz or an exam again: dcalab review NUMBER"
    print(f"Runs, newest first ({which}){review}")
    subject_width = max(len(run.subject) for run in shown)  # a column as wide as its longest lab name
    for run in shown:
        since = run.started.removeprefix(run.finished[:11])  # the time alone on the day it finished
        watched = f"  best {run.best}, watched from {since}" if run.started else ""
        learner = f"  learner {run.learner}" if run.learner else ""  # a class's grade (dcalab class)
        cluster = f"  cluster {run.cluster_name}" if run.cluster_name else ""  # a named cluster's grade
        print(f"  {run.id:>4}  {run.finished}  {run.kind:<4} {run.subject:<{subject_width}} {run.mode:<11} "
              f"{run.backend:<9} {run.score:>3}/{run.max_score}{watched}{learner}{cluster}")
    labs = {record.subject: record for record in lab_records(None, args.lab)}
    for subject in sorted({run.subject for run in shown}):
        head = f"{labs[subject].summary()}\n  task" if subject in labs else f"{subject}: item"
        print(f"\n{head}, attempts, first pass, best, last")
        for entry in history.progress(subject):
            first = entry.first_pass or "not yet"
            print(f"  {entry.item:<18} {entry.attempts:>3}  {first:<16}  {entry.best}/{entry.max_score}  "
                  f"{entry.last}/{entry.max_score} {entry.last_status}")
    if not args.lab:
        _print_readiness(domain_readiness())
    weakest = history.weakest_objectives()
    if weakest and not args.lab:
        print("\n" + wrap("Study next (lowest share of points so far):"))
        for domain, objective, scored, possible in weakest:
            print(wrap(f"{scored}/{possible}  {domain}: {objective}", "  "))
    return 0


def _print_readiness(readiness: dict[str, list[tuple[str, int, int]]]) -> None:
    print("\n" + wrap("Readiness per DCA domain (weight in the exam; your share of its points, counting your latest "
                      "attempt at each task and question):"))
    for title, days in readiness.items():
        line = domain_line(title, days[-1][1:] if days else None, "no attempts yet")
        percents = [round(100 * scored / possible) for _, scored, possible in days]
        print(wrap(line.lstrip() + (f"; by day, {trend_words(percents)}" if len(days) > 1 else ""), "  "))


def review_command(args: argparse.Namespace) -> int:
    found = history.answers(args.run)
    if found is None:
        if args.run is None:
            raise DcalabError("There is no quiz or exam to review yet.", "Take one: dcalab quiz, or dcalab exam.")
        raise DcalabError(f"Your history has no run {args.run}.", "dcalab history lists the runs with their numbers.")
    run, items = found
    if not items:
        raise DcalabError(f"Run {run.id} ({run.kind} {run.subject}, {run.finished}) has no answers to review: it is a "
                          "lab grade, or was saved before dcalab kept each answer.",
                          "dcalab history lists the runs; a quiz or an exam since then can be reviewed.")
    reviewed = from_history(items)
    if args.wrong:
        reviewed = [item for item in reviewed if item.outcome != CORRECT]
        if not reviewed:
            print(f"Every answer of {run.kind} {run.id} was right: nothing to review with --wrong.")
            return 0
    run_items = list(history.run_items(run.subject)[run.id].values())  # its hands-on tasks too
    pass_mark = run.pass_mark if run.kind == "exam" else None
    if args.html:
        write_page(Path(args.html), render_review_html(run, reviewed, result_lines(run_items, pass_mark, HTML_WIDTH)))
        print(f"The review of {run.kind} {run.id} ({summary(reviewed)}) is written to {args.html}.")
        return 0
    text = io.StringIO()
    text.write(wrap(f"Your {run.kind} of {run.finished} (run {run.id}, {run.mode}): {run.score}/{run.max_score} "
                    "points.") + "\n")
    if run.kind == "exam" and pass_mark is None:
        text.write(wrap("Its pass mark was not kept (an exam before this dcalab): no verdict.") + "\n")
    text.write("\n".join(result_lines(run_items, pass_mark)) + "\n")
    print_review(reviewed, text)
    if sys.stdout.isatty():  # an exam's review is some 900 lines: a pager on a terminal ($PAGER, else less)
        pydoc.pager(text.getvalue())
    else:
        sys.stdout.write(text.getvalue())
    return 0


def _cluster_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cluster", "--backend", dest="cluster", default="embedded", choices=sorted(BACKENDS),
                        help="the lab cluster (default embedded)")
    parser.add_argument("--cluster-name", metavar="NAME", help=f"with --cluster embedded: one of many clusters on "
                        f"this engine, its nodes dcalab-NAME-master and so on (default: ${CLUSTER_ENV}, else the "
                        "unnamed cluster)")


def _cluster(args: argparse.Namespace, **options) -> Cluster:
    """The cluster the command line chose (--cluster, --cluster-name)."""
    return get_cluster(args.cluster, cluster_name=args.cluster_name, **options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dcalab", description="Docker Certified Associate labs and exam trainer.")
    commands = parser.add_subparsers(dest="command", required=True)

    cluster = commands.add_parser("cluster", help="bring the 4-node lab cluster up, down, back to pristine")
    cluster.add_argument("action", choices=["up", "down", "status", "reset", "ssh-config"])
    _cluster_option(cluster)
    cluster.add_argument(
        "--engine",
        action="store_true",
        help="with down: also stop the Docker engine and libvirt daemons dcalab started (never others)",
    )
    cluster.add_argument("--purge", action="store_true", help="with down: also remove the lab hub's images, "
                         "which the next `up` then fills again (kept by default: a cold start is quicker)")
    cluster.add_argument("--provider", choices=VAGRANT_PROVIDERS, help="with --cluster vagrant: the Vagrant provider "
                         "(default: $VAGRANT_DEFAULT_PROVIDER or docker)")
    cluster.set_defaults(handler=cluster_command)

    lab = commands.add_parser("lab", help="list the labs, start one, show its tasks and your progress")
    lab.add_argument("action", choices=["list", "start", "show"])
    lab.add_argument("lab", nargs="?", help="the lab's name, e.g. registry")
    lab.add_argument("--objectives", action="store_true", help="with list: the study guide's objectives you can "
                     "practise on the nodes, the tasks that practise each, which of them you passed, and what no task "
                     "practises yet")
    lab.add_argument("--guided", action="store_true", help="with show: each task's goal and its guided steps, with "
                     "the commands and the hints that give them")
    lab.add_argument("--solution", action="store_true", help="with show: as --guided, and each task's reference "
                     "commands")
    lab.add_argument("--yes", action="store_true", help="with start: do not ask before removing the work on the "
                     "nodes (never asked when not on a terminal)")
    lab.add_argument("--force", action="store_true",
                     help="with start, on nodes dcalab did not make: remove containers, services, volumes, images and "
                     "daemon.json left by other labs")
    lab.add_argument("--fresh", action="store_true", help="with start: replay the lab's start step by step and "
                     "record its snapshot anew, instead of restoring the snapshot an earlier start recorded")
    _cluster_option(lab)
    lab.set_defaults(handler=lab_command)

    past = commands.add_parser("history", help="your graded runs, newest first, and your progress per lab and task")
    past.add_argument("--lab", metavar="LAB", help="only this lab's grades (e.g. registry)")
    past.add_argument("--limit", type=positive(int), default=HISTORY_LIMIT, metavar="N",
                      help=f"the last N runs (default {HISTORY_LIMIT}; in the page: of each lab)")
    past.add_argument("--all", action="store_true", help="every run")
    past.add_argument("--html", metavar="PATH", help="write one page instead: per lab a chart of its scores, each "
                      "task run by run, and its runs")
    past.set_defaults(handler=history_command)

    live = commands.add_parser("watch", help="grade a lab again about once a second while you work (read-only): "
                               "for a second terminal")
    live.add_argument("lab", nargs="?", help="the lab's name (default: the lab you graded last)")
    live.add_argument("--until-pass", action="store_true", help="stop (exit status 0) once every task passes")
    live.add_argument("--interval", type=positive(float), default=INTERVAL, metavar="SECONDS",
                      help=f"from one grade to the next (default {INTERVAL:g})")
    _cluster_option(live)
    live.set_defaults(handler=watch_command)

    review = commands.add_parser("review", help="a quiz's or exam's answers again, wrong ones first, with the key, "
                                 "the explanation and the source")
    review.add_argument("run", nargs="?", type=int, help="the run's number in dcalab history (default: the last quiz "
                        "or exam)")
    review.add_argument("--html", metavar="PATH", help="write the review as one HTML page instead")
    review.add_argument("--wrong", action="store_true", help="only the items answered wrong or left unanswered")
    review.set_defaults(handler=review_command)

    shell = commands.add_parser("shell", help="open a root shell on a node, like `vagrant ssh master`")
    shell.add_argument("node", help="master, worker1, worker2 or registry")
    _cluster_option(shell)
    shell.set_defaults(handler=shell_command)

    add_quiz_parser(commands)
    add_exam_parser(commands)
    add_class_parser(commands)
    add_images_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in INTERACTIVE and sys.stdin.isatty():
        # Started with Ctrl-C ignored (`nohup … &` ignores SIGINT for every child): on a terminal it stops again;
        # Python's handler, which a shell's exec turns into the default for the node's shell.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return args.handler(args)
    except DcalabError as error:
        print(f"dcalab: {error.message}", file=sys.stderr)
        if error.fix:
            print(f"  {error.fix}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dcalab: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped early (dcalab review | head): nothing more to say
        write_nowhere(sys.stdout)
        return 1


if __name__ == "__main__":
    sys.exit(main())
