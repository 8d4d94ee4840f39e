"""Daemons dcalab started itself (dockerd, libvirtd, virtlogd): recorded when started, stopped only if still ours.

A PID alone does not name a process: once the daemon is gone the kernel gives its PID to another one. So the
record holds the process's start time (clock ticks after boot, /proc/PID/stat) and its exact argv too, and a
daemon is stopped only while the process under that PID matches all three.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import time
from pathlib import Path

from dcalab.progress import step
from dcalab.settings import state_dir, write_whole

STOP_TIMEOUT = 30
EXEC_TIMEOUT = 2  # seconds for a process just started to show its argv


def _record_file(name: str) -> Path:
    return state_dir() / f"{name}.started.json"


def _identity(pid: int) -> dict | None:
    """What names the process `pid` for good: its PID, start time and argv; None when no such process runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    start_time = int(stat.rpartition(") ")[2].split()[19])  # field 22; the name before ") " may hold anything
    return {"pid": pid, "start_time": start_time, "argv": cmdline.decode(errors="surrogateescape").split("\0")[:-1]}


def record(name: str, pid: int) -> None:
    """Remember that dcalab started the daemon `name` as process `pid`."""
    identity = _identity(pid)
    deadline = time.monotonic() + EXEC_TIMEOUT
    # Popen returns once exec has begun, before the kernel sets up the new argv: /proc/PID/cmdline is empty for a
    # moment, and a record of that could never match the daemon again (it could then not be stopped).
    while identity is not None and not identity["argv"] and time.monotonic() < deadline:
        time.sleep(0.005)
        identity = _identity(pid)
    if identity is not None:
        write_whole(_record_file(name), json.dumps(identity))


def recorded_pid(name: str) -> int | None:
    """The PID of the daemon `name` dcalab started, if that very process still runs."""
    try:
        recorded = json.loads(_record_file(name).read_text())
        pid = recorded["pid"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return pid if isinstance(pid, int) and _identity(pid) == recorded else None


def stop_recorded(name: str, title: str) -> bool:
    """SIGTERM the daemon dcalab started, SIGKILL it after STOP_TIMEOUT s; False when it does not run."""
    pid = recorded_pid(name)
    if pid is not None:
        with step(title), contextlib.suppress(ProcessLookupError):  # it exited meanwhile
            _stop(name, pid)
    _record_file(name).unlink(missing_ok=True)
    return pid is not None


def _stop(name: str, pid: int) -> None:
    """Signal through a pidfd opened while the process matched its record: no signal can reach another one."""
    pidfd = os.pidfd_open(pid)
    try:
        if recorded_pid(name) == pid:  # checked after opening: the pidfd holds that very process
            signal.pidfd_send_signal(pidfd, signal.SIGTERM)
            if not select.select([pidfd], [], [], STOP_TIMEOUT)[0]:  # a pidfd is readable once its process exited
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    finally:
        os.close(pidfd)
