"""Daemons dcalab started itself (dockerd, libvirtd, virtlogd): found and stopped by their recorded PID only."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from dcalab.progress import step

STOP_TIMEOUT = 30


def recorded_pid(pid_file: Path, program: str) -> int | None:
    """The PID in pid_file, if that process still runs `program` (a reused PID is not ours)."""
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if program.encode() in cmdline else None


def stop_recorded(pid_file: Path, program: str, title: str) -> bool:
    """SIGTERM the recorded daemon, SIGKILL it after STOP_TIMEOUT s; False when none runs. The file goes."""
    pid = recorded_pid(pid_file, program)
    if pid is not None:
        with step(title):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while time.monotonic() < deadline and recorded_pid(pid_file, program):
                time.sleep(0.2)
            if recorded_pid(pid_file, program):
                os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return pid is not None
