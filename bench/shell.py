"""The persistent shell's own cost per command, on a local /bin/sh (no node, no engine): what every graded
command pays on top of its transport's round trip.

    python bench/shell.py [--commands 200] [--repeat 5]

`run` is one command per round trip (as a grader asks); `run_many` is all of them in one (as the prefetch).
"""

from __future__ import annotations

import argparse
import statistics
import time

from dcalab.backends.shell import PersistentShell


def per_command(send, commands: int, repeat: int) -> list[float]:
    """Milliseconds per command of each of `repeat` rounds of `commands` commands."""
    rounds = []
    for _ in range(repeat):
        started = time.perf_counter()
        send(commands)
        rounds.append((time.perf_counter() - started) / commands * 1000)
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    shell = PersistentShell(["/bin/sh"], "local")
    shell.run("true")  # the shell's start is not a command's cost
    try:
        one_by_one = per_command(lambda n: [shell.run("true") for _ in range(n)], args.commands, args.repeat)
        batched = per_command(lambda n: shell.run_many(["true"] * n), args.commands, args.repeat)
    finally:
        shell.close()
    for name, rounds in (("run", one_by_one), ("run_many", batched)):
        print(f"{name:<9} {args.commands} x `true`: {statistics.median(rounds):.3f} ms per command "
              f"(median of {args.repeat}; best {min(rounds):.3f} ms)")


if __name__ == "__main__":
    main()
