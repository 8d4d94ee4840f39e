"""Progress for long steps (an engine started, an image built, a node made), on stderr. On a terminal, one live line,
rewritten in place, shows the steps running with their seconds ticking, and each step leaves one line with its time
when it ends; in a log or a pipe, a plain line when each starts and one when it ends. A step is entered only when
there is work to do, so a command with nothing to do prints nothing."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Own code, not rich's live display: importing rich.progress costs ~45 ms (-X importtime), half of dcalab's start.
TICK = 0.1  # seconds between two redraws of the live line
CLEAR = "\r\x1b[K"  # back to the start of the line, and erase it

_lines = threading.Lock()  # steps run in parallel (one per node): a line is never cut by another
_running: dict[object, tuple[str, float]] = {}  # on a terminal: each step running -> its title and start
_drawn = False  # the live line is on the screen, with the cursor at its end
_ticker: threading.Thread | None = None  # redraws the live line while a step runs


def _live() -> bool:
    return sys.stderr.isatty()


def _width() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 80
    except (OSError, ValueError):  # not a file descriptor after all
        return 80


def _draw() -> None:
    """The live line anew, of the steps running; the caller holds _lines."""
    global _drawn
    now = time.monotonic()
    line = "; ".join(f"{title} ... {now - started:.1f} s" for title, started in _running.values())
    line = line[:_width() - 1]  # a line that wraps could not be rewritten in place
    sys.stderr.write(f"{CLEAR if _drawn else ''}{line}")
    sys.stderr.flush()
    _drawn = True


def _say(line: str) -> None:
    """A line that stays, above the live line; the caller holds _lines."""
    global _drawn
    sys.stderr.write(f"{CLEAR if _drawn else ''}{line}\n")
    sys.stderr.flush()
    _drawn = False
    if _running:
        _draw()


def say(line: str) -> None:
    """One line on stderr that stays, even while the live line shows on a terminal."""
    with _lines:
        _say(line)


def _tick() -> None:
    global _ticker
    while True:
        with _lines:
            if not _running:
                _ticker = None
                return
            _draw()
        time.sleep(TICK)


def _start(step_id: object, title: str, started: float) -> None:
    global _ticker
    with _lines:
        if not _live():
            _say(f"{title} ...")
            return
        _running[step_id] = (title, started)
        _draw()
        if _ticker is None:
            _ticker = threading.Thread(target=_tick, name="progress", daemon=True)
            _ticker.start()


def _end(step_id: object, line: str) -> None:
    with _lines:
        _running.pop(step_id, None)
        _say(line)


@contextmanager
def step(title: str, quiet_for: float = 0.0, fresh_line: Callable[[], None] | None = None) -> Iterator[None]:
    """`title ...` while a long step runs, `title: done in 4.2 s` after it (`stopped after` when an error or Ctrl-C
    ends it, and the error goes on). With `quiet_for`, a step that ends sooner says nothing at all; `fresh_line`
    ends whatever else is on the screen's current line first (pytest's dots)."""
    started, step_id, shown = time.monotonic(), object(), threading.Event()

    def show() -> None:
        shown.set()
        if fresh_line is not None:
            fresh_line()
        _start(step_id, title, started)

    timer = threading.Timer(quiet_for, show) if quiet_for else None
    if timer is None:
        show()
    else:
        timer.daemon = True
        timer.start()
    try:
        yield
    except BaseException:
        _finish(timer, shown, step_id, f"{title}: stopped after {time.monotonic() - started:.1f} s")
        raise
    _finish(timer, shown, step_id, f"{title}: done in {time.monotonic() - started:.1f} s")


def _finish(timer: threading.Timer | None, shown: threading.Event, step_id: object, line: str) -> None:
    if timer is not None:
        timer.cancel()
        timer.join()  # a start being shown right now is shown whole before its end
    if shown.is_set():
        _end(step_id, line)
