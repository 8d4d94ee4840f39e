"""A testinfra backend that keeps one shell open per node and feeds it commands.

One `docker exec -i NODE sh` (or `ssh ... sh`) costs one process start; every command after it is a
round trip on that shell's pipes instead of a new `docker exec` (~90 ms) or SSH connection. Each
command has a timeout: a node that does not answer in time raises NodeTimeout, and every later
command on that node fails at once, so a frozen node costs the timeout once, never a hang.

>>> host = shell_host(["docker", "exec", "-i", "dcalab-master", "/bin/sh"], "master")
>>> host.check_output("hostname")
'master.docker-dca.example'
"""

from __future__ import annotations

import os
import selectors
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from testinfra.backend.base import BaseBackend, CommandResult
from testinfra.host import Host

from dcalab.errors import EnvironmentFault, NodeTimeout

GRADE_TIMEOUT, SOLVE_TIMEOUT = 10.0, 180.0  # seconds per command: checks are quick, pushes and pulls are not


class PersistentShell:
    """One long-lived shell process; commands run one at a time, framed by a random end marker."""

    def __init__(self, argv: list[str], node: str, fix: Callable[[], str] = lambda: "") -> None:
        self.argv, self.node, self.fix = argv, node, fix  # fix: what to do when the node cannot be reached
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()
        self.timed_out: NodeTimeout | None = None  # once a node hangs, later commands fail at once

    def _start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, start_new_session=True)
            for stream in (self.process.stdout, self.process.stderr):
                os.set_blocking(stream.fileno(), False)
        return self.process

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def run(self, command: str, timeout: float = GRADE_TIMEOUT) -> tuple[int, bytes, bytes]:
        return self.run_many([command], timeout)[0]

    def run_many(self, commands: list[str], timeout: float = GRADE_TIMEOUT) -> list[tuple[int, bytes, bytes]]:
        """Run commands one after another in one round trip: all are written, then all answers read."""
        with self.lock:
            if self.timed_out:
                raise self.timed_out
            try:
                return self._run(commands, timeout)
            except NodeTimeout as fault:
                self.timed_out = fault
                raise
            except EnvironmentFault:  # a shell left over from a node since recreated: one fresh try
                return self._run(commands, timeout)

    def _run(self, commands: list[str], timeout: float) -> list[tuple[int, bytes, bytes]]:
        process = self._start()
        markers = [f"__dcalab_{uuid.uuid4().hex}__" for _ in commands]
        # A subshell per command: `exit`, `cd` or variables in one command do not touch the next.
        script = "".join(f"( {command}\n) </dev/null; printf '\\n%s %d\\n' {marker} $?; "
                         f"printf '\\n%s\\n' {marker} >&2\n" for command, marker in zip(commands, markers, strict=True))
        try:
            process.stdin.write(script.encode())
            process.stdin.flush()
        except BrokenPipeError:
            pass  # the shell died at once (e.g. no such container): its stderr says why
        buffers = {process.stdout: b"", process.stderr: b""}
        return [self._collect(process, buffers, marker.encode(), timeout) for marker in markers]

    def _collect(self, process: subprocess.Popen, buffers: dict, marker: bytes, timeout: float
                 ) -> tuple[int, bytes, bytes]:
        """Read until both streams carried the marker; what follows it stays for the next command."""
        stdout_end, stderr_end = b"\n" + marker + b" ", b"\n" + marker + b"\n"

        def answered() -> bool:  # the status line after the stdout marker is complete, stderr has its marker
            return (b"\n" in buffers[process.stdout].partition(stdout_end)[2]
                    and stderr_end in buffers[process.stderr])

        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            for stream in buffers:
                selector.register(stream, selectors.EVENT_READ)
            while not answered():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.close()
                    raise NodeTimeout(f"{self.node} did not answer within {timeout:.0f} s.",
                                      "Is it paused or overloaded? Check with: dcalab cluster status")
                events = selector.select(remaining)
                for key, _ in events:
                    chunk = key.fileobj.read()
                    if chunk:
                        buffers[key.fileobj] += chunk
                    elif chunk == b"":  # end of file: the shell is gone
                        selector.unregister(key.fileobj)
                if not selector.get_map():
                    self.close()
                    reason = buffers[process.stderr].decode(errors="replace").strip() or "its shell exited"
                    raise EnvironmentFault(f"The harness cannot reach {self.node} ({reason[:200]}).", self.fix())
        stdout, tail = buffers[process.stdout].split(stdout_end, 1)
        status, buffers[process.stdout] = tail.split(b"\n", 1)
        stderr, buffers[process.stderr] = buffers[process.stderr].split(stderr_end, 1)
        return int(status), stdout, stderr


class ShellBackend(BaseBackend):
    """testinfra backend over a PersistentShell; in read-only mode repeated commands are answered once."""

    NAME = "dcalab-shell"

    def __init__(self, argv: list[str], node: str, cache: bool = False, timeout: float = GRADE_TIMEOUT,
                 fix: Callable[[], str] = lambda: "", **kwargs: Any) -> None:
        super().__init__(node, **kwargs)
        self.node, self.timeout = node, timeout
        self.shell = PersistentShell(argv, node, fix)
        self.cache: dict[str, CommandResult] | None = {} if cache else None
        self.fresh = False  # set by Cluster.fresh(): ask again, keep the new answer
        self.asked: dict[str, None] = {}  # every command asked for, in order: the next grade's prefetch plan

    def run(self, command: str, *args: str, **kwargs: Any) -> CommandResult:
        cmd = self.get_command(command, *args)
        self.asked[cmd] = None
        if self.cache is not None and cmd in self.cache and not self.fresh:
            return self.cache[cmd]
        rc, stdout, stderr = self.shell.run(cmd, self.timeout)
        result = self.result(rc, self.encode(cmd), stdout, stderr)
        if self.cache is not None:
            self.cache[cmd] = result
        return result

    def prefetch(self, commands: list[str]) -> None:
        """Answer, in one round trip, the commands a read-only grade will ask (the last grade's plan)."""
        wanted = [cmd for cmd in commands if cmd not in self.cache] if self.cache is not None else []
        if wanted:
            for cmd, (rc, stdout, stderr) in zip(wanted, self.shell.run_many(wanted, self.timeout), strict=True):
                self.cache[cmd] = self.result(rc, self.encode(cmd), stdout, stderr)


def shell_host(argv: list[str], node: str, cache: bool = False, timeout: float = GRADE_TIMEOUT,
               fix: Callable[[], str] = lambda: "") -> Host:
    """A testinfra Host whose commands go through one persistent shell; `fix` says what to do when the node
    cannot be reached (called only then)."""
    return Host(ShellBackend(argv, node, cache=cache, timeout=timeout, fix=fix))
