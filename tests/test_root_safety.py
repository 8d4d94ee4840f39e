"""What dcalab runs or trusts as root comes from places only root (or the user) can write."""

from __future__ import annotations

import grp
import os
import sys
from pathlib import Path

import pytest

from dcalab import engine, libvirt_host, runc_wrapper
from dcalab.engine import only_root_can_change
from dcalab.errors import DcalabError
from dcalab.settings import state_dir


@pytest.fixture
def state(tmp_path, monkeypatch):
    folder = tmp_path / "state"
    monkeypatch.setenv("DCALAB_STATE", str(folder))
    return folder


def test_a_state_folder_anyone_can_write_is_refused(state) -> None:
    state.mkdir()
    state.chmod(0o777)
    with pytest.raises(DcalabError, match="writable by other users") as raised:
        state_dir()
    assert raised.value.fix == f"Make it yours alone: chmod go-w {state}"


def test_a_state_folder_of_another_user_is_refused(state, monkeypatch) -> None:
    state.mkdir(mode=0o700)
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(state).st_uid + 1)
    with pytest.raises(DcalabError, match="belongs to another user") as raised:
        state_dir()
    assert "chown -R " in raised.value.fix and str(state) in raised.value.fix


def test_a_new_state_folder_is_the_users_alone_whatever_the_umask(state) -> None:
    previous = os.umask(0o002)
    try:
        assert state_dir() == state
    finally:
        os.umask(previous)
    assert state.stat().st_mode & 0o777 == 0o700


def test_only_root_can_change_the_system_python_but_not_a_shared_file(tmp_path) -> None:
    assert only_root_can_change(Path(sys.executable))  # the venv's link resolves to the system's python
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "tool").write_text("")
    shared.chmod(0o777)
    assert not only_root_can_change(shared / "tool")
    (tmp_path / "open").write_text("")
    (tmp_path / "open").chmod(0o666)
    assert not only_root_can_change(tmp_path / "open")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can install the runc wrapper")
def test_the_runc_wrapper_is_roots_alone_and_runs_an_isolated_python(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(engine, "WRAPPER_FOLDER", tmp_path / "lib" / "dcalab")
    wrapper = engine.install_runc_wrapper()
    assert wrapper.parent == tmp_path / "lib" / "dcalab"
    info = wrapper.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (0, 0, 0o755)
    first, rest = wrapper.read_text().split("\n", 1)
    assert first == f"#!{Path(sys.executable).resolve()} -IS"
    assert rest == Path(runc_wrapper.__file__).read_text()
    assert only_root_can_change(wrapper)


def test_the_runc_wrapper_is_not_installed_where_others_can_write(tmp_path, monkeypatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setattr(engine, "WRAPPER_FOLDER", shared / "dcalab")
    with pytest.raises(DcalabError, match="users other than root can change") as raised:
        engine.install_runc_wrapper()
    assert raised.value.fix.startswith("Give it to root alone: chown root:root ")
    assert not (shared / "dcalab" / "runc-wrapper").exists()


def test_dockerd_keeps_its_own_pidfile_and_data_root() -> None:
    """/var/run/docker.pid stays dockerd's guard against a second daemon on /var/lib/docker."""
    assert engine.dockerd_command(None) == ["dockerd"]
    wrapped = engine.dockerd_command(Path("/usr/local/lib/dcalab/runc-wrapper"))
    assert wrapped == ["dockerd", "--add-runtime", "dcalab-runc=/usr/local/lib/dcalab/runc-wrapper",
                       "--default-runtime", "dcalab-runc"]


@pytest.fixture
def kvm(tmp_path, monkeypatch, state):
    """A stand-in for /dev/kvm as a host without udev has it (root's group, 0600), and a group to share it with."""
    device = tmp_path / "kvm"
    device.write_text("")
    os.chown(device, -1, 0)
    device.chmod(0o600)
    group = next(entry for entry in grp.getgrall() if entry.gr_gid != 0)
    monkeypatch.setattr(libvirt_host, "KVM", device)
    monkeypatch.setattr(libvirt_host, "KVM_GROUP", group.gr_name)
    return device, group.gr_gid


def group_and_mode(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_gid, info.st_mode & 0o7777


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give /dev/kvm another group")
def test_stopping_libvirt_gives_dev_kvm_back_its_group_and_mode(kvm) -> None:
    device, group = kvm
    libvirt_host._share_kvm()
    assert group_and_mode(device) == (group, 0o660)
    libvirt_host.stop_libvirt()
    assert group_and_mode(device) == (0, 0o600)
    libvirt_host.stop_libvirt()  # nothing recorded any more: nothing changes
    assert group_and_mode(device) == (0, 0o600)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give /dev/kvm another group")
def test_dev_kvm_changed_by_someone_else_since_is_left_alone(kvm) -> None:
    device, group = kvm
    libvirt_host._share_kvm()
    device.chmod(0o666)
    libvirt_host.stop_libvirt()
    assert group_and_mode(device) == (group, 0o666)
