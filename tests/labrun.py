"""A lab run as a learner runs it, and the node-state fingerprint the tests compare."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

from docker.errors import APIError
from docker.models.containers import Container

from dcalab import labrun
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import load_lab
from dcalab.topology import topology

ROOT = Path(__file__).parent.parent
LAB = ROOT / "labs" / "registry"


def run_lab(mode: str = "grade", select: str = "", *options: str, history: Path | None = None,
            lab: Path = LAB) -> dict[str, dict]:
    """Grade or solve a lab (the registry lab unless told; optionally one -k selection); report entries by task."""
    run = labrun.run_lab(lab, f"--lab-mode={mode}", *(["-k", select] if select else []), *options, history=history)
    assert "Traceback" not in run.output, run.output
    assert run.report is not None, run.output
    return run.tasks


def fingerprint(cluster: EmbeddedCluster) -> dict[str, str]:
    """Node state a grade must not change and a second solve must not change either."""
    state = {}
    for node in topology().nodes:
        host = cluster.host(node.name)
        state[node.name] = host.check_output(
            "cat /etc/docker/daemon.json 2>/dev/null; systemctl show docker -p ActiveEnterTimestamp -p UnitFileState; "
            "docker ps -a --no-trunc --format '{{.ID}} {{.Image}} {{.Names}} {{.State}}'; "
            "docker image ls -a --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}' | sort; "
            "docker volume ls -q; docker network ls --filter type=custom --format '{{.ID}} {{.Name}}' | "
            "grep -v -e ' docker_gwbridge$' -e ' ingress$' | sort; id -nG alice 2>/dev/null; "  # docker makes those 2
            "cat /root/answers/* /root/proxy/* /root/certs/* /root/auth/* /etc/docker/certs.d/*/* "
            "/root/.docker/config.json /root/.docker/*.pem /root/tls/* /root/backups/* /etc/systemd/system/*.timer "
            "2>/dev/null | sha256sum; "
            "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}' || true"  # docker may not run
        )
    master = cluster.host("master")
    # The members, their roles and availability, empty in a lab without a swarm. Not the nodes' status: after a
    # restored start the manager lists a stopped node Unknown, then Down ~30 s later, whatever a grade does (docker
    # restarts show above).
    state["swarm"] = master.run(
        "ids=$(docker node ls -q 2>/dev/null); [ -z \"$ids\" ] || docker node inspect "
        "--format '{{.ID}} {{.Description.Hostname}} {{.Spec.Role}} {{.Spec.Availability}}' $ids"
    ).stdout
    state["swarm-objects"] = master.run(  # services (spec versions), secrets, configs, credentials by digest, files
        "ids=$(docker service ls -q 2>/dev/null); [ -z \"$ids\" ] || docker service inspect "
        "--format '{{.Spec.Name}} {{.Version.Index}} {{json .UpdateStatus}}' $ids; docker secret ls -q 2>/dev/null; "
        "docker config ls -q 2>/dev/null; "
        "docker info --format '{{json .Swarm.Cluster}}'; { docker swarm join-token -q worker; "
        "docker swarm unlock-key -q; } 2>/dev/null | sha256sum; cat /root/blog/docker-compose.yml /root/unlock.key "
        "/root/app/Dockerfile /root/answers/* 2>/dev/null | sha256sum"
    ).stdout
    state["registry-contents"] = master.check_output(  # over http or https, with the lab's user when it has one
        "auth=$(cat /etc/dcalab/registry-auth 2>/dev/null); get() { curl -sf -m 5 -k ${auth:+-u \"$auth\"} "
        "https://registry.docker-dca.example:5000/v2/$1 || curl -sf -m 5 http://registry.docker-dca.example:5000/v2/$1;"
        " }; get _catalog; "
        "for repo in $(get _catalog | jq -r '.repositories[]?'); do get $repo/tags/list; done; "
        "curl -s -m 5 http://registry.docker-dca.example:5001/v2/_catalog; true"  # a pull-through cache, if any
    )
    return state


def sh(cluster: EmbeddedCluster, node: str, *commands: str) -> None:
    for command in commands:
        cluster.host(node).check_output(command)


def join_swarm(cluster: EmbeddedCluster, node: str, role: str) -> None:
    """`node` joins master's swarm with the `role` token (worker or manager), as a learner does."""
    address = f"{cluster.topology.node('master').ip}:{cluster.topology.swarm_port}"
    token = cluster.host("master").check_output(f"docker swarm join-token -q {role}")
    sh(cluster, node, f"docker swarm join --token {token} {address}")


@contextlib.contextmanager
def paused(cluster: EmbeddedCluster, node: str) -> Iterator[Container]:
    """The node's container paused for the block (the container yielded), then unpaused and reconnected. A freeze
    that does not complete (runc gives up while the node's processes fork, on a loaded machine) is tried again."""
    container = cluster.client.containers.get(cluster.container_name(node))
    for tries_left in reversed(range(5)):
        try:
            container.pause()
            break
        except APIError as error:
            if "unable to freeze" not in str(error) or not tries_left:
                raise
            time.sleep(1)
    try:
        yield container
    finally:
        container.unpause()
        cluster.reconnect()


Command = str | tuple[str, str]  # a command on master, or (node, command)


def on_nodes(cluster: EmbeddedCluster, commands: list[Command]) -> None:
    """Run each command on master, or (node, command) on that node, in order; written for the default cluster, with
    this cluster's addresses."""
    for command in commands:
        node, command = command if isinstance(command, tuple) else ("master", command)
        sh(cluster, node, cluster.topology.localize(command))


def check_lines(output: str, check: str) -> str:
    """A check's own lines in a task's output: its header, expected, found and hint."""
    lines = output.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {check} ("))
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^  \S", lines[i])), len(lines))
    return "\n".join(lines[start:end])


def verdicts(graded: dict[str, dict]) -> dict[str, str]:
    return {task: entry["verdict"] for task, entry in graded.items()}


def outputs(graded: dict[str, dict], unless: str) -> str:
    """The output of every task whose verdict is not `unless`: what an assertion shows."""
    return "\n".join(entry["output"] for entry in graded.values() if entry["verdict"] != unless)


def changed(before: dict[str, str], after: dict[str, str]) -> str:
    """What differs between two fingerprints, node by node: what an assertion shows."""
    return "\n".join(f"{node}:\n  before: {before.get(node)!r}\n  after:  {after.get(node)!r}"
                     for node in sorted(set(before) | set(after)) if before.get(node) != after.get(node))


def assert_checkers_hold(cluster: EmbeddedCluster, lab: Path) -> dict[str, dict]:
    """From the lab's start every check fails and the grade changes nothing; solve passes every task; a grade
    after it and a second solve change nothing. The start's grade, for the lab's own further assertions."""
    tasks = [task.id for task in load_lab(lab).tasks]
    before = fingerprint(cluster)
    graded = run_lab("grade", lab=lab)
    now = fingerprint(cluster)
    assert now == before, f"a grade changed the cluster:\n{changed(before, now)}"
    assert all(verdicts(graded)[task] in ("FAIL", "BLOCKED") for task in tasks), outputs(graded, "FAIL")
    assert all(entry["score"] == 0 for entry in graded.values()), "a check passed at the lab's start"
    solved = run_lab("solve", lab=lab)
    assert verdicts(solved) == dict.fromkeys(tasks, "PASS"), outputs(solved, "PASS")
    after_solve = fingerprint(cluster)
    regraded = run_lab("grade", lab=lab)
    assert verdicts(regraded) == dict.fromkeys(tasks, "PASS"), outputs(regraded, "PASS")
    now = fingerprint(cluster)
    assert now == after_solve, f"a grade changed the cluster:\n{changed(after_solve, now)}"
    run_lab("solve", lab=lab)
    now = fingerprint(cluster)
    assert now == after_solve, f"a second solve changed the cluster:\n{changed(after_solve, now)}"
    return graded


def assert_equivalents_pass_and_mistakes_fail(cluster: EmbeddedCluster, lab: Path, equivalents: list[Command],
                                              mistakes: list[tuple[Command, str, str, str]]) -> dict[str, dict]:
    """On the solved lab (solved first if it is not), other ways to the same state (commands) pass; then each
    mistake (command, task, check, words) fails its check with its words and a hint (the full one).
    The grade after the mistakes, for the lab's own further assertions."""
    tasks = [task.id for task in load_lab(lab).tasks]
    if set(verdicts(run_lab("grade", lab=lab)).values()) != {"PASS"}:
        run_lab("solve", lab=lab)
    on_nodes(cluster, equivalents)
    graded = run_lab("grade", lab=lab)
    assert verdicts(graded) == dict.fromkeys(tasks, "PASS"), outputs(graded, "PASS")
    on_nodes(cluster, [command for command, *_ in mistakes])
    graded = run_lab("grade", "", "--hints", "full", lab=lab)  # the words may be in the hint with the command
    for _, task, check, words in mistakes:
        assert graded[task]["verdict"] in ("FAIL", "BLOCKED"), (task, graded[task]["output"])
        own = check_lines(graded[task]["output"], check)
        assert "hint:" in own and cluster.topology.localize(words) in own, (check, own)
    return graded
