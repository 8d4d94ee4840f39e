"""Progress lines for long steps (an engine started, an image built, a node made): a line when each starts and
one when it ends with its time, on stderr, on a terminal and in a log alike. A step is entered only when there
is work to do, so a command with nothing to do prints nothing."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lines = threading.Lock()  # steps run in parallel (one per node): a line is never cut by another


def _say(line: str) -> None:
    with _lines:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


@contextmanager
def step(title: str) -> Iterator[None]:
    """`title ...` before a long step, `title: done in 4.2 s` after it (`stopped after` when an error or Ctrl-C
    ends it, and the error goes on)."""
    started = time.monotonic()
    _say(f"{title} ...")
    try:
        yield
    except BaseException:
        _say(f"{title}: stopped after {time.monotonic() - started:.1f} s")
        raise
    _say(f"{title}: done in {time.monotonic() - started:.1f} s")
