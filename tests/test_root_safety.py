"""What dcalab runs or trusts as root comes from places only root (or the user) can write."""

from __future__ import annotations

import os

import pytest

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
