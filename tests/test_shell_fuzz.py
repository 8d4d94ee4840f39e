"""Fuzzing the persistent shell: whatever bytes a node holds or a command carries, every command ends in
bounded time (its timeout) with its own answer, and no exception."""

from __future__ import annotations

import random
import shlex

import pytest

from dcalab.backends.shell import PersistentShell

CONTROLS = bytes([*range(0x20), 0x7F, 0x9B, 0xC2, 0x9B])  # NUL, ESC, CR, BEL, DEL, C1 CSI (raw and as UTF-8)
SYNTAX = ["'", '"', "(", ")", "`", "$(", "${", "}", "\\", "<<EOF", "EOF", ";;", "&&", "||", "|", ";", "fi", "done",
          "esac", "then", "#", "\n", " ", "\x1b[2J", "\r", "*", "~"]  # no lone `&`: a background echo writes late


def marker_like(rng: random.Random) -> bytes:
    """Text shaped like the shell's own markers (with another token: a node cannot know the real one)."""
    token = rng.randbytes(16).hex()
    return rng.choice([b"", b"\n"]) + f"__dcalab_{token}_{rng.choice(['start', 'end'])}__".encode() + rng.choice(
        [b"", b"\n", b" 0\n", b" 1234\n", b" x"])


def payload(rng: random.Random) -> bytes:
    pieces = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.choice(["random", "controls", "long line", "marker"])
        if kind == "random":
            pieces.append(rng.randbytes(rng.randint(0, 300)))
        elif kind == "controls":
            pieces.append(bytes(rng.choice(CONTROLS) for _ in range(rng.randint(1, 40))) + b"\x1b]0;title\x07")
        elif kind == "long line":
            pieces.append(rng.choice(b"xy\xff").to_bytes(1, "big") * rng.randint(10_000, 100_000))
        else:
            pieces.append(marker_like(rng))
    return b"".join(pieces)


ESCAPED = [chr(byte) if chr(byte).isascii() and chr(byte).isalnum() else f"\\{byte:03o}" for byte in range(256)]


def printf_escaped(data: bytes) -> str:
    """A printf format that prints exactly `data`, NUL bytes included (as octal escapes)."""
    return "".join(map(ESCAPED.__getitem__, data))


def case(rng: random.Random) -> tuple[str, tuple[int, bytes, bytes] | None]:
    """A command and its answer (None: any answer, for a command that is random shell syntax)."""
    kind = rng.choice(["printed", "carried", "syntax"])
    if kind == "printed":  # the node holds the bytes: any byte, NUL included
        out, err, status = payload(rng), payload(rng), rng.randint(0, 255)
        return f"printf '{printf_escaped(out)}'; printf '{printf_escaped(err)}' >&2; exit {status}", (status, out, err)
    if kind == "carried":  # the command's own text holds the bytes: any byte but NUL
        text = payload(rng).replace(b"\0", b"")
        return f"printf %s {shlex.quote(text.decode('utf-8', 'surrogateescape'))}", (0, text, b"")
    return "echo x " + "".join(rng.choice(SYNTAX) for _ in range(rng.randint(1, 12))), None


@pytest.mark.parametrize("seed", range(4))
def test_every_command_ends_with_its_own_answer(seed: int, tmp_path) -> None:
    rng = random.Random(seed)
    shell = PersistentShell(["sh", "-c", f"cd {shlex.quote(str(tmp_path))} && exec /bin/sh"], "local")
    try:
        for _ in range(40):
            cases = [case(rng) for _ in range(rng.randint(1, 4))]
            commands = [command for command, _ in cases]
            answers = shell.run_many(commands, timeout=5) if len(cases) > 1 else [shell.run(commands[0], timeout=5)]
            for (command, expected), answer in zip(cases, answers, strict=True):
                assert isinstance(answer[0], int) and 0 <= answer[0] <= 255, command
                if expected is not None:
                    assert answer == expected, f"seed {seed}: {command[:200]!r}"
        assert shell.run("echo still here") == (0, b"still here\n", b"")
    finally:
        shell.close()
