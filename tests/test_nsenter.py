"""Which engine socket the nsenter shells ask, and how its inspect answer is read (a fake engine on a socket);
the shells themselves are tested on the real nodes in tests/test_shell_on_nodes.py."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from dcalab.backends import nsenter
from tests.contexts import add_context, context_meta


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, "/var/run/docker.sock"),
    ({"DOCKER_HOST": "unix:///run/user/1000/docker.sock"}, "/run/user/1000/docker.sock"),
    ({"DOCKER_HOST": "tcp://10.0.0.5:2376"}, None),
    ({"DOCKER_CONTEXT": "desktop"}, None),  # a context's socket may lead into a VM (Docker Desktop)
    ({"DOCKER_CONTEXT": "default"}, "/var/run/docker.sock"),
])
def test_only_a_local_engine_socket_is_asked(monkeypatch, tmp_path: Path, environment: dict,
                                             expected: str | None) -> None:
    add_context(tmp_path, context_meta("desktop", "unix:///home/u/.docker/desktop/docker.sock"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    for name in ("DOCKER_HOST", "DOCKER_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert nsenter.engine_socket() == expected


def fake_engine(path: Path, answer: bytes) -> list[bytes]:
    """A socket at `path` that reads one request and answers `answer` then closes; the requests it read."""
    server, requests = socket.socket(socket.AF_UNIX), []
    server.bind(str(path))
    server.listen(1)

    def serve() -> None:
        connection, _ = server.accept()
        with connection, server:
            requests.append(connection.recv(4096))
            connection.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return requests


def test_the_inspect_answer_is_read_to_the_end(tmp_path: Path) -> None:
    body = json.dumps({"State": {"Running": True, "Pid": 4242}, "Config": {"Env": ["PATH=/bin"]}, "pad": "x" * 200_000})
    requests = fake_engine(tmp_path / "engine.sock", b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
                           + body.encode())
    assert nsenter.inspect_container("dcalab-master", str(tmp_path / "engine.sock"))["State"]["Pid"] == 4242
    assert requests[0].startswith(b"GET /containers/dcalab-master/json HTTP/1.0\r\n")


@pytest.mark.parametrize("answer", [b"HTTP/1.0 404 Not Found\r\n\r\n{\"message\": \"No such container\"}",
                                    b"HTTP/1.0 200 OK\r\n\r\n{truncated", b""])
def test_a_missing_container_or_a_broken_answer_is_none(tmp_path: Path, answer: bytes) -> None:
    fake_engine(tmp_path / "engine.sock", answer)
    assert nsenter.inspect_container("dcalab-master", str(tmp_path / "engine.sock")) is None


def test_no_engine_is_none(tmp_path: Path) -> None:
    assert nsenter.inspect_container("dcalab-master", str(tmp_path / "nothing.sock")) is None


def test_a_node_that_is_not_running_or_is_paused_gets_no_nsenter_command(monkeypatch) -> None:
    monkeypatch.setattr(nsenter.os, "geteuid", lambda: 0)
    monkeypatch.setattr(nsenter, "engine_socket", lambda: "/var/run/docker.sock")
    for state in ({"Running": False, "Pid": 0}, {"Running": True, "Paused": True, "Pid": 77}):
        monkeypatch.setattr(nsenter, "inspect_container", lambda name, path, state=state: {"State": state})
        assert nsenter.enter_command("dcalab-master") is None
    monkeypatch.setattr(nsenter.os, "geteuid", lambda: 1000)
    assert nsenter.enter_command("dcalab-master") is None  # a grading user: docker exec


def test_the_shell_starts_with_the_containers_environment(monkeypatch) -> None:
    monkeypatch.setattr(nsenter.os, "geteuid", lambda: 0)
    monkeypatch.setattr(nsenter.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(nsenter, "engine_socket", lambda: "/var/run/docker.sock")
    monkeypatch.setattr(nsenter, "inspect_container", lambda name, path: {
        "State": {"Running": True, "Pid": 77}, "Config": {"Env": ["PATH=/usr/bin:/bin", "container=docker"],
                                                          "Hostname": "master.docker-dca.example"}})
    argv = nsenter.enter_command("dcalab-master")
    assert argv[:4] == ["/usr/bin/nsenter", "--target", "77", "--all"]
    assert argv[-4:] == ["PATH=/usr/bin:/bin", "container=docker", "HOSTNAME=master.docker-dca.example", "HOME=/root"]
