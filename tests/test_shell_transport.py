"""The persistent-shell transport, on a real local shell: framing, exit codes, timeouts, dead shells."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from dcalab.backends.shell import PersistentShell, shell_host
from dcalab.errors import DcalabError, EnvironmentFault, GraderDefect, NodeTimeout


@pytest.fixture
def shell():
    opened = PersistentShell(["/bin/sh"], "local")
    yield opened
    opened.close()


def test_stdout_stderr_and_exit_status_are_kept_apart(shell) -> None:
    assert shell.run("echo out; echo err >&2; exit_code() { return 3; }; exit_code") == (3, b"out\n", b"err\n")
    assert shell.run("printf 'no newline'") == (0, b"no newline", b"")
    assert shell.run("true") == (0, b"", b"")


def test_large_and_binary_output_survive(shell) -> None:
    rc, out, _ = shell.run("head -c 2000000 /dev/zero | tr '\\0' 'x'; printf '\\001\\377'")
    assert rc == 0 and len(out) == 2_000_002 and out.endswith(b"\x01\xff")


def test_commands_share_one_process_and_cannot_read_our_stdin(shell) -> None:
    first = shell.run("echo $$")[1]
    assert shell.run("cat")[0] == 0  # stdin is /dev/null: cat ends at once instead of eating our commands
    assert shell.run("echo $$")[1] == first


def test_a_node_past_its_timeout_costs_the_timeout_once(shell) -> None:
    with pytest.raises(NodeTimeout, match="local did not answer within 1 s") as first:
        shell.run("sleep 30", timeout=1)
    for _ in range(5):  # later commands fail at once: a frozen node does not cost a timeout per check
        with pytest.raises(NodeTimeout) as later:
            shell.run("echo again", timeout=1)
        assert later.value is first.value  # the first timeout again, not a wait of its own (bench/timeouts.py)


def test_a_shell_that_cannot_start_is_an_environment_fault() -> None:
    broken = PersistentShell(["/bin/sh", "-c", "echo 'Error: No such container: dcalab-x' >&2; exit 1"], "worker9")
    with pytest.raises(EnvironmentFault, match=r"cannot reach worker9 \(Error: No such container: dcalab-x\)"):
        broken.run("true")


def test_a_shell_whose_program_is_missing_is_an_environment_fault_naming_it() -> None:
    missing = PersistentShell(["/nonexistent/ssh", "-F", "lab.ssh", "master", "sudo -n /bin/sh"], "master")
    with pytest.raises(EnvironmentFault, match=r"^The harness cannot reach master: it needs the program "
                       r"/nonexistent/ssh, which cannot be started here \(No such file or directory\)\. Install ssh, "
                       r"or put it on PATH\.$"):
        missing.run("true")


def test_a_command_that_timed_out_is_never_in_the_next_grades_plan() -> None:
    host = shell_host(["/bin/sh"], "local", cache=True, timeout=1)
    try:
        host.run("echo before")
        with pytest.raises(NodeTimeout):
            host.run("sleep 5")
        with pytest.raises(NodeTimeout):  # not asked: the node timed out
            host.run("echo after")
        assert list(host.backend.asked) == ["echo before"]
    finally:
        host.backend.shell.close()


def test_testinfra_modules_work_over_the_shell(tmp_path) -> None:
    (tmp_path / "daemon.json").write_text('{"a": 1}')
    host = shell_host(["/bin/sh"], "local")
    assert host.file(str(tmp_path / "daemon.json")).content_string == '{"a": 1}'
    assert host.run("exit 7").rc == 7


def test_read_only_hosts_answer_a_repeated_command_once(tmp_path) -> None:
    counter = tmp_path / "count"
    cached, live = shell_host(["/bin/sh"], "local", cache=True), shell_host(["/bin/sh"], "local")
    command = f"echo x >> {counter}; wc -l < {counter}"
    assert cached.check_output(command) == cached.check_output(command) == "1"
    assert live.check_output(command) == "2" and live.check_output(command) == "3"


def test_many_commands_in_one_round_trip_keep_their_own_answers(shell) -> None:
    commands = ["echo one", "echo two >&2; exit 4", "printf three", "head -c 100000 /dev/zero | tr '\\0' y"]
    answers = shell.run_many(commands)
    assert answers[:3] == [(0, b"one\n", b""), (4, b"", b"two\n"), (0, b"three", b"")]
    assert answers[3] == (0, b"y" * 100000, b"")
    assert shell.run("echo after") == (0, b"after\n", b"")


def test_prefetch_fills_a_read_only_cache_that_grading_then_reads(tmp_path) -> None:
    counter = tmp_path / "count"
    host = shell_host(["/bin/sh"], "local", cache=True)
    command = f"echo x >> {counter}; wc -l < {counter}"
    host.backend.prefetch([command, "echo other"])
    assert host.check_output(command) == "1" and host.check_output(command) == "1"
    assert list(host.backend.asked) == [command]


def test_a_malformed_command_fails_alone_and_the_shell_goes_on(shell) -> None:
    first = shell.run("echo $$")[1]
    for malformed in ("echo 'unbalanced", 'echo "unbalanced', "echo stray )", "if true; then echo no fi"):
        rc, out, err = shell.run(malformed, timeout=3)
        assert rc == 2 and out == b"" and b"rror" in err, (malformed, rc, out, err)
        assert shell.run("echo next") == (0, b"next\n", b"")
    assert shell.run("echo $$")[1] == first  # the same shell throughout


def test_late_output_of_a_background_process_is_not_the_next_commands(shell, tmp_path) -> None:
    go, written = tmp_path / "go", tmp_path / "written"
    shell.run(f"(while [ ! -e {go} ]; do sleep 0.01; done; echo late; echo late >&2; touch {written}) &")
    go.touch()
    deadline = time.monotonic() + 5
    while not written.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert written.exists()
    assert shell.run("echo next") == (0, b"next\n", b"")


def running(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its parent to reap it has stopped running)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(") ")[2][0] not in "ZX"
    except FileNotFoundError:
        return False


def test_a_command_that_times_out_is_stopped_inside_the_node_too(tmp_path) -> None:
    """The shell runs in a session of its own, as it does on a node: stopping the local client cannot reach it."""
    shell, pids = PersistentShell(["setsid", "-w", "/bin/sh"], "local"), tmp_path / "pids"
    with pytest.raises(NodeTimeout):  # the command, a child it waits for and a pipeline it runs
        shell.run(f"sleep 300 & echo $! > {pids}; sh -c 'echo $$ >> {pids}; exec sleep 300' | cat; wait", timeout=1)
    started = [int(pid) for pid in pids.read_text().split()]
    try:
        deadline = time.monotonic() + 5
        while any(map(running, started)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(running, started))
    finally:
        for pid in filter(running, started):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("frozen", ["never reads", "stopped"])
def test_a_large_command_to_a_shell_that_does_not_read_ends_at_the_timeout(frozen) -> None:
    if frozen == "never reads":
        stuck = PersistentShell(["sh", "-c", "sleep 60"], "worker1")
    else:
        stuck = PersistentShell(["/bin/sh"], "worker1")
        stuck.run("true")
        os.kill(stuck.process.pid, signal.SIGSTOP)
    try:  # the writing has the command's timeout too (how soon it ends: bench/timeouts.py)
        with pytest.raises(NodeTimeout, match="worker1 did not answer within 1 s"):
            stuck.run("echo " + "x" * 5_000_000, timeout=1)
    finally:
        stuck.close()


def test_a_command_that_started_is_never_run_twice(shell, tmp_path) -> None:
    counter = tmp_path / "count"
    with pytest.raises(EnvironmentFault, match="cannot reach local"):
        shell.run(f"echo x >> {counter}; kill -KILL $$")  # it ends its own shell
    assert counter.read_text() == "x\n"
    assert shell.run("echo again") == (0, b"again\n", b"")


def test_a_shell_that_died_between_commands_is_opened_again(shell) -> None:
    shell.run("true")
    os.kill(shell.process.pid, signal.SIGKILL)
    assert shell.run("echo again") == (0, b"again\n", b"")


def test_a_nul_byte_in_a_command_is_the_graders_mistake(shell) -> None:
    with pytest.raises(GraderDefect, match="a command for local holds a NUL byte"):
        shell.run("printf 'a\0b'")
    assert shell.run("printf 'a\\000b'") == (0, b"a\0b", b"")


def test_output_that_is_not_utf8_is_decoded_with_replacement(tmp_path) -> None:
    (tmp_path / "daemon.json").write_bytes(b'{"label": "caf\xe9"}')  # a learner's file saved as Latin-1
    host = shell_host(["/bin/sh"], "local")
    assert host.file(str(tmp_path / "daemon.json")).content_string == '{"label": "caf\ufffd"}'
    assert host.run("printf 'caf\\351' >&2").stderr == "caf\ufffd"
    assert host.run("printf 'caf\\303\\251'").stdout == "café"
    assert host.run("printf %s 'caf\udce9'").stdout_bytes == b"caf\xe9"  # a command may carry such bytes too


def test_a_shells_command_is_made_each_time_one_starts() -> None:
    """A backend may name the node's current PID: the command comes afresh for each shell, the second shell that
    stops a timed-out command included, and a node it can no longer name still ends in the timeout."""
    made = []

    def argv() -> list[str]:
        made.append(len(made))
        if len(made) == 3:
            raise DcalabError("The node is gone.", "Start it: dcalab cluster up")
        return ["/bin/sh"]

    shell = PersistentShell(argv, "worker1")
    try:
        assert shell.run("echo one") == (0, b"one\n", b"") and made == [0]
        shell.close()
        assert shell.run("echo two") == (0, b"two\n", b"") and made == [0, 1]
        with pytest.raises(NodeTimeout, match="worker1 did not answer within 1 s"):
            shell.run("sleep 5", timeout=1)
        assert made == [0, 1, 2]
    finally:
        shell.close()
