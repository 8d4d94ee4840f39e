"""`dcalab watch`: a lab graded again about once a second while you work, for a second terminal.

Each cycle is one LabSession grade, in this process and read-only, on the shells it keeps open (session.again()
forgets the answers, not the shells), so watching costs each node about one round trip per cycle. On a terminal
the table is redrawn in place; otherwise (a log) it is printed again whenever a verdict or a score changes.
The whole watch is one history row: when it started, its best score and its last grade.
"""

from __future__ import annotations

import io
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from dcalab.grading import PASS, TaskResult
from dcalab.grading import verdicts as graded_verdicts
from dcalab.outcome import save_grade
from dcalab.progress import write_nowhere
from dcalab.report import totals, write_table
from dcalab.session import LabSession

if TYPE_CHECKING:
    from _pytest._io.terminalwriter import TerminalWriter

INTERVAL = 1.0  # seconds from the start of one grade to the start of the next
HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"
STOPS = (signal.SIGTERM, signal.SIGHUP)  # what ends a watch as Ctrl-C does: a kill, its terminal closed
REDRAW = "\x1b[H\x1b[J"  # home, then clear to the end of the screen: a frame that wraps leaves nothing behind

Verdicts = dict[str, tuple[str, int]]  # task id -> (verdict, points)


def clock(timestamp: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(timestamp))


class Frames:
    """How a watch draws: each frame written whole, in place on a terminal, else again when something changed."""

    def __init__(self, out: TextIO) -> None:
        from _pytest._io.terminalwriter import should_do_markup  # here only: every other dcalab command goes without

        self.out = out
        self.live = out.isatty()  # redraw in place; else print again on each change
        self.colour = should_do_markup(out)

    def canvas(self) -> tuple[io.StringIO, TerminalWriter]:
        """A frame's buffer and the writer that draws on it, in the colours of the grade's own table."""
        from _pytest._io.terminalwriter import TerminalWriter

        buffer = io.StringIO()
        writer = TerminalWriter(buffer)
        writer.hasmarkup = self.colour
        return buffer, writer

    def frame(self) -> str:
        raise NotImplementedError

    def show(self, changed: bool) -> None:
        if self.live:  # one write: the terminal never shows half a frame
            self.out.write(REDRAW + self.frame())
        elif changed:
            self.out.write(self.frame() + "\n")
        self.out.flush()


class Watch(Frames):
    """The grades of one watch: what the last one found, what changed and when, the best score."""

    def __init__(self, session: LabSession, out: TextIO) -> None:
        super().__init__(out)
        self.session = session
        self.started = time.time()
        self.results: dict[str, TaskResult] = {}  # the last complete grade
        self.verdicts: Verdicts = {}
        self.changed_at, self.changes = 0.0, ""
        self.best = 0

    def grade(self) -> bool:
        """Grade the lab once; True when the verdicts or the points changed since the last grade."""
        results = dict(self.session.run_all())
        verdicts = graded_verdicts(results)
        changed = verdicts != self.verdicts
        if changed and self.verdicts:
            lab = self.session.lab
            self.changed_at = time.time()
            self.changes = ", ".join(f"{task} now {status} {score}/{lab.task(task).points}"
                                     for task, (status, score) in verdicts.items()
                                     if self.verdicts.get(task) != (status, score))
        self.results, self.verdicts = results, verdicts
        self.best = max(self.best, totals(self.session.lab, results)[0])
        return changed

    @property
    def all_pass(self) -> bool:
        return bool(self.results) and all(result.status == PASS for result in self.results.values())

    def frame(self) -> str:
        """The lab's table, when it was graded and what changed last, and the goal and first hint of the first task
        left."""
        lab = self.session.lab
        buffer, writer = self.canvas()
        writer.write(f"Watching lab {lab.id}: {lab.title}, on the {self.session.cluster.name} cluster "
                     "(read-only; Ctrl-C stops).\n")
        write_table(writer, lab, self.results, compact=True)
        last = (f"last change {clock(self.changed_at)}: {self.changes}" if self.changed_at
                else f"no change since {clock(self.started)}")
        writer.write(f"Graded {clock(time.time())}; {last}.\n")
        left = next((result for result in self.results.values() if result.status != PASS), None)
        if left:  # its goal, then the first hint (what is wrong, never the command) as the frame's last line
            writer.write(f"Goal of {left.task.id}: " + left.task.goal.replace("\n", "\n  ") + "\n")
        writer.write(f"Next, {left.task.id}: {left.hint}\n" if left else "Every task passes.\n")
        return buffer.getvalue()

    def say_end(self, saved: int | None) -> None:
        """The cursor back, and the watch's last line: when, its best and last score, where it is saved."""
        if self.live:
            self.out.write(SHOW_CURSOR)
        if self.results:
            lab = self.session.lab
            score, maximum, _ = totals(lab, self.results)
            where = f" Saved in your history: dcalab history --lab {lab.id}" if saved else ""
            if self.live:
                self.out.write("\n")  # a line between the last frame and this one, as between the frames in a log
            self.out.write(f"Watched {lab.id} from {clock(self.started)} to {clock(time.time())}: best "
                           f"{self.best}/{maximum}, last {score}/{maximum}.{where}\n")
        self.out.flush()

    def again(self) -> None:
        self.session.again()

    def close(self) -> None:
        self.session.cluster.reconnect()

    def record(self, history: Path | None) -> int | None:
        """The watch's one history row: its start, best score and last grade."""
        cluster = self.session.cluster
        return save_grade(self.session.lab, self.results, "watch", cluster.name, history=history,
                          started=self.started, best=self.best, cluster_name=cluster.cluster_name)


class Stopped(BaseException):
    """SIGTERM, or SIGHUP (the watch's terminal closed): the watch ends as on Ctrl-C. A BaseException, as
    KeyboardInterrupt, so that no grader's `except Exception` takes it for a broken check."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signum)


def _handle(signums: tuple[int, ...], handler: Callable | int) -> dict[int, Callable | int | None]:
    """Set `handler` for these signals; the handlers they had. Only the main thread may: elsewhere, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, handler) for signum in signums}


class Watching(Protocol):
    """What keep_watching() draws again and again: one learner's lab (Watch) or a class (dcalab.classroom)."""

    live: bool  # on a terminal: redrawn in place
    out: TextIO
    results: dict  # the last complete grade; empty when none finished

    def grade(self) -> bool: ...  # grade once; True when a verdict or a score changed

    def show(self, changed: bool) -> None: ...

    @property
    def all_pass(self) -> bool: ...

    def again(self) -> None: ...  # ready the next grade

    def close(self) -> None: ...  # close the shells

    def record(self, history: Path | None) -> int | None: ...  # the history rows; None when none was saved

    def say_end(self, saved: int | None) -> None: ...


def watch(session: LabSession, out: TextIO, until_pass: bool = False, interval: float = INTERVAL,
          history: Path | None = None) -> int:
    """Grade the session's lab again and again and show it (keep_watching)."""
    return keep_watching(Watch(session, out), until_pass, interval, history)


def keep_watching(seen: Watching, until_pass: bool = False, interval: float = INTERVAL,
                  history: Path | None = None) -> int:
    """Grade again and again and show it: 0 once every task passes (with until_pass), 130 on Ctrl-C, 128 + the signal
    on SIGTERM or SIGHUP (its terminal closed). Writes the history (unless no grade finished), however it ends, output
    gone included, and closes the shells."""
    out = seen.out
    code, gone = 130, None
    before = _handle(STOPS, _stop)
    try:
        try:
            if seen.live:
                out.write(HIDE_CURSOR)
            while True:
                began = time.monotonic()
                seen.show(seen.grade())
                if until_pass and seen.all_pass:
                    code = 0
                    break
                time.sleep(max(interval - (time.monotonic() - began), 0))
                seen.again()
        except KeyboardInterrupt:
            pass
        except Stopped as stopped:
            code = 128 + stopped.signum
        except OSError as error:  # the terminal or the pipe it writes to is gone: what it saw is still saved
            code, gone = 1, error
        _handle((signal.SIGINT, *STOPS), signal.SIG_IGN)  # nothing cuts the way out short
        seen.close()
        saved = seen.record(history) if seen.results else None
        if gone is None:
            try:
                seen.say_end(saved)
                seen.out.flush()
            except OSError:  # its terminal closed (SIGHUP): the last lines have no reader
                write_nowhere(seen.out)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    if isinstance(gone, BrokenPipeError):
        raise gone  # the reader stopped early: dcalab's main says nothing more
    return code
