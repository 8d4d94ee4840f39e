"""systemd on a node, read with systemctl and journalctl only: a unit's state, a timer's next run, and when the
journal says a service was stopped. Nothing here asks docker, so a check of a stopped docker never starts it
through its socket.

>>> enabled(unit_state(host("registry"), "docker.service"), "docker.service").passed
"""

from __future__ import annotations

import json
import time

from checks import EnvironmentFault, Verdict, verdict
from checks.docker_cli import node_of

PROPERTIES = ("LoadState", "ActiveState", "UnitFileState", "Unit")
DAY = 24 * 3600
# The journal's catalog ids of systemd's own messages about a unit (systemd's sd-messages.h): a stop job done,
# and a start job begun.
STOPPED = "9d1aaa27d60140bd96365438aad20286"
STARTING = "7d4958e842da4a758f6c1cdc7b36dcc5"


def unit_state(host, unit: str) -> dict[str, str]:
    """`systemctl show` of the unit; LoadState not-found when there is no such unit."""
    result = host.run("systemctl show %s " + "-p %s " * len(PROPERTIES), unit, *PROPERTIES)
    if result.rc != 0:
        raise EnvironmentFault(f"systemctl could not show {unit} on {node_of(host)}: {result.stderr.strip()[:200]}",
                               f"Look on the node: dcalab shell {node_of(host)}, then systemctl status {unit}.")
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def enabled(state: dict[str, str], unit: str) -> Verdict:
    found = state.get("UnitFileState") or "not installed"
    return verdict(found == "enabled", f"{unit} enabled (started at boot)", f"{unit} is {found}")


def active(state: dict[str, str], unit: str) -> Verdict:
    return verdict(state.get("ActiveState") == "active", f"{unit} active (running now)",
                   f"{unit} is {state.get('ActiveState') or 'unknown'}")


def next_run(host, timer: str) -> float:
    """When the timer elapses next, in seconds since the epoch; 0 for never (systemd shows it as a date only)."""
    result = host.run("when=$(systemctl show -p NextElapseUSecRealtime --value %s) && [ -n \"$when\" ] "
                      "&& date -d \"$when\" +%%s", timer)
    return float(result.stdout.strip()) if result.rc == 0 and result.stdout.strip().isdigit() else 0.0


def node_clock(host) -> float:
    """The node's own clock, in seconds since the epoch: the clock its journal and file times are written by (and an
    answer a recorded grade keeps, where the grader's clock would differ at each replay)."""
    result = host.run("date +%s")
    if result.rc != 0 or not result.stdout.strip().isdigit():
        raise EnvironmentFault(f"date could not tell the time on {node_of(host)}: {result.stderr.strip()[:200]}",
                               f"Look on the node: dcalab shell {node_of(host)}.")
    return float(result.stdout.strip())


def _journal(host, unit: str, *matches: str) -> list[dict]:
    """systemd's own messages about the unit (from PID 1), oldest first, with the extra journal matches."""
    result = host.run("journalctl -q --no-pager -o json --output-fields=MESSAGE_ID,JOB_TYPE,JOB_RESULT _PID=1 "
                      "UNIT=%s" + " %s" * len(matches), unit, *matches)
    if result.rc != 0:
        raise EnvironmentFault(f"journalctl could not read {unit}'s journal on {node_of(host)}: "
                               f"{result.stderr.strip()[:200]}", f"Look on the node: dcalab shell {node_of(host)}.")
    return [json.loads(line) for line in result.stdout.splitlines()]


def last_run(host, unit: str) -> str:
    """How the unit's last start job ended, as the journal records it (done, failed, ...); "" when it never ran
    (systemd forgets a finished oneshot's own state, the journal keeps it)."""
    ended = [entry["JOB_RESULT"] for entry in _journal(host, unit, "JOB_TYPE=start") if entry.get("JOB_RESULT")]
    return ended[-1] if ended else ""


def daily_timer(timer: dict[str, str], due: float, service: dict[str, str], ran: str, names: tuple[str, str],
                now: float) -> Verdict:
    """The timer enabled, active and due (next_run) within a day; the service it starts (names: the timer's, the
    service's) there, its last run (last_run) successful."""
    timer_name, service_name = names
    expected = f"{timer_name} enabled and active, next run within 24 h; {service_name} run once, successfully"
    if timer.get("LoadState") != "loaded":
        return verdict(False, expected, f"there is no {timer_name}")
    problems = [f"the timer is {timer.get(key)}" for key, wanted in (("UnitFileState", "enabled"),
                                                                     ("ActiveState", "active"))
                if timer.get(key) != wanted]
    if not due:
        problems.append("the timer has no next run")
    elif due - now > DAY:
        problems.append(f"its next run is in {(due - now) / 3600:.0f} h")
    if timer.get("Unit") != service_name:
        problems.append(f"it starts {timer.get('Unit') or 'nothing'}")
    elif service.get("LoadState") != "loaded":
        problems.append(f"there is no {service_name}")
    elif not ran:
        problems.append(f"{service_name} has not run yet")
    elif ran != "done":
        problems.append(f"{service_name}'s last run ended {ran}")
    return verdict(not problems, expected, "; ".join(problems) or f"it is, next run at {_clock(due)} UTC")


def stopped_spans(host, unit: str) -> list[tuple[float, float]]:
    """The spans the journal records the unit as stopped: from a stop job done to the next start job begun (the
    last one open: now, by the node's clock). Oldest first; [] when the journal records no stop."""
    spans, since = [], None
    for entry in _journal(host, unit, f"MESSAGE_ID={STOPPED}", f"MESSAGE_ID={STARTING}"):
        when = int(entry["__REALTIME_TIMESTAMP"]) / 1e6
        if entry.get("MESSAGE_ID") == STOPPED and since is None:
            since = when
        elif entry.get("MESSAGE_ID") == STARTING and since is not None:
            spans.append((since, when))
            since = None
    if since is not None:
        spans.append((since, node_clock(host)))
    return spans


def _clock(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when))


def within_a_span(when: float, spans: list[tuple[float, float]], what: str, unit: str) -> Verdict:
    """`when` (a file's time) falls where the unit was stopped."""
    expected = f"{what} written while {unit} was stopped"
    if not spans:
        return verdict(False, expected, f"{what} was written at {_clock(when)} UTC; the journal records no stop of "
                                        f"{unit}")
    inside = any(start <= when <= end for start, end in spans)
    shown = ", ".join(f"{_clock(start)} to {_clock(end)[11:]}" for start, end in spans[-3:])
    return verdict(inside, expected, f"{what} was written at {_clock(when)} UTC; {unit} was stopped "
                                     f"{shown} UTC" + ("" if inside else ": not then"))
