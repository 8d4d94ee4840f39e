"""The persistent shell over the real transports (nsenter, docker exec and ssh into a node of the embedded cluster):
a malformed command fails alone, late background output is dropped, bytes that are not UTF-8 are decoded,
a paused node costs the timeout (writing included), and a command that times out is stopped on the node."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from checks import retried
from dcalab.backends import embedded as embedded_backend
from dcalab.backends import get_cluster
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.shell import STOP_TIMEOUT, PersistentShell, shell_host
from dcalab.errors import NodeTimeout
from dcalab.settings import SSH_CONFIG_ENV
from tests.labrun import paused

NODE = "worker2"


@pytest.fixture(scope="module")
def ssh_config_file(embedded: EmbeddedCluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ssh_config for the embedded nodes, once the node's sshd answers (it starts after docker)."""
    embedded.host(NODE).check_output(
        retried("systemctl is-active -q ssh", 120, pause=0.5))
    path = tmp_path_factory.mktemp("ssh") / "lab.ssh"
    path.write_text(embedded.ssh_config())
    return path


@pytest.fixture(params=["nsenter", "docker exec", "ssh"])
def transport(request: pytest.FixtureRequest, embedded: EmbeddedCluster, monkeypatch: pytest.MonkeyPatch
              ) -> list[str]:
    """The argv of a root shell on NODE, as the embedded (nsenter for root, else docker exec) and the ssh
    backends open it."""
    if request.param == "nsenter":
        argv = embedded.pipe_command(NODE)
        assert Path(argv[0]).name == "nsenter", argv
        return argv
    if request.param == "docker exec":
        monkeypatch.setattr(embedded_backend, "enter_command", lambda container: None)
        return embedded.pipe_command(NODE)
    monkeypatch.setenv(SSH_CONFIG_ENV, str(request.getfixturevalue("ssh_config_file")))
    return get_cluster("ssh").pipe_command(NODE)


@pytest.fixture
def shell(transport: list[str]):
    opened = PersistentShell(transport, NODE)
    yield opened
    opened.close()


def test_a_malformed_command_fails_alone_on_a_node(shell: PersistentShell) -> None:
    first = shell.run("echo $$")[1]
    for malformed in ("echo 'unbalanced", "echo stray )"):
        rc, out, err = shell.run(malformed, timeout=5)
        assert rc == 2 and out == b"" and b"rror" in err, (malformed, rc, out, err)
        assert shell.run("echo next") == (0, b"next\n", b"")
    assert shell.run("echo $$")[1] == first


def test_late_output_of_a_background_process_on_a_node_is_dropped(shell: PersistentShell, transport) -> None:
    go, written = "/tmp/dcalab-late-go", "/tmp/dcalab-late-written"
    shell.run(f"rm -f {go} {written}; (while [ ! -e {go} ]; do sleep 0.05; done; echo late; echo late >&2; "
              f"touch {written}) &")
    other = PersistentShell(transport, NODE)  # the first shell must ask nothing while the late output arrives
    try:
        other.run(f"touch {go}")
        assert other.run(retried(f"[ -e {written} ]", 100, pause=0.05))[0] == 0
        time.sleep(0.5)  # what was written reaches this side
        assert shell.run("echo next") == (0, b"next\n", b"")
    finally:
        other.run(f"rm -f {go} {written}")
        other.close()


def test_output_that_is_not_utf8_is_decoded_on_a_node(transport) -> None:
    host = shell_host(transport, NODE)
    try:
        assert host.run("printf 'caf\\351'").stdout == "caf\ufffd"
    finally:
        host.backend.shell.close()


def test_a_large_command_to_a_paused_node_ends_at_the_timeout(embedded: EmbeddedCluster, shell: PersistentShell
                                                             ) -> None:
    shell.run("true")  # the shell is open before the node freezes
    with paused(embedded, NODE):
        started = time.monotonic()
        with pytest.raises(NodeTimeout, match=f"{NODE} did not answer within 3 s"):
            shell.run("echo " + "x" * 5_000_000, timeout=3)
        assert time.monotonic() - started < 3 + min(STOP_TIMEOUT, 3) + 2


def running_on(shell: PersistentShell, pids: list[str]) -> list[str]:
    """The PIDs that still run on the node (a zombie waiting to be reaped has stopped)."""
    answer = shell.run(f"ps -o pid=,stat= -p {','.join(pids)}")[1].decode()
    return [line.split()[0] for line in answer.splitlines() if not line.split()[1].startswith("Z")]


def test_a_command_that_times_out_is_stopped_on_the_node(shell: PersistentShell, transport) -> None:
    pids = "/tmp/dcalab-timed-out-pids"
    with pytest.raises(NodeTimeout):  # the command, a child it waits for and a pipeline it runs
        shell.run(f"rm -f {pids}; sleep 300 & echo $! > {pids}; sh -c 'echo $$ >> {pids}; exec sleep 300' | cat; "
                  "wait", timeout=3)
    look, started = PersistentShell(transport, NODE), []
    try:
        started = look.run(f"cat {pids}")[1].decode().split()
        assert len(started) == 2
        deadline = time.monotonic() + 5
        while running_on(look, started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert running_on(look, started) == []
    finally:
        look.run(f"kill -KILL {' '.join(started)} 2>/dev/null; rm -f {pids}")
        look.close()


# What a grade or a solve can tell about its shell: user, environment, place, namespaces and cgroups.
LOOK = "id; pwd; env | sort; hostname -f; readlink /proc/self/ns/mnt /proc/self/ns/pid /proc/self/ns/net; " \
       "grep -E 'freezer|pids|memory' /proc/self/cgroup"


def test_the_nsenter_shell_sees_what_the_docker_exec_shell_sees(embedded: EmbeddedCluster,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    entered = PersistentShell(embedded.pipe_command(NODE), NODE)
    monkeypatch.setattr(embedded_backend, "enter_command", lambda container: None)
    executed = PersistentShell(embedded.pipe_command(NODE), NODE)
    try:
        assert entered.argv[0].endswith("nsenter") and executed.argv[1] == "exec"
        seen = entered.run(LOOK)
        assert seen == executed.run(LOOK) and seen[0] == 0
        assert b"HOME=/root" in seen[1] and b"/docker/" in seen[1]  # in the container's own cgroups
    finally:
        entered.close()
        executed.close()


def test_a_paused_node_is_reached_by_docker_exec_and_its_message(embedded: EmbeddedCluster) -> None:
    with paused(embedded, NODE) as container:
        assert embedded.pipe_command(NODE)[1:] == ["exec", "-i", container.name, "/bin/sh"]
    assert Path(embedded.pipe_command(NODE)[0]).name == "nsenter"


def test_a_shell_to_a_restarted_node_enters_the_new_container(embedded: EmbeddedCluster) -> None:
    host, node_started = embedded.host(NODE), "cut -d' ' -f22 /proc/1/stat"  # when the node's init started
    before = host.check_output(node_started)
    embedded.client.containers.get(embedded.container_name(NODE)).restart(timeout=1)
    try:
        assert host.check_output(node_started) != before  # the old shell ended with the old node
        assert host.check_output("hostname -f") == "worker2.docker-dca.example"
    finally:
        embedded.reconnect()
        embedded.up()  # the node's docker back up, as the next tests expect it
