"""Progress for long steps (an engine started, an image built, a node made), on stderr. On a terminal, one live line,
rewritten in place, shows the steps running with their seconds ticking, and each step leaves one line with its time
when it ends; in a log or a pipe, a plain line when each starts and one when it ends. A step is entered only when
there is work to do, so a command with nothing to do prints nothing.

The live line is drawn by the main thread only, so that it never cuts into what the main thread itself writes (pytest's
dots and reports, during a solve): while a step of the main thread runs, a SIGALRM comes every TICK, and Python runs its
handler on the main thread, between two bytecodes or in a blocking call, which it then resumes. Steps that other
threads run show in that line too, while the main thread waits for them (`drawn_for_threads`)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

# Own code, not rich's live display: importing rich.progress costs ~45 ms (-X importtime), half of dcalab's start.
TICK = 0.1  # seconds between two redraws of the live line
CLEAR = "\r\x1b[K"  # back to the start of the line, and erase it


@dataclass
class _Step:
    title: str
    started: float
    shows_at: float  # a quiet step says nothing before this time.monotonic() value
    fresh_line: Callable[[], None] | None
    shown: bool = False


_lines = threading.Lock()  # steps run in parallel (one per node): a line is never cut by another
_steps: dict[object, _Step] = {}  # each step running, shown or still quiet
_drawn = False  # the live line is on the screen, with the cursor at its end
_ticks_held = 0  # the main thread's steps and waits that want ticks; SIGALRM's handler is ours while above 0


def _live() -> bool:
    return sys.stderr.isatty()


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _width() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 80
    except (OSError, ValueError):  # not a file descriptor after all
        return 80


def _draw() -> None:
    """The live line anew, of the steps shown; the caller holds _lines, on the main thread."""
    global _drawn
    now = time.monotonic()
    line = "; ".join(f"{entry.title} ... {now - entry.started:.1f} s" for entry in _steps.values() if entry.shown)
    if line:
        sys.stderr.write(f"{CLEAR if _drawn else ''}{line[:_width() - 1]}")  # a wrapped line could not be rewritten
        sys.stderr.flush()
        _drawn = True


def _say(line: str) -> None:
    """A line that stays, above the live line; the caller holds _lines. Another thread leaves the live line off the
    screen until the main thread's next tick."""
    global _drawn
    sys.stderr.write(f"{CLEAR if _drawn else ''}{line}\n")
    sys.stderr.flush()
    _drawn = False
    if _live() and _on_main_thread():
        _draw()


def say(line: str) -> None:
    """One line on stderr that stays, even while the live line shows on a terminal."""
    with _lines:
        _say(line)


def _show(entry: _Step) -> None:
    """A step's start, once it is no longer quiet; the caller holds _lines."""
    entry.shown = True
    if entry.fresh_line is not None:
        entry.fresh_line()
    if not _live():
        _say(f"{entry.title} ...")
    elif _on_main_thread():
        _draw()


def _tick(signum: int, frame: object) -> None:
    """SIGALRM's handler while steps run: it shows the quiet steps whose time has come and redraws the live line."""
    if not _lines.acquire(blocking=False):  # the main thread was writing a line itself: the next tick draws
        return
    try:
        now = time.monotonic()
        for entry in _steps.values():
            if not entry.shown and now >= entry.shows_at:
                _show(entry)
        if _live():
            _draw()
    except (OSError, RuntimeError, ValueError):  # inside a write to the same stream (RuntimeError), or a stream
        pass  # closed meanwhile (ValueError): never an error in whatever the main thread was doing; the next tick draws
    finally:
        _lines.release()


def _hold_ticks() -> bool:
    """On the main thread, ticks from now on unless the program times something else with SIGALRM; True when held."""
    global _ticks_held
    if not _on_main_thread():
        return False
    if not _ticks_held:
        if signal.getsignal(signal.SIGALRM) != signal.SIG_DFL or signal.getitimer(signal.ITIMER_REAL)[0]:
            return False
        signal.signal(signal.SIGALRM, _tick)
        signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
    _ticks_held += 1
    return True


def _release_ticks() -> None:
    global _ticks_held
    _ticks_held -= 1
    if not _ticks_held:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # a tick still pending is then dropped by Python


@contextmanager
def drawn_for_threads() -> Iterator[None]:
    """While the main thread waits for threads that run steps (nodes made in parallel), it draws their live line."""
    held = _live() and _hold_ticks()
    try:
        yield
    finally:
        if held:
            _release_ticks()


@contextmanager
def step(title: str, quiet_for: float = 0.0, fresh_line: Callable[[], None] | None = None) -> Iterator[None]:
    """`title ...` while a long step runs, `title: done in 4.2 s` after it (`stopped after` when an error or Ctrl-C
    ends it, and the error goes on). With `quiet_for`, a step that ends sooner says nothing at all (a step that no
    tick can time, on a thread the main thread does not draw for, says its start at once); `fresh_line` ends
    whatever else is on the screen's current line first (pytest's dots)."""
    started, step_id = time.monotonic(), object()
    entry = _Step(title, started, started + quiet_for, fresh_line)
    held = bool(quiet_for or _live()) and _hold_ticks()
    with _lines:
        _steps[step_id] = entry
        if not quiet_for or not (held or _ticks_held):
            _show(entry)
    try:
        yield
    except BaseException:
        _end(step_id, f"{title}: stopped after {time.monotonic() - started:.1f} s")
        raise
    else:
        _end(step_id, f"{title}: done in {time.monotonic() - started:.1f} s")
    finally:
        if held:
            _release_ticks()


def _end(step_id: object, line: str) -> None:
    with _lines:
        if _steps.pop(step_id).shown:
            _say(line)


def write_nowhere(stream: TextIO) -> None:
    """The stream's reader is gone (a pipe closed early, a terminal closed): what is left in its buffer and anything
    written later goes to /dev/null, so that Python's flush at exit neither fails nor turns the exit status into 120."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
