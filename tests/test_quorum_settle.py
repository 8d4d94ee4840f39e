"""When the quorum task's grade waits: a manager whose docker just restarted is active by its own account but not yet
reachable in the leader's list (seen once in a clean-clone run: worker1 "unreachable, ready" right after its docker
restarted for a daemon.json change), so the grade waits for it instead of failing it."""

from __future__ import annotations

from checks.quorum import in_flight

CLUSTER = {"ID": "swarm-1"}


def own(node_id: str, manager: bool = True, cluster: dict = CLUSTER) -> dict:
    return {"LocalNodeState": "active", "NodeID": node_id, "ControlAvailable": manager, "Cluster": cluster}


def listed(node_id: str, reach: str | None, state: str = "ready", leader: bool = False) -> dict:
    manager = {"Reachability": reach, "Leader": leader} if reach else None
    return {"ID": node_id, "Description": {"Hostname": f"{node_id}.docker-dca.example"}, "Status": {"State": state},
            "ManagerStatus": manager}


def raft(worker1_reach: str, worker1_state: str = "ready") -> dict:
    return {"nodes": [listed("master", "reachable", leader=True), listed("worker1", worker1_reach, worker1_state),
                      listed("worker2", "reachable")], "services": {}, "tasks": [], "secrets": []}


VIEWS = {"master": own("master"), "worker1": own("worker1"), "worker2": own("worker2")}


def test_a_manager_active_by_its_own_account_but_unreachable_in_the_list_is_not_settled() -> None:
    waiting = in_flight(raft("unreachable"), VIEWS)
    assert not waiting.passed and "worker1 reconnecting (unreachable, ready)" in waiting.found
    assert not in_flight(raft("reachable", "down"), VIEWS).passed


def test_every_manager_reachable_and_ready_is_settled() -> None:
    assert in_flight(raft("reachable"), VIEWS).passed


def test_a_worker_or_a_manager_of_another_swarm_is_no_reason_to_wait() -> None:
    """Mistakes the managers check names, not states that settle: the grade does not wait out its deadline."""
    assert in_flight(raft("unreachable"), {**VIEWS, "worker1": own("worker1", manager=False)}).passed
    assert in_flight(raft("unreachable"), {**VIEWS, "worker1": own("worker1", cluster={"ID": "swarm-2"})}).passed
