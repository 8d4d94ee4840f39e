"""Container logs in the systemd journal (docker's journald log driver), read with journalctl only.

The journald driver writes each line a container prints as one journal entry with CONTAINER_NAME and
CONTAINER_ID_FULL fields, PRIORITY 6 for stdout and 3 for stderr (Docker docs: Journald logging driver).

>>> answer_is_failure(["billing: FATAL ..."], container_lines(host("worker1"), "CONTAINER_NAME=billing"), "...")
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from checks import EnvironmentFault, Verdict, verdict
from checks.docker_cli import node_of

STDERR = "3"  # the journal PRIORITY docker's journald driver gives a container's stderr lines


@dataclass(frozen=True)
class Line:
    message: str
    stderr: bool


def _message(value) -> str:
    """journalctl's JSON shows a message that is not valid UTF-8 as a list of bytes."""
    return bytes(value).decode(errors="replace") if isinstance(value, list) else str(value or "")


def container_lines(host, match: str) -> list[Line]:
    """Every line the journal holds for a container match (CONTAINER_NAME=... or CONTAINER_ID_FULL=...), oldest
    first."""
    result = host.run("journalctl -q --no-pager -o json --output-fields=MESSAGE,PRIORITY %s", match)
    if result.rc != 0:
        raise EnvironmentFault(f"journalctl could not read the journal on {node_of(host)}: "
                               f"{result.stderr.strip()[:200]}", f"Look on the node: dcalab shell {node_of(host)}.")
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return [Line(_message(entry.get("MESSAGE")).strip(), entry.get("PRIORITY") == STDERR) for entry in entries]


def _said(answer: str, message: str) -> bool:
    """The answer is the message, as `journalctl -o cat` prints it or as a journalctl line ending in it
    (`Dec 06 12:00:01 worker1 3c5e1f0a2b7d[92]: MESSAGE`)."""
    return answer == message or answer.endswith("]: " + message)


def answer_is_failure(answer: list[str] | None, lines: list[Line], why: str, name: str) -> Verdict:
    """An answer file (its non-empty lines, or None and `why`) holding exactly one line: one the container `name`
    wrote to stderr before it failed. The found text never shows the right line."""
    expected = f"one line: the error line the container {name} logged when it failed"
    if answer is None:
        return verdict(False, expected, why)
    if not any(line.stderr for line in lines):
        return verdict(False, expected, f"the journal holds no error line of a container {name}")
    if len(answer) != 1:
        return verdict(False, expected, f"the answer has {len(answer)} lines")
    said = next((line for line in lines if _said(answer[0], line.message)), None)
    if said is None:
        return verdict(False, expected, f"the answer is a line {name} never logged: {answer[0][:120]!r}")
    return verdict(said.stderr, expected, "it is" if said.stderr else
                   f"the answer is one of {name}'s ordinary output lines, not the one that explains the failure: "
                   f"{answer[0][:120]!r}")


def logs_to_journal(info: dict | None, lines: list[Line], name: str) -> Verdict:
    """The container (`docker inspect`, or None) uses the journald log driver and the journal holds its lines."""
    expected = f"the container {name} logging through journald, its lines in the journal"
    if info is None:
        return verdict(False, expected, f"there is no container {name} (docker ps -a)")
    driver = (info["HostConfig"].get("LogConfig") or {}).get("Type") or "unknown"
    if driver != "journald":
        return verdict(False, expected, f"{name} logs with the {driver} driver: its lines are not in the journal")
    return verdict(bool(lines), expected, f"the journal holds {len(lines)} lines of {name}" if lines
                   else f"{name} logs through journald but the journal holds none of its lines yet")
