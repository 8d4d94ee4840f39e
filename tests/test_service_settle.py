"""When a service's grade waits for the swarm: right after docker restarted on master, the manager says `unknown` for
each node until it reports again. A global service's task on such a node was left out of the nodes it should run on
and named by its node ID (seen once in a clean-clone run, orchestration's global-agent after a restart), so the grade
waits while any node is unknown; a node whose docker stopped (down) is no reason to wait."""

from __future__ import annotations

from checks.swarm import unreported


def node(hostname: str, state: str) -> dict:
    return {"ID": hostname[:4], "Description": {"Hostname": hostname}, "Status": {"State": state}}


def test_nodes_the_manager_does_not_know_yet_are_unreported() -> None:
    assert unreported([node("master", "ready"), node("registry", "unknown"), node("worker2", "unknown")]) == [
        "registry", "worker2"]


def test_ready_and_down_nodes_are_reported() -> None:
    assert unreported([node("master", "ready"), node("registry", "down"), node("worker1", "disconnected")]) == []
