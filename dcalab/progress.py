"""Progress lines for long steps: shown on a terminal, silent otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


def _shown() -> bool:
    return sys.stderr.isatty()


@contextmanager
def step(title: str) -> Iterator[None]:
    """Print `title ...` before a long step and its duration after it, on a TTY only."""
    started = time.monotonic()
    if _shown():
        print(f"{title} ...", file=sys.stderr, flush=True)
    yield
    if _shown():
        print(f"{title}: done in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
