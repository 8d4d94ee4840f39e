"""A root shell in a running node container, entered from the host with nsenter instead of `docker exec`.

Measured on the embedded cluster: a `docker exec` shell costs about 70 ms of CPU (the docker client, dockerd,
containerd, runc and, where the machine lacks a capability, the runc wrapper); entering the container's
namespaces costs about 3 ms. A command-line grade opens one shell per node, so on a 2-core machine this is
most of what it waits for. The shell is the same as docker exec's for what a grade or a solve does: root in
the node's namespaces (the nodes are privileged containers), with the container's environment, HOSTNAME and
HOME.

Only where that holds and is allowed: dcalab runs as root, the engine is on a local socket, and the node is
running and not paused. Anywhere else (a grading user, a paused or stopped node, an engine elsewhere) the
caller uses `docker exec`, whose messages say what is wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from urllib.parse import quote

from dcalab.endpoint import resolve_endpoint

ASK_TIMEOUT = 5.0  # seconds: a local engine answers an inspect in milliseconds
# Run inside the node: join the container's cgroups, as `docker exec` does, so that pausing the node freezes the
# shell too and stopping it ends the shell; inside a privileged node each hierarchy's root is the container's
# own cgroup (where one refuses a process, as a cgroup v2 root with children does, the shell stays out of it).
# Then the shell starts with the container's environment only.
JOIN_CGROUPS = ('for procs in /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/cgroup.procs; do '
                '{ echo $$ > "$procs"; } 2>/dev/null; done; exec /usr/bin/env -i "$@" /bin/sh')
# nsenter enters the namespaces without forking (--no-fork), so its own process is in the node's PID namespace
# only for its children: this first shell starts the node's shell as its child, waits and exits with it. Not
# nsenter's own fork: nsenter stops itself when its child stops, and a node's systemd, when it shuts down,
# stops every process of the node (kill -1 SIGSTOP) before ending them; a stopped nsenter never collects its
# ended child, and the node's container could then not stop. A shell without job control waits through a stop.
WAIT_FOR_NODE_SHELL = 'inner=$1; shift; /bin/sh -c "$inner" dcalab-shell "$@"; exit $?'


def engine_socket() -> str | None:
    """The local socket of the engine the embedded cluster's nodes run on (as dcalab.endpoint resolves it, which
    made them); None for an engine reached otherwise (tcp, ssh, a docker context other than default)."""
    return resolve_endpoint().local_socket


def inspect_container(name: str, path: str) -> dict | None:
    """The engine's inspect of a container (GET /containers/NAME/json on its socket), or None when there is
    no such container or the engine does not answer. HTTP/1.0: the engine closes the connection after the
    answer, so reading to the end needs no HTTP library."""
    request = f"GET /containers/{quote(name, safe='')}/json HTTP/1.0\r\nHost: docker\r\n\r\n".encode()
    try:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(ASK_TIMEOUT)
            connection.connect(path)
            connection.sendall(request)
            answer = b"".join(iter(lambda: connection.recv(1 << 16), b""))
    except OSError:
        return None
    head, _, body = answer.partition(b"\r\n\r\n")
    if head.split(b" ", 2)[1:2] != [b"200"]:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def enter_command(container: str) -> list[str] | None:
    """The argv of a root /bin/sh inside the running container, entered with nsenter; None where that cannot
    be done as described above."""
    if os.geteuid() != 0:
        return None
    nsenter, path = shutil.which("nsenter"), engine_socket()
    if nsenter is None or path is None:
        return None
    info = inspect_container(container, path)
    state = (info or {}).get("State") or {}
    if not state.get("Running") or state.get("Paused") or not state.get("Pid"):
        return None
    config = info.get("Config") or {}
    environment = {entry.partition("=")[0]: entry for entry in config.get("Env") or []}
    environment.setdefault("HOSTNAME", f"HOSTNAME={config.get('Hostname', '')}")
    environment.setdefault("HOME", "HOME=/root")
    # The PID is read just before the shell starts (a shell that ends is started again from a new look), so a
    # node recreated meanwhile is entered by its new PID.
    return [nsenter, "--target", str(state["Pid"]), "--all", "--no-fork", "/bin/sh", "-c", WAIT_FOR_NODE_SHELL,
            "dcalab-shell", JOIN_CGROUPS, *environment.values()]
