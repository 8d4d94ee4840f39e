"""Swarm services as the manager sees them: their specs, their tasks, and whether they converged.

Every service and task is read in one `docker ... inspect` each, as JSON, so a grade that looks at many
services asks the manager twice (and a read-only grade's cache answers the rest).

>>> found = services(host("master")); replicas(found.get("web"), tasks_of(task_list(host("master")), "web"), 3)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

from checks import EnvironmentFault, Verdict, run_or_raise, verdict
from checks.docker_cli import api_json, docker_json, node_of, raise_unless_answering
from checks.swarm import local_swarm, nodes, not_managing, ready, unreported
from dcalab.errors import NodeRefused

SETTLING = {"new", "allocated", "pending", "assigned", "accepted", "preparing", "ready", "starting"}
ALIVE = SETTLING | {"running"}  # a task in one of these states still holds (or is about to hold) a container
# A task that ended so while still wanted is about to be replaced: the orchestrator then asks it to shut down
FAILED = {"failed", "rejected"}
# Desired states of a task that holds a slot: running, or ready while a replacement waits out the restart delay
WANTED = {"running", "ready"}
UPDATING = {"updating", "rollback_started"}
SETTLE_SECONDS = 40  # a rolling update of two tasks with a 5 s delay settles in about 20 s


def services(manager) -> dict[str, dict]:
    """Every service, by name, as `docker service inspect` shows it, with the ServiceStatus `docker service ls`
    shows (DesiredTasks: the replicas, or the nodes a global service runs on)."""
    found = api_json(manager, "/services?status=true")
    if found is None:
        raise not_managing(manager, "docker service ls")
    return {entry["Spec"]["Name"]: entry for entry in found}


def task_list(manager) -> list[dict]:
    """Every task of every service (running, pending and the recent history), as `docker inspect` shows it, in one
    answer: listing the tasks and then inspecting them lost the race with a service in a restart loop (a task
    reaped between the two made the inspect fail)."""
    found = api_json(manager, "/tasks")
    if found is None:
        raise not_managing(manager, "docker service ps")
    return found


def tasks_of(tasks: list[dict], service: dict | None) -> list[dict]:
    return [entry for entry in tasks if service and entry["ServiceID"] == service["ID"]]


def running(tasks: list[dict]) -> list[dict]:
    return [entry for entry in tasks if entry["DesiredState"] == "running" and entry["Status"]["State"] == "running"]


def last_running(tasks: list[dict], ready_nodes: set[str]) -> list[dict]:
    """The running tasks; when none runs, those last reported running on a node that is not Ready (`ready_nodes`:
    their IDs). The manager asks a lost node's tasks to shut down but cannot see it happen, so only a look on that
    node tells whether one still runs (and a node whose docker stopped cannot be looked at: ENV-ERROR naming it)."""
    return running(tasks) or [entry for entry in tasks
                              if entry["Status"]["State"] == "running" and entry.get("NodeID") not in ready_nodes]


def short_image(image: str) -> str:
    """An image as the learner typed it: without the digest swarm pins and without docker.io/library/."""
    return image.split("@")[0].removeprefix("docker.io/").removeprefix("library/")


def without_tag(image: str) -> str:
    """registry:5000/nginx:1.24 -> registry:5000/nginx (a port is not a tag)."""
    name, colon, tag = image.rpartition(":")
    return name if colon and "/" not in tag else image


def image_of(service: dict) -> str:
    return short_image(service["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"])


def settling(service: dict | None, tasks: list[dict], ready_nodes: set[str]) -> bool:
    """Worth looking again: an update under way; fewer tasks holding a slot than the service wants (a failed task's
    replacement not made yet); a task on its way to running without an error, failed and not yet replaced, or asked
    to shut down and still alive. Tasks on a node that is not Ready (`ready_nodes`: their IDs) are left out: nothing
    moves there."""
    if service is None:
        return False
    if (service.get("UpdateStatus") or {}).get("State") in UPDATING:
        return True
    if len([entry for entry in tasks if entry["DesiredState"] in WANTED]) < \
            (service.get("ServiceStatus") or {}).get("DesiredTasks", 0):
        return True
    moving = [entry for entry in tasks if not entry.get("NodeID") or entry["NodeID"] in ready_nodes]
    return any((entry["DesiredState"] in WANTED and entry["Status"]["State"] in SETTLING
                and not entry["Status"].get("Err"))
               or (entry["DesiredState"] in WANTED and entry["Status"]["State"] in FAILED)
               or (entry["DesiredState"] not in WANTED and entry["Status"]["State"] in ALIVE) for entry in moving)


def last_error(tasks: list[dict]) -> str:
    """Why the newest task that is not running is not, as `docker service ps --no-trunc` says it."""
    stuck = [entry for entry in tasks if entry["Status"]["State"] != "running"]
    for entry in sorted(stuck, key=lambda entry: entry["Status"]["Timestamp"], reverse=True):
        reason = entry["Status"].get("Err") or ""
        if reason:
            return f"; the last task error: {reason}"
    pending = [entry for entry in stuck if entry["DesiredState"] == "running"]
    return f"; a task is {pending[0]['Status']['State']}: {pending[0]['Status'].get('Message', '')}" if pending else ""


def absent(name: str, expected: str) -> Verdict:
    return verdict(False, expected, f"there is no service {name} (docker service ls on master)")


def replicas(service: dict | None, tasks: list[dict], count: int) -> Verdict:
    """A replicated service asking for `count` replicas, all running."""
    expected = f"{count} replicas running"
    if service is None:
        return absent("of that name", expected)
    mode = service["Spec"]["Mode"]
    if "Replicated" not in mode:
        return verdict(False, expected, f"{service['Spec']['Name']} is a {next(iter(mode)).lower()} service")
    wanted, up = mode["Replicated"].get("Replicas", 0), len(running(tasks))
    found = f"{wanted} replicas asked for, {up} running" + ("" if up == wanted else last_error(tasks))
    return verdict(wanted == count and up == count, expected, found)


def is_global(service: dict | None, name: str) -> Verdict:
    expected = f"{name} in global mode (one task per node)"
    if service is None:
        return absent(name, expected)
    mode = next(iter(service["Spec"]["Mode"]))
    return verdict(mode == "Global", expected, f"{name} is a {mode.lower()} service")


def on_each(tasks: list[dict], node_ids: dict[str, str]) -> Verdict:
    """One running task on each of the nodes given (id -> hostname), none elsewhere."""
    counts = {hostname: 0 for hostname in node_ids.values()}
    others = []
    for entry in running(tasks):
        if entry["NodeID"] in node_ids:
            counts[node_ids[entry["NodeID"]]] += 1
        else:
            others.append(entry["NodeID"][:12])
    wrong = {hostname: count for hostname, count in counts.items() if count != 1}
    found = ", ".join(f"{hostname}: {count}" for hostname, count in sorted(counts.items()))
    return verdict(not wrong and not others, f"one running task on each of {', '.join(sorted(counts))}",
                   f"running tasks per node: {found}" + (f"; also on {', '.join(others)}" if others else ""))


def only_on(tasks: list[dict], node_ids: dict[str, str], hostname: str) -> Verdict:
    """Running tasks, all on one node."""
    where = sorted(node_ids.get(entry["NodeID"], entry["NodeID"][:12]) for entry in running(tasks))
    return verdict(bool(where) and set(where) == {hostname}, f"every running task on {hostname}",
                   f"running tasks on: {', '.join(where) or 'no node'}")


def host_published(service: dict | None, published: int, target: int) -> Verdict:
    """Published in host mode: each task binds the port on the node it runs on (no routing mesh)."""
    expected = f"port {published} -> {target} published in host mode"
    if service is None:
        return absent("of that name", expected)
    ports = (service["Spec"].get("EndpointSpec") or {}).get("Ports") or []
    shown = [f"{port.get('PublishedPort')}->{port['TargetPort']} ({port.get('PublishMode', 'ingress')} mode)"
             for port in ports]
    found = any(port.get("PublishedPort") == published and port["TargetPort"] == target
                and port.get("PublishMode") == "host" for port in ports)
    return verdict(found, expected, f"published: {', '.join(shown) or 'nothing'}")


def constrained(service: dict | None, constraint: str) -> Verdict:
    """The placement constraint, spaces aside (`node.labels.zone == east` is the same constraint)."""
    expected = f"the placement constraint {constraint}"
    if service is None:
        return absent("of that name", expected)
    placed = ((service["Spec"]["TaskTemplate"].get("Placement") or {}).get("Constraints")) or []
    squeeze = {item.replace(" ", "") for item in placed}
    return verdict(constraint.replace(" ", "") in squeeze, expected, f"constraints: {', '.join(placed) or 'none'}")


def hostname_template(service: dict | None, template: str) -> Verdict:
    expected = f"--hostname '{template}'"
    if service is None:
        return absent("of that name", expected)
    hostname = service["Spec"]["TaskTemplate"]["ContainerSpec"].get("Hostname", "")
    return verdict(hostname == template, expected, f"the hostname setting is {hostname or 'not set'!r}")


def update_policy(service: dict | None, parallelism: int, failure_action: str) -> Verdict:
    expected = f"update parallelism {parallelism}, a delay, failure action {failure_action}"
    if service is None:
        return absent("of that name", expected)
    policy = service["Spec"].get("UpdateConfig") or {}
    found = (f"parallelism {policy.get('Parallelism', 1)}, delay {policy.get('Delay', 0) / 1e9:g} s, "
             f"failure action {policy.get('FailureAction', 'pause')}")
    return verdict(policy.get("Parallelism", 1) == parallelism and policy.get("Delay", 0) > 0
                   and policy.get("FailureAction", "pause") == failure_action, expected, found)


def rolled_back(service: dict | None, image: str, updated_to: str) -> Verdict:
    """Updated to `updated_to`, then rolled back to `image`: the spec, the previous spec and the update status."""
    expected = f"updated to {updated_to}, then rolled back to {image}"
    if service is None:
        return absent("of that name", expected)
    status = (service.get("UpdateStatus") or {}).get("State", "never updated")
    previous = image_of({"Spec": service["PreviousSpec"]}) if service.get("PreviousSpec") else "none"
    found = f"image {image_of(service)}, previous image {previous}, update status {status}"
    return verdict(image_of(service) == image and previous == updated_to and status == "rollback_completed",
                   expected, found)


def runs_image(service: dict | None, tasks: list[dict], image: str) -> Verdict:
    """Every running task runs the image (a task from before a rollback would not)."""
    expected = f"every running task on {image}"
    images = sorted({short_image(entry["Spec"]["ContainerSpec"]["Image"]) for entry in running(tasks)})
    return verdict(service is not None and images == [image], expected,
                   f"running tasks on: {', '.join(images) or 'none'}")


FILE_KINDS = {  # what a service is given -> its spec's list, the name's key, where a bare target goes
    "secret": ("Secrets", "SecretName", "/run/secrets/"),
    "config": ("Configs", "ConfigName", "/"),
}


def file_given(service: dict | None, kind: str, name: str, path: str, mode: int | None = None) -> Verdict:
    """The secret or config given to the service at `path`, with file mode `mode` when it matters."""
    entries, key, bare = FILE_KINDS[kind]
    expected = f"the {kind} {name} at {path}" + (f" with mode {mode:04o}" if mode is not None else "")
    if service is None:
        return absent("of that name", expected)
    listed = service["Spec"]["TaskTemplate"]["ContainerSpec"].get(entries) or []
    given = next((entry for entry in listed if entry.get(key) == name), None)
    if given is None:
        return verdict(False, expected, f"the service has no {kind} {name}")
    target = (given.get("File") or {}).get("Name", name)
    target = target if target.startswith("/") else bare + target
    found_mode = (given.get("File") or {}).get("Mode", 0o444)
    return verdict(target == path and mode in (None, found_mode), expected,
                   f"the {kind} at {target}" + (f" with mode {found_mode:04o}" if mode is not None else ""))


def file_in_task(node, container_id: str, path: str) -> tuple[str, str] | None:
    """(octal mode, sha256) of a file inside a running task's container on its node; None if it is not there.
    The content is compared by digest so a grade never shows a secret's value. A container docker cannot enter
    is no missing file: EnvironmentFault, saying why (docker down on the node, the container gone)."""
    output = node.run("docker exec %s sh -c 'echo entered; [ -e \"$1\" ] || { echo missing; exit; }; "
                      "stat -c %%a \"$1\" && sha256sum < \"$1\"' - %s", container_id, path)
    said = output.stdout.split()
    if said[:1] != ["entered"]:
        raise_unless_answering(node)
        raise EnvironmentFault(f"docker exec could not enter the task's container {container_id[:12]} on "
                               f"{node_of(node)}: {output.stderr.strip()[:200]}",
                               "Grade again once the service has settled (docker service ps shows its tasks).")
    if said[1:] == ["missing"]:
        return None
    return (said[1], said[2]) if output.rc == 0 and len(said) > 2 else ("?", "unreadable")


def in_stack(service: dict | None, name: str, stack: str) -> Verdict:
    expected = f"the service {stack}_{name} of the stack {stack}"
    if service is None:
        return verdict(False, expected, f"there is no service {stack}_{name} (docker stack services {stack})")
    return verdict(service["Spec"].get("Labels", {}).get("com.docker.stack.namespace") == stack, expected,
                   f"{service['Spec']['Name']} is not part of a stack")


def endpoint_mode(service: dict | None, mode: str) -> Verdict:
    expected = f"endpoint mode {mode}"
    if service is None:
        return absent("of that name", expected)
    found = (service["Spec"].get("EndpointSpec") or {}).get("Mode", "vip")
    return verdict(found == mode, expected, f"endpoint mode {found}")


def on_overlay(service: dict | None, network: str, networks: list[dict]) -> Verdict:
    """Attached to the overlay network of that name (`docker network ls` on the manager)."""
    expected = f"attached to the overlay network {network}"
    if service is None:
        return absent("of that name", expected)
    by_id = {entry["ID"]: entry for entry in networks}
    attached = [next((found for short, found in by_id.items() if target["Target"].startswith(short)), None)
                for target in service["Spec"]["TaskTemplate"].get("Networks") or []]
    shown = [f"{found['Name']} ({found['Driver']})" if found else "an unknown network" for found in attached]
    return verdict(any(found and found["Name"] == network and found["Driver"] == "overlay" for found in attached),
                   expected, f"attached to: {', '.join(shown) or 'no network of its own'}")


def mounts_volume(service: dict | None, volume: str, path: str) -> Verdict:
    expected = f"the named volume {volume} at {path}"
    if service is None:
        return absent("of that name", expected)
    mounts = service["Spec"]["TaskTemplate"]["ContainerSpec"].get("Mounts") or []
    shown = [f"{mount.get('Source') or '(anonymous)'} ({mount['Type']}) at {mount['Target']}" for mount in mounts]
    return verdict(any(mount["Type"] == "volume" and mount.get("Source") == volume and mount["Target"] == path
                       for mount in mounts), expected, f"mounts: {', '.join(shown) or 'none'}")


def networks(manager) -> list[dict]:
    output = docker_json(manager, "docker network ls --format '{{json .}}' | jq -s .")
    return output or []


def settled(manager, name: str) -> Verdict:
    """PASS once nothing of the service is in flight (see settling; asked afresh) and the manager knows every node's
    state (swarm.unreported: its tasks there are judged once it does)."""
    service, listed = services(manager).get(name), nodes(manager)
    busy = bool(unreported(listed)) or settling(service, tasks_of(task_list(manager), service), ready(listed))
    return verdict(not busy, f"{name} settled", f"{name} {'is still converging' if busy else 'settled'}")


def when_settled(task, manager, name: str, seconds: float = SETTLE_SECONDS) -> tuple[dict | None, list[dict]]:
    """The service and its tasks once it settled (`task` is the lab's TaskRun, which waits within a deadline)."""
    task.until(lambda: settled(manager, name), seconds)
    service = services(manager).get(name)
    return service, tasks_of(task_list(manager), service)


def ensure(manager, name: str, create: str, update: str = "", right: Callable[[dict], bool] = lambda _: True) -> None:
    """Create the service if there is none of that name; run `update` on one that is not `right` (solve mode)."""
    found = services(manager).get(name)
    if found is None:
        run_or_raise(manager, create)
    elif update and not right(found):
        run_or_raise(manager, update)


def tasks_running_on(manager, node) -> Verdict:
    """Every task the swarm wants running on `node` runs there in a running container, and so does a task of each
    global service: after docker restarts on a node the swarm gives it new tasks, and the node is judged once they
    run (right after the restart the manager may not have assigned them yet)."""
    expected = f"every task the swarm wants on {node_of(node)} running there"
    node_id = local_swarm(node).get("NodeID")
    try:
        listed, named = task_list(manager), services(manager)
    except NodeRefused:  # a manager whose docker just restarted answers swarm commands again within seconds
        return verdict(False, expected, f"{node_of(manager)} does not list the swarm's tasks yet")
    wanted = {entry["ID"] for entry in listed if entry.get("NodeID") == node_id and entry["DesiredState"] == "running"}
    labelled = quote(json.dumps({"label": ["com.docker.swarm.task.id"]}))
    labels = [found.get("Labels") or {} for found in api_json(node, f"/containers/json?filters={labelled}") or []]
    waiting = len(wanted - {label.get("com.docker.swarm.task.id") for label in labels})
    global_ids = {entry["ID"] for entry in named.values() if "Global" in (entry["Spec"].get("Mode") or {})}
    waiting += len(global_ids - {label.get("com.docker.swarm.service.id") for label in labels})
    return verdict(not waiting, expected, f"{waiting} task(s) not running yet" if waiting else "they run")
