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
from typing import Any

from testinfra.backend.base import BaseBackend, CommandResult
from testinfra.host import Host

from checks import EnvironmentFault

DEFAULT_TIMEOUT = float(os.environ.get("DCALAB_COMMAND_TIMEOUT", "20"))


class NodeTimeout(EnvironmentFault):
    """A node did not answer a command within the per-command timeout."""


class PersistentShell:
    """One long-lived shell process; commands run one at a time, framed by a random end marker."""

    def __init__(self, argv: list[str], node: str) -> None:
        self.argv, self.node = argv, node
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

    def run(self, command: str, timeout: float = DEFAULT_TIMEOUT) -> tuple[int, bytes, bytes]:
        with self.lock:
            if self.timed_out:
                raise self.timed_out
            try:
                return self._run(command, timeout)
            except NodeTimeout as fault:
                self.timed_out = fault
                raise
            except EnvironmentFault:  # a shell left over from a node since recreated: one fresh try
                return self._run(command, timeout)

    def _run(self, command: str, timeout: float) -> tuple[int, bytes, bytes]:
        process = self._start()
        marker = f"__dcalab_{uuid.uuid4().hex}__".encode()
        # A subshell per command: `exit`, `cd` or variables in one command do not touch the next.
        script = (f"( {command}\n) </dev/null; printf '\\n%s %d\\n' {marker.decode()} $?; "
                  f"printf '\\n%s\\n' {marker.decode()} >&2\n")
        try:
            process.stdin.write(script.encode())
            process.stdin.flush()
        except BrokenPipeError:
            pass  # the shell died at once (e.g. no such container): its stderr says why
        return self._collect(process, marker, timeout)

    def _collect(self, process: subprocess.Popen, marker: bytes, timeout: float) -> tuple[int, bytes, bytes]:
        buffers = {process.stdout: b"", process.stderr: b""}
        open_streams = set(buffers)
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            for stream in buffers:
                selector.register(stream, selectors.EVENT_READ)
            while not all(marker in data for data in buffers.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.close()
                    raise NodeTimeout(f"{self.node} did not answer within {timeout:.0f} s.",
                                      "Is it paused or overloaded? Check with: dcalab cluster status")
                for key, _ in selector.select(remaining):
                    chunk = key.fileobj.read()
                    if chunk:
                        buffers[key.fileobj] += chunk
                    elif chunk == b"":  # end of file: the shell is gone
                        selector.unregister(key.fileobj)
                        open_streams.discard(key.fileobj)
                if not open_streams:
                    self.close()
                    reason = buffers[process.stderr].decode(errors="replace").strip() or "its shell exited"
                    raise EnvironmentFault(f"The harness cannot reach {self.node} ({reason[:200]}).",
                                           "Start it: dcalab cluster up")
        stdout, _, tail = buffers[process.stdout].partition(b"\n" + marker + b" ")
        stderr = buffers[process.stderr].partition(b"\n" + marker)[0]
        return int(tail.split()[0]), stdout, stderr


class ShellBackend(BaseBackend):
    """testinfra backend over a PersistentShell; in read-only mode repeated commands are answered once."""

    NAME = "dcalab-shell"

    def __init__(self, argv: list[str], node: str, cache: bool = False, **kwargs: Any) -> None:
        super().__init__(node, **kwargs)
        self.shell = PersistentShell(argv, node)
        self.cache: dict[str, CommandResult] | None = {} if cache else None

    def run(self, command: str, *args: str, **kwargs: Any) -> CommandResult:
        cmd = self.get_command(command, *args)
        if self.cache is not None and cmd in self.cache:
            return self.cache[cmd]
        rc, stdout, stderr = self.shell.run(cmd)
        result = self.result(rc, self.encode(cmd), stdout, stderr)
        if self.cache is not None:
            self.cache[cmd] = result
        return result


def shell_host(argv: list[str], node: str, cache: bool = False) -> Host:
    """A testinfra Host whose commands go through one persistent shell."""
    return Host(ShellBackend(argv, node, cache=cache))
