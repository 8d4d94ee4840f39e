"""A testinfra backend that keeps one shell open per node and feeds it commands.

One `docker exec -i NODE sh` (or `ssh ... sh`) costs one process start; every command after it is a
round trip on that shell's pipes instead of a new `docker exec` (~90 ms) or SSH connection.

Nothing a command holds or prints can confuse the shell or another command's answer: each command runs
contained and its answer is framed by markers of its own (dcalab.backends.framing); output that is not UTF-8
(a learner's Latin-1 file) is decoded with replacement characters and graded, never a decode error.

Each command has a timeout, writing included: a node that does not answer in time raises NodeTimeout, the
command is stopped inside the node (through a second shell), and every later command on that node fails at
once, so a frozen node costs the timeout once, never a hang.

>>> host = shell_host(["docker", "exec", "-i", "dcalab-master", "/bin/sh"], "master")
>>> host.check_output("hostname")
'master.docker-dca.example'
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import testinfra
from testinfra.backend.base import BaseBackend, CommandResult
from testinfra.host import Host

from dcalab.backends.framing import Frame, Stream
from dcalab.errors import DcalabError, EnvironmentFault, GraderDefect, NodeTimeout

GRADE_TIMEOUT, SOLVE_TIMEOUT = 10.0, 180.0  # seconds per command: checks are quick, pushes and pulls are not
STOP_TIMEOUT = 5.0  # seconds for the second shell that stops a timed-out command (a frozen node gets no more)
READ_SIZE = 1 << 18
# A shell's command, or what makes it each time a shell starts (it may name the node's current PID).
ShellArgv = list[str] | Callable[[], list[str]]

# Sent to a second shell on the node when a command timed out: kill the first shell and every process under it
# (the command, its pipes, what it started), freezing each one first so that none can start another meanwhile.
# Builtins only, reading /proc/PID/stat (the parent PID is the 2nd field after the name in parentheses).
STOP_TREE = r"""tree=" $1 " more=1
kill -STOP "$1" 2>/dev/null
while [ -n "$more" ]; do
  more=
  for stat in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null < "$stat" || continue
    pid=${stat#/proc/} pid=${pid%/stat}
    set -- ${line##*) }
    case "$tree" in *" $pid "*) continue ;; esac
    case "$tree" in *" $2 "*) kill -STOP "$pid" 2>/dev/null; tree="$tree$pid " more=1 ;; esac
  done
done
kill -KILL $tree 2>/dev/null
"""


class ShellExited(EnvironmentFault):
    """The node's shell ended before a command's answer; `started` says whether that command had begun."""

    def __init__(self, message: str, fix: str, started: bool) -> None:
        super().__init__(message, fix)
        self.started = started


class PersistentShell:
    """One long-lived shell process; commands run one at a time, each contained and framed by its own markers."""

    def __init__(self, argv: ShellArgv, node: str, fix: Callable[[], str] = lambda: "") -> None:
        self.argv, self.node, self.fix = argv, node, fix  # fix: what to do when the node cannot be reached
        self.process: subprocess.Popen | None = None
        self.shell_pid = ""  # the shell's PID inside the node, from its first answer: what a timeout stops
        self.lock = threading.Lock()
        self.timed_out: NodeTimeout | None = None  # once a node hangs, later commands fail at once

    def _start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.close()
            argv = self._argv()
            try:
                self.process = subprocess.Popen(argv, bufsize=0, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, start_new_session=True)
            except OSError as error:  # not installed, not on PATH, not executable
                raise EnvironmentFault(f"The harness cannot reach {self.node}: it needs the program {argv[0]}, which "
                                       f"cannot be started here ({error.strerror or error}).",
                                       f"Install {Path(argv[0]).name}, or put it on PATH.") from None
            for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
                os.set_blocking(pipe.fileno(), False)  # a node that stops reading must not block us past a deadline
        return self.process

    def _argv(self) -> list[str]:
        return self.argv() if callable(self.argv) else self.argv

    def close(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):  # its own session: a local shell's children go too
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
                pipe.close()
        self.process, self.shell_pid = None, ""

    def run(self, command: str, timeout: float = GRADE_TIMEOUT) -> tuple[int, bytes, bytes]:
        return self.run_many([command], timeout)[0]

    def run_many(self, commands: list[str], timeout: float = GRADE_TIMEOUT) -> list[tuple[int, bytes, bytes]]:
        """Run commands one after another in one round trip: all are written, then all answers read."""
        if any("\0" in command for command in commands):
            raise GraderDefect(f"a command for {self.node} holds a NUL byte, which no shell command can carry.",
                               "Pass such bytes as printf escapes (\\000) in the lab's test.")
        answers: list[tuple[int, bytes, bytes]] = []
        with self.lock:
            if self.timed_out:
                raise self.timed_out
            try:
                try:
                    self._run(commands, timeout, answers)
                except ShellExited as exited:
                    if exited.started:
                        raise
                    # It certainly did not start (a shell left over from a node since recreated): one fresh try.
                    self._run(commands[len(answers):], timeout, answers)
            except NodeTimeout as fault:
                self.timed_out = fault
                raise
        return answers

    def _run(self, commands: list[str], timeout: float, answers: list[tuple[int, bytes, bytes]]) -> None:
        """Write the commands and read their answers into `answers`; each command has `timeout` s, writing included."""
        process = self._start()
        frames = [Frame(command) for command in commands]
        script, written = memoryview(b"".join(frame.script for frame in frames)), 0
        streams = {process.stdout: Stream(), process.stderr: Stream()}
        out, err = streams.values()
        reading = set(streams)  # the pipes not at their end yet
        with selectors.DefaultSelector() as selector:
            for pipe in streams:
                selector.register(pipe, selectors.EVENT_READ)
            selector.register(process.stdin, selectors.EVENT_WRITE)
            written = self._write(process, script, written, selector)  # most scripts fit the pipe at once
            for frame in frames:
                deadline = time.monotonic() + timeout
                while (answer := frame.read(out, err)) is None:
                    if out in frame.heads:  # the start line carries the shell's PID: what a timeout stops
                        self.shell_pid = frame.heads[out].strip().decode(errors="replace")
                    if not reading:
                        self.close()
                        reason = err.data.decode(errors="replace").strip() or "its shell exited"
                        raise ShellExited(f"The harness cannot reach {self.node} ({reason[:200]}).", self.fix(),
                                          frame.started)
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._time_out(timeout)
                    for key, _ in selector.select(remaining):
                        if key.fileobj is process.stdin:
                            written = self._write(process, script, written, selector)
                        elif chunk := self._read(key.fd):
                            streams[key.fileobj].data += chunk
                        elif chunk == b"":  # end of file: the shell is gone
                            selector.unregister(key.fileobj)
                            reading.discard(key.fileobj)
                answers.append(answer)

    @staticmethod
    def _read(fd: int) -> bytes | None:
        """What the pipe holds now (b"" at its end), or None after a wake-up with nothing to read."""
        try:
            return os.read(fd, READ_SIZE)
        except BlockingIOError:
            return None

    @staticmethod
    def _write(process: subprocess.Popen, script: memoryview, written: int, selector: selectors.BaseSelector) -> int:
        """Write what the shell's stdin takes now; how much of the script is written."""
        try:
            written += os.write(process.stdin.fileno(), script[written:])
        except BlockingIOError:
            return written
        except BrokenPipeError:  # the shell stopped reading: its answers, or their absence, say why
            written = len(script)
        if written == len(script):
            selector.unregister(process.stdin)
        return written

    def _time_out(self, timeout: float) -> NoReturn:
        """Stop the shell and its command inside the node too (a second shell kills them), then give up on it."""
        if self.shell_pid.isdigit():
            stop = f"set -- {self.shell_pid}\n{STOP_TREE}".encode()
            # a frozen node: nothing stops it; a node the backend can no longer name: the timeout says enough
            with contextlib.suppress(OSError, subprocess.SubprocessError, DcalabError):
                subprocess.run(self._argv(), input=stop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=min(STOP_TIMEOUT, timeout), start_new_session=True)
        self.close()
        raise timed_out(self.node, timeout)


def timed_out(node: str, timeout: float) -> NodeTimeout:
    return NodeTimeout(f"{node} did not answer within {timeout:.0f} s.",
                       "Is it paused or overloaded? Check with: dcalab cluster status")


def decoded(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")  # a learner's Latin-1 file is graded, not a decode error


class ShellBackend(BaseBackend):
    """testinfra backend over a PersistentShell; in read-only mode repeated commands are answered once."""

    NAME = "dcalab-shell"
    encoding = "utf-8"  # testinfra would ask each node's Python for its locale (one more command per node)

    def decode(self, data: bytes) -> str:
        return decoded(data)

    def encode(self, data: str) -> bytes:
        return data.encode("utf-8", errors="surrogateescape")  # the bytes of a command that are not UTF-8

    def __init__(self, argv: ShellArgv, node: str, cache: bool = False, timeout: float = GRADE_TIMEOUT,
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
        try:
            rc, stdout, stderr = self.shell.run(cmd, self.timeout)
        except NodeTimeout:  # never in the next grade's plan, whose prefetch it would hang first
            del self.asked[cmd]
            raise
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


def shell_host(argv: ShellArgv, node: str, cache: bool = False, timeout: float = GRADE_TIMEOUT,
               fix: Callable[[], str] = lambda: "") -> Host:
    """A testinfra Host whose commands go through one persistent shell; `fix` says what to do when the node
    cannot be reached (called only then)."""
    return Host(ShellBackend(argv, node, cache=cache, timeout=timeout, fix=fix))


def exec_host(spec: str, node: str, timeout: float) -> Host:
    """testinfra's own host for `spec` (one docker exec or SSH connection per command: --lab-transport=exec), held to
    the shell transport's contract: each command ends within `timeout` (NodeTimeout, as a shell says it; the command
    is stopped here, not on the node), and output that is not UTF-8 is decoded as the shell decodes it."""
    host = testinfra.get_host(spec)
    backend = host.backend
    backend.node, backend._encoding, backend.decode = node, "utf-8", decoded

    def run_local(command: str, *args: str) -> CommandResult:
        cmd = backend.encode(backend.quote(command, *args))
        process = subprocess.Popen(cmd, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise timed_out(node, timeout) from None
        return backend.result(process.returncode, cmd, stdout, stderr)

    backend.run_local = run_local
    return host
