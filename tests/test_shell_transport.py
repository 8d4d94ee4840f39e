"""The persistent-shell transport, on a real local shell: framing, exit codes, timeouts, dead shells."""

from __future__ import annotations

import time

import pytest

from dcalab.backends.shell import PersistentShell, shell_host
from dcalab.errors import EnvironmentFault, NodeTimeout


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
    started = time.monotonic()
    with pytest.raises(NodeTimeout, match="local did not answer within 1 s"):
        shell.run("sleep 30", timeout=1)
    for _ in range(5):  # later commands fail at once: a frozen node does not cost a timeout per check
        with pytest.raises(NodeTimeout):
            shell.run("echo again", timeout=1)
    assert time.monotonic() - started < 2.5


def test_a_shell_that_cannot_start_is_an_environment_fault() -> None:
    broken = PersistentShell(["/bin/sh", "-c", "echo 'Error: No such container: dcalab-x' >&2; exit 1"], "worker9")
    with pytest.raises(EnvironmentFault, match=r"cannot reach worker9 \(Error: No such container: dcalab-x\)"):
        broken.run("true")


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
