"""Children started in a pseudo-terminal as a learner starts them, whatever started the test run."""

from __future__ import annotations

import signal
from typing import Any

import pexpect


def spawn(command: str, args: list[str], ctrl_c: signal.Handlers = signal.SIG_DFL, **options: Any) -> pexpect.spawn:
    """pexpect.spawn(command, args, ...) with Ctrl-C (SIGINT) at its default in the child (or as `ctrl_c` says). A test
    run started in the background (`nohup pytest … &`) has SIGINT ignored, and every child would inherit that."""
    return pexpect.spawn(command, args, preexec_fn=lambda: signal.signal(signal.SIGINT, ctrl_c), **options)
