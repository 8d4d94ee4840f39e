"""How a command travels through a node's persistent shell, and how its answer is found in the shell's output.

- The command runs contained: its text goes quoted to `eval` in a subshell whose stdin is /dev/null, so an
  unbalanced quote or a stray `)` fails that command alone, and `exit`, `cd` or variables stay inside it.
- Its answer is framed on both streams by a start and an end marker of its own (random): bytes outside the
  frame (a background process of an earlier command writing late) are dropped.
"""

from __future__ import annotations

import uuid


class Stream:
    """Bytes read from one of the shell's output pipes that no command's frame has claimed yet."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.searched = 0  # no marker ends before this offset: a search resumes near it, not at 0

    def line(self, marker: bytes) -> tuple[bytes, bytes] | None:
        """Once the marker's whole line arrived: (the bytes before the marker, the rest of its line); both go."""
        at = self.data.find(marker, max(self.searched - len(marker), 0))
        if at < 0:
            self.searched = len(self.data)
            return None
        line_end = self.data.find(b"\n", at + len(marker))
        if line_end < 0:
            self.searched = at + len(marker)
            return None
        before, rest = bytes(self.data[:at]), bytes(self.data[at + len(marker):line_end])
        del self.data[:line_end + 1]
        self.searched = 0
        return before, rest


class Frame:
    """One command as the shell runs it, and its answer as it arrives between its markers on both streams."""

    def __init__(self, command: str) -> None:
        token = uuid.uuid4().hex
        start, end = f"__dcalab_{token}_start__", f"__dcalab_{token}_end__"
        self.start, self.end = start.encode(), b"\n" + end.encode()
        quoted = "' " + command.replace("'", "'\\''") + "'"  # the space: eval never takes the text for an option
        self.script = (f"( printf '%s %s\\n' {start} $$; printf '%s\\n' {start} >&2; eval {quoted}\n) </dev/null; "
                       f"printf '\\n%s %s\\n' {end} $?; printf '\\n%s\\n' {end} >&2\n"
                       ).encode("utf-8", "surrogateescape")  # a command may hold bytes that are not UTF-8
        self.heads: dict[Stream, bytes] = {}  # per stream, the rest of the start line: on stdout, the shell's PID
        self.bodies: dict[Stream, tuple[bytes, bytes]] = {}  # per stream, (output, the rest of the end line)

    @property
    def started(self) -> bool:
        return bool(self.heads)

    def read(self, out: Stream, err: Stream) -> tuple[int, bytes, bytes] | None:
        """Claim what arrived of this answer; (exit status, stdout, stderr) once both streams carried its end."""
        for stream in (out, err):
            if stream not in self.heads and (found := stream.line(self.start)):
                self.heads[stream] = found[1]  # the bytes before the start marker are dropped
            if stream in self.heads and stream not in self.bodies and (found := stream.line(self.end)):
                self.bodies[stream] = found
        if len(self.bodies) < 2:
            return None
        return int(self.bodies[out][1]), self.bodies[out][0], self.bodies[err][0]
