"""Daemons dcalab started: stopped only while the process under the recorded PID is the one recorded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dcalab import daemons

IGNORES_TERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(flush=True); time.sleep(60)"


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path))
    return tmp_path


@pytest.fixture
def daemon():
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def test_a_recorded_daemon_is_found_and_stopped(daemon, state) -> None:
    daemons.record("dockerd", daemon.pid)
    assert daemons.recorded_pid("dockerd") == daemon.pid
    assert daemons.stop_recorded("dockerd", "Stopping it")
    assert daemon.wait(timeout=5) == -15  # SIGTERM
    assert not (state / "dockerd.started.json").exists()
    assert not daemons.stop_recorded("dockerd", "Stopping it")


def test_a_daemon_recorded_right_after_popen_is_recorded_with_its_argv(state) -> None:
    """Popen returns once exec has begun, and for a moment then /proc/PID/cmdline is still empty (about 1 start in
    15 here): a record made in that moment could never match the daemon, which then could not be stopped."""
    for _ in range(100):
        process = subprocess.Popen(["sleep", "60"], start_new_session=True)
        try:
            daemons.record("dockerd", process.pid)
            assert json.loads((state / "dockerd.started.json").read_text())["argv"] == ["sleep", "60"]
            assert daemons.recorded_pid("dockerd") == process.pid
        finally:
            process.kill()
            process.wait()


@pytest.mark.parametrize("reused", ["start_time", "argv"])
def test_a_pid_now_held_by_another_process_is_left_alone(daemon, state, reused) -> None:
    daemons.record("dockerd", daemon.pid)
    record = json.loads((state / "dockerd.started.json").read_text())
    record[reused] = record["start_time"] - 1 if reused == "start_time" else ["dockerd"]
    (state / "dockerd.started.json").write_text(json.dumps(record))
    assert daemons.recorded_pid("dockerd") is None
    assert not daemons.stop_recorded("dockerd", "Stopping it")
    assert daemon.poll() is None


@pytest.mark.parametrize("content", ["", '{"pid": 1', "[1, 2]", '{"pid": "1"}', "12345"])
def test_a_bad_record_names_no_process(state, content) -> None:
    (state / "dockerd.started.json").write_text(content)
    assert daemons.recorded_pid("dockerd") is None
    assert not daemons.stop_recorded("dockerd", "Stopping it")


def test_a_daemon_that_ignores_sigterm_is_killed_after_the_timeout(state, monkeypatch) -> None:
    monkeypatch.setattr(daemons, "STOP_TIMEOUT", 0.3)
    stubborn = subprocess.Popen([sys.executable, "-c", IGNORES_TERM], stdout=subprocess.PIPE)
    try:
        stubborn.stdout.readline()  # its SIGTERM handler is set
        daemons.record("libvirtd", stubborn.pid)
        assert daemons.stop_recorded("libvirtd", "Stopping it")
        assert stubborn.wait(timeout=5) == -9  # it ignored SIGTERM and was killed (how soon: bench/timeouts.py)
    finally:
        stubborn.kill()
        stubborn.wait()
