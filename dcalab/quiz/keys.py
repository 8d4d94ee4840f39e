"""Reading answers: single keypresses from a terminal in cbreak mode, or whole lines from a pipe or file."""

from __future__ import annotations

import os
import select
import termios
import tty
from typing import Any


class TimeUp(Exception):
    """The deadline passed while the quiz waited for an answer."""


class Keys:
    """Answers from a file descriptor: keypresses in cbreak mode on a TTY, whole lines otherwise."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.tty = os.isatty(fd)
        self._saved: list[Any] | None = None
        self._pending: list[str] = []  # keys read together (typed fast, pasted) and not used yet
        self._buffer = b""  # line mode: bytes read past the last line returned

    def __enter__(self) -> Keys:
        if self.tty:
            self._saved = termios.tcgetattr(self.fd)
            # not raw: Ctrl-C must still raise SIGINT; TCSANOW, not the default flush: a key typed before the
            # prompt (a fast typist, a test) is read, not thrown away
            tty.setcbreak(self.fd, termios.TCSANOW)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def read(self, timeout: float | None) -> str:
        """The next key on a TTY, the next line otherwise; TimeUp after `timeout` seconds, EOFError at the end."""
        return self._key(timeout) if self.tty else self._line(timeout)

    def _bytes(self, timeout: float | None) -> bytes:
        # select, not a blocking read, so the deadline can pass while nobody types
        if timeout is not None and not select.select([self.fd], [], [], timeout)[0]:
            raise TimeUp
        data = os.read(self.fd, 1024)
        if not data:
            raise EOFError
        return data

    def _key(self, timeout: float | None) -> str:
        if not self._pending:
            text = self._bytes(timeout).decode(errors="replace")
            head, escape, tail = text.partition("\x1b")  # an arrow key's sequence is one (invalid) key
            self._pending = [*head, *([escape + tail] if escape else [])]
        key = self._pending.pop(0)
        if key == "\x03":
            raise KeyboardInterrupt
        if key == "\x04":
            raise EOFError
        return key

    def _line(self, timeout: float | None) -> str:
        while b"\n" not in self._buffer:
            try:
                self._buffer += self._bytes(timeout)
            except EOFError:
                if not self._buffer:
                    raise
                self._buffer += b"\n"  # a last line without its newline still counts
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode(errors="replace").strip()
