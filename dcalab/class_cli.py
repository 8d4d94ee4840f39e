"""`dcalab class`: a trainer's commands for a whole class, listed in a roster (dcalab.roster): grade every learner at
once, watch the class, start the lab on every learner's cluster, stop or reset one, say how each reaches their
nodes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from dcalab.access import ALL_ADDRESSES, Access, checked_bind, forwarded, open_access, server_address
from dcalab.class_view import class_csv, class_html, write_grid
from dcalab.class_watch import CLASS_INTERVAL, ClassWatch
from dcalab.classroom import Done, Seat, each_learner, grade_seats, learner_cluster, plan_files, seats
from dcalab.errors import DcalabError
from dcalab.grading import ENV_ERROR
from dcalab.history import default_path
from dcalab.lab import CONCEPT, FULL, Lab, find_lab
from dcalab.outcome import save_grade, write_page
from dcalab.progress import say
from dcalab.quiz.cli import positive
from dcalab.report import junit_xml, report_json
from dcalab.roster import EMBEDDED, SSH, Learner, Roster, load_labs, read_roster, ssh_lines
from dcalab.start import Started, start_lab
from dcalab.watch import keep_watching

T = TypeVar("T")
ISOLATION = ("Embedded nodes are privileged containers: a learner who is root in a node can reach this server and "
             "every other learner's cluster. A class on one server is for learners who may share a machine; a class "
             "that needs isolation gives each learner VMs (Vagrant or cloud) in an SSH roster, graded the same way.")

def class_history(args: argparse.Namespace) -> Path:
    """The class's history: --history, else a file of its own beside the user's, so that the learners' grades never
    count as the trainer's own progress."""
    return Path(args.history) if args.history else default_path().with_name("class-history.sqlite3")


def _class(args: argparse.Namespace, lab_name: str | None) -> tuple[Roster, str, dict[str, Lab], tuple[Learner, ...]]:
    """The roster, the lab of the learners who name none, the labs, and the learners (with their problems)."""
    roster = read_roster(Path(args.roster))
    default = lab_name or roster.lab
    if not default and any(not learner.lab for learner in roster.learners):
        raise DcalabError("Which lab? Neither the command nor the roster names one.",
                          f"Name it: dcalab class {args.action} LAB --roster {args.roster}, or lab = \"LAB\" in the "
                          "roster.")
    if any(not learner.lab for learner in roster.learners):
        find_lab(default)  # a lab that does not exist is one sentence for the command, not one per learner
    labs, learners = load_labs(roster, default)
    return roster, default, labs, learners


def grade_command(args: argparse.Namespace) -> int:
    _, default, labs, learners = _class(args, args.lab)
    class_seats = seats(learners, labs, default, args.timeout)
    try:
        grade_seats(class_seats, plan_files(labs.values()))
    finally:
        for seat in class_seats:
            seat.close()
    from _pytest._io.terminalwriter import TerminalWriter  # the grade's own colours, as dcalab watch draws them

    write_grid(TerminalWriter(sys.stdout), class_seats)
    saved = save_learners(class_seats, Path(args.out or f"class-{default}"), args.hints, class_history(args))
    for option, render in (("csv", lambda: class_csv(class_seats)), ("html", lambda: class_html(class_seats,
                                                                                                   args.hints))):
        path = getattr(args, option)
        if path:
            write_page(Path(path), render())
            print(f"The class's {option.upper()} is written to {path}.")
    print(f"Each learner's JSON and JUnit report: {args.out or f'class-{default}'}/LEARNER.json and .xml; "
          f"{saved} grades saved in the class history (DCALAB_HISTORY={class_history(args)} dcalab history).")
    not_graded = [seat.learner.name for seat in class_seats if seat.problem or not seat.results or all(
        result.status == ENV_ERROR for result in seat.results.values())]
    if not_graded:
        print(f"Not graded: {', '.join(not_graded)} (the reason is in their row).")
    return 1 if not_graded else 0


def save_learners(class_seats: list[Seat], folder: Path, hints: str, history: Path) -> int:
    """Per learner graded: their JSON (results.json shape) and JUnit reports in `folder`, then their history row,
    tagged with their name (dcalab.outcome: a report that cannot be written is one warning). How many rows were
    saved."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DcalabError(f"The folder {folder} for the learners' reports cannot be made ({error.strerror or error}).",
                          "Name a folder you may write to: --out FOLDER") from None
    saved = 0
    for seat in class_seats:
        if not seat.results:
            continue
        name, lab = seat.learner.name, seat.lab
        reports = [(folder / f"{name}.json", partial(report_json, lab, seat.results, hints, seat.seconds)),
                   (folder / f"{name}.xml", partial(junit_xml, lab, seat.results, hints, seat.seconds))]
        saved += save_grade(lab, seat.results, "grade", seat.learner.cluster, reports, history,
                            learner=name, cluster_name=seat.learner.cluster_name) is not None
    return saved


def watch_command(args: argparse.Namespace) -> int:
    _, default, labs, learners = _class(args, args.lab)
    view = ClassWatch(seats(learners, labs, default, args.timeout), plan_files(labs.values()), sys.stdout,
                      Path(args.html) if args.html else None, args.hints, args.interval)
    return keep_watching(view, interval=args.interval, history=class_history(args))


def in_turn(args: argparse.Namespace, learners: tuple[Learner, ...], doing: str, work: Callable[[Learner], T],
            done_line: Callable[[Done[T]], str]) -> int:
    """`work` for each learner, `args.parallel` at a time, a progress line (dcalab.progress, with the steps of their
    work) as each begins and ends: the learner named with the reason when theirs failed, the others going on. 0 when
    every learner's work was done."""
    def begin(learner: Learner) -> T:
        say(f"{learner.name}: {doing} ...")
        return work(learner)

    def finished(done: Done) -> None:
        say(f"{done.learner.name}: FAILED, {done.problem}" if done.problem else
            f"{done.learner.name}: {done_line(done)} ({done.seconds:.1f} s)")

    dones = each_learner(begin, learners, args.parallel, finished)
    failed = [done.learner.name for done in dones if done.problem]
    print(f"Done for {len(dones) - len(failed)} of {len(dones)} learners" + (f"; failed: {', '.join(failed)}."
                                                                             if failed else "."))
    return 1 if failed else 0


def start_command(args: argparse.Namespace) -> int:
    checked_bind(args.bind)
    _, default, labs, learners = _class(args, args.lab)
    if any(learner.cluster == EMBEDDED for learner in learners):
        print(ISOLATION)

    def start(learner: Learner) -> tuple[Started, Access | None]:
        """The lab's start on the learner's cluster, never over their work since a start unless --force; then an
        embedded cluster's SSH ports for other machines (dcalab.access)."""
        worked_on = []
        cluster = learner_cluster(learner, read_only=False)
        started = start_lab(cluster, labs[learner.lab_of(default)], force=args.force,
                            go_on=lambda lab: worked_on.append(lab) or args.force)
        if started is None:
            raise DcalabError(f"The nodes of {learner.name} hold their work on the lab {worked_on[0]} since its "
                              "start: nothing is changed.", f"Start them anew, removing it: dcalab class reset "
                              f"{learner.name} --roster {args.roster} (or class start --force for everyone).")
        return started, open_access(cluster, args.bind) if learner.cluster == EMBEDDED else None

    def started(done: Done) -> str:
        begun, access = done.value
        left = "; ".join(f"{node}: {', '.join(items)}" for node, items in begun.leftovers.items())
        ports = f"; SSH from other machines on ports {', '.join(map(str, access.ports.values()))}" if access else ""
        return (f"the lab {begun.lab} is ready, {begun.how}{ports}" +
                (f"; left from other labs (kept; --force removes them): {left}" if left else ""))

    code = in_turn(args, learners, "starting", start, started)
    if any(learner.cluster == EMBEDDED for learner in learners):
        print(f"The ssh lines to hand out, per learner and node: dcalab class access --roster {args.roster}")
    return code


def _chosen(roster: Roster, learners: tuple[Learner, ...], names: list[str]) -> tuple[Learner, ...]:
    """The learners named on the command line, each once, as the roster lists them first."""
    first: dict[str, Learner] = {}
    for learner in learners:
        first.setdefault(learner.name, learner)
    for name in names:
        roster.learner(name)  # a name the roster does not list is one sentence naming those it does
    return tuple(first[name] for name in dict.fromkeys(names))


def stop_command(args: argparse.Namespace) -> int:
    roster = read_roster(Path(args.roster))

    def stop(learner: Learner) -> None:
        learner_cluster(learner, read_only=False).down()

    return in_turn(args, _chosen(roster, roster.learners, args.learners), "removing their cluster", stop,
                   lambda done: "their cluster is removed")


def reset_command(args: argparse.Namespace) -> int:
    roster, default, labs, learners = _class(args, args.lab)

    def reset(learner: Learner) -> Started:
        return start_lab(learner_cluster(learner, read_only=False), labs[learner.lab_of(default)], force=True)

    return in_turn(args, _chosen(roster, learners, args.learners), "back to the lab's start", reset,
                   lambda done: f"back at the start of the lab {done.value.lab}")


def access_command(args: argparse.Namespace) -> int:
    checked_bind(args.bind)
    roster = read_roster(Path(args.roster))
    opened = {}
    if args.open:
        embedded = [learner for learner in roster.learners if learner.cluster == EMBEDDED and not learner.problem]
        dones = each_learner(lambda learner: open_access(learner_cluster(learner, read_only=False), args.bind),
                             embedded, args.parallel)
        opened = {done.learner.name: done.problem for done in dones}
    for learner in roster.learners:
        if learner.problem:
            print(f"{learner.name}: not reachable from the roster: {learner.problem}")
        elif learner.cluster == SSH:
            print(f"{learner.name} (or: ssh -F {learner.ssh_config} NODE):")
            for node, line in ssh_lines(learner.ssh_config).items():
                print(f"  {node:<8} {line}")
        else:
            print(embedded_access(learner, args, opened.get(learner.name, "")))
    return 1 if any(opened.values()) else 0


def embedded_access(learner: Learner, args: argparse.Namespace, problem: str) -> str:
    """A learner's lines for their embedded cluster: on this server, and from another machine with their key."""
    from dcalab.pki import cluster_ssh_key  # the Docker SDK, with the engine module: only for an embedded cluster

    named = f" --cluster-name {learner.cluster_name}" if learner.cluster_name else ""
    here = f"{learner.name}: on this server, dcalab shell NODE{named} (e.g. dcalab shell master{named})"
    if problem:
        return f"{here}; from another machine not open: {problem}"
    try:
        access = forwarded(learner_cluster(learner, read_only=True))
        if access is None:
            return f"{here}; from another machine not open yet: dcalab class access --open --roster {args.roster}"
        key = cluster_ssh_key(learner.cluster_name)
    except DcalabError as error:
        return f"{here}; from another machine not open: {error}"
    lines = access.lines(key, args.address or server_address(access.bind))
    return "\n".join([f"{here}; from another machine, with the key {key} (hand it over; ssh wants it readable by its "
                      "owner alone: chmod 600):", *(f"  {node:<8} {line}" for node, line in lines.items())])


def add_class_parser(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("class", help="a whole class (a roster of learners): grade, watch, start, stop, reset, "
                                "access")
    actions = group.add_subparsers(dest="action", required=True)

    def lab_argument(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("lab", nargs="?", help="the lab of every learner who names none in the roster (default: "
                            "the roster's lab = \"LAB\")")

    def roster_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--roster", required=True, metavar="FILE", help="the class: a TOML roster (class.toml) or "
                            "an Ansible INI inventory with one group per learner")

    def grading_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--hints", default=CONCEPT, choices=[CONCEPT, FULL], help="the hint tier in the reports")
        parser.add_argument("--timeout", type=positive(float), metavar="SECONDS",
                            help="per node command (default as pytest labs/LAB)")
        parser.add_argument("--history", metavar="PATH", help="the class's SQLite history (default: "
                            "class-history.sqlite3 beside your own)")

    def bind_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--bind", default=ALL_ADDRESSES, metavar="ADDRESS", help="the server's address the "
                            "learners' SSH ports listen on, one per node of an embedded cluster (default: all of "
                            "them); the ports go with the cluster (class stop, dcalab cluster down)")

    def parallel_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--parallel", type=positive(int), default=os.cpu_count() or 1, metavar="N",
                            help="learners' clusters worked on at once (default: this machine's cores)")

    grade = actions.add_parser("grade", help="every learner graded at once, read-only: the class's table, reports "
                               "and history")
    lab_argument(grade)
    roster_option(grade)
    grading_options(grade)
    grade.add_argument("--csv", metavar="PATH", help="also write the table as CSV")
    grade.add_argument("--html", metavar="PATH", help="also write one page: the grid coloured by verdict, each "
                       "cell's findings on hover")
    grade.add_argument("--out", metavar="FOLDER", help="each learner's LEARNER.json and LEARNER.xml (JUnit) "
                       "(default: class-LAB)")
    grade.set_defaults(handler=grade_command)

    watch = actions.add_parser("watch", help="the class's grid graded again every few seconds: who is on which "
                               "task, for how long")
    lab_argument(watch)
    roster_option(watch)
    grading_options(watch)
    watch.add_argument("--interval", type=positive(float), default=CLASS_INTERVAL, metavar="SECONDS",
                       help=f"from one grade of the class to the next (default {CLASS_INTERVAL:g})")
    watch.add_argument("--html", metavar="PATH", help="also keep a page that reloads itself")
    watch.set_defaults(handler=watch_command)

    start = actions.add_parser("start", help="every learner's cluster at the lab's start, in parallel")
    lab_argument(start)
    roster_option(start)
    parallel_option(start)
    start.add_argument("--force", action="store_true", help="start clusters that hold a learner's work since a start "
                       "too (removing it), and on SSH hosts remove what other labs left first")
    bind_option(start)
    start.set_defaults(handler=start_command)

    stop = actions.add_parser("stop", help="remove these learners' embedded clusters, the others untouched")
    stop.add_argument("learners", nargs="+", metavar="LEARNER")
    roster_option(stop)
    parallel_option(stop)
    stop.set_defaults(handler=stop_command)

    reset = actions.add_parser("reset", help="these learners' clusters back to the lab's start (their work removed), "
                               "the others untouched")
    reset.add_argument("learners", nargs="+", metavar="LEARNER")
    roster_option(reset)
    reset.add_argument("--lab", help="the lab of learners who name none (default: the roster's lab)")
    parallel_option(reset)
    reset.set_defaults(handler=reset_command)

    access = actions.add_parser("access", help="per learner, the ssh line to each of their nodes, to hand out; an "
                                "embedded cluster's SSH ports are opened by class start, or by --open")
    roster_option(access)
    access.add_argument("--open", action="store_true", help="open (or move to --bind) the SSH ports of every "
                        "embedded learner's cluster that is up, as class start does")
    bind_option(access)
    access.add_argument("--address", metavar="HOST", help="the server's name or address as the learners reach it, in "
                        "the lines (default: the --bind address, else this machine's name)")
    parallel_option(access)
    access.set_defaults(handler=access_command)
