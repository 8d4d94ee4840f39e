"""The host's inotify room for more nodes (dcalab.host_limits): the limit a cluster needs, raised as root, named
with its command otherwise. Measured on this machine: with 16 nodes the default 128 ran out and the next node's
systemd failed ("Failed to create inotify object: Too many open files"); the real start is in test_named_clusters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dcalab import host_limits
from dcalab.errors import DcalabError


def test_the_limit_leaves_room_for_each_new_node_beside_what_is_open() -> None:
    assert host_limits.wanted_instances(100, 4) == 100 + 4 * host_limits.PER_NODE + host_limits.HEADROOM
    assert host_limits.wanted_instances(100, 0) == 100 + host_limits.HEADROOM


def test_this_process_counts_its_own_inotify_instance(monkeypatch) -> None:
    """Counted over this process alone: the machine's other programs open and close theirs meanwhile."""
    import ctypes

    this_process = Path(f"/proc/{os.getpid()}")

    class OnlyThisProcess(type(Path())):
        def iterdir(self):
            return iter([this_process]) if str(self) == "/proc" else super().iterdir()

    monkeypatch.setattr(host_limits, "Path", OnlyThisProcess)
    libc = ctypes.CDLL(None, use_errno=True)
    before = host_limits.instances_in_use()
    descriptor = libc.inotify_init()
    try:
        assert descriptor >= 0 and host_limits.instances_in_use() == before + 1
    finally:
        os.close(descriptor)


@pytest.fixture
def limit_file(tmp_path, monkeypatch):
    path = tmp_path / "max_user_instances"
    path.write_text("128\n")
    monkeypatch.setattr(host_limits, "INSTANCES", path)
    monkeypatch.setattr(host_limits, "instances_in_use", lambda: 120)
    return path


def test_root_raises_a_limit_too_low_for_the_new_nodes(limit_file, monkeypatch, capsys) -> None:
    monkeypatch.setattr(host_limits.os, "geteuid", lambda: 0)
    host_limits.ensure_room_for_nodes(4)
    assert limit_file.read_text() == str(120 + 4 * host_limits.PER_NODE + host_limits.HEADROOM)
    assert "Raising fs.inotify.max_user_instances from 128 to" in capsys.readouterr().err


def test_a_limit_with_room_is_left_as_it_is(limit_file, monkeypatch) -> None:
    limit_file.write_text("100000\n")
    monkeypatch.setattr(host_limits.os, "geteuid", lambda: 0)
    host_limits.ensure_room_for_nodes(4)
    assert limit_file.read_text() == "100000\n"


def test_a_user_is_told_the_sysctl_command_and_nothing_is_changed(limit_file, monkeypatch) -> None:
    monkeypatch.setattr(host_limits.os, "geteuid", lambda: 1000)
    with pytest.raises(DcalabError, match="allows 128 inotify instances per user") as refused:
        host_limits.ensure_room_for_nodes(4)
    assert "sudo sysctl fs.inotify.max_user_instances=" in refused.value.fix
    assert limit_file.read_text() == "128\n"
