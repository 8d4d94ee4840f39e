"""Swarm membership as the manager sees it.

>>> listing = node_list(host("master")); member(listing, "registry.docker-dca.example").passed
"""

from __future__ import annotations

import json
import time

from checks import EnvironmentFault, SolveError, Verdict, run_or_raise, verdict
from checks.docker_cli import docker_json, docker_output, node_of

READY_TIMEOUT = 120  # emulated VMs (QEMU without KVM) take over 30 s


def node_list(manager) -> list[dict]:
    """`docker node ls` on the manager, one dict per node."""
    output = docker_output(manager, "docker node ls --format '{{json .}}'")
    if output is None:
        raise EnvironmentFault(f"docker node ls failed on {node_of(manager)}: it is not a swarm manager.",
                               "Check the swarm: dcalab cluster status")
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def _entry(listing: list[dict], hostname: str) -> dict | None:
    matches = [entry for entry in listing if entry["Hostname"] == hostname]
    return next((entry for entry in matches if entry["Status"] == "Ready"), matches[0] if matches else None)


def member(listing: list[dict], hostname: str) -> Verdict:
    entry = _entry(listing, hostname)
    found = f"{hostname} is {entry['Status']}" if entry else f"{hostname} is not in docker node ls"
    return verdict(entry is not None and entry["Status"] == "Ready", f"{hostname} Ready in the swarm", found)


def is_worker(listing: list[dict], hostname: str) -> Verdict:
    entry = _entry(listing, hostname)
    if entry is None:
        return verdict(False, f"{hostname} joined as a worker", f"{hostname} has not joined")
    role = f"a manager ({entry['ManagerStatus']})" if entry["ManagerStatus"] else "a worker"
    return verdict(not entry["ManagerStatus"], f"{hostname} joined as a worker", f"{hostname} is {role}")


def all_ready(listing: list[dict], count: int) -> Verdict:
    ready = sorted(entry["Hostname"] for entry in listing if entry["Status"] == "Ready")
    others = [f"{entry['Hostname']} {entry['Status']}" for entry in listing if entry["Status"] != "Ready"]
    found = f"{len(ready)} Ready" + (f"; also {', '.join(others)}" if others else "")
    return verdict(len(ready) == count and not others, f"{count} nodes Ready in docker node ls", found)


def ensure_worker(manager, manager_address: str, host, hostname: str) -> None:
    """Join `host` to the manager's swarm as a worker; demote it if it joined as a manager."""
    swarm = docker_json(host, "docker info --format '{{json .Swarm}}'") or {}
    if swarm.get("LocalNodeState") != "active":
        token = run_or_raise(manager, "docker swarm join-token -q worker")
        run_or_raise(host, "docker swarm join --token %s %s", token, manager_address)
    entry = _entry(node_list(manager), hostname)
    if entry and entry["ManagerStatus"]:
        run_or_raise(manager, "docker node demote %s", hostname)
    deadline = time.monotonic() + READY_TIMEOUT
    while not member(node_list(manager), hostname).passed:
        if time.monotonic() > deadline:
            raise SolveError(f"{hostname} joined but did not become Ready within {READY_TIMEOUT} s.")
        time.sleep(0.5)
