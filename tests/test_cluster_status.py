"""`dcalab cluster status` over faked nodes: each node's engine version and swarm membership, from one
`docker info` per node, and a docker that does not answer whichever client (20.10 or 26) says so."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from docker.errors import NotFound
from requests.exceptions import ReadTimeout

from dcalab import cli
from dcalab.backends import embedded
from dcalab.backends.base import ENGINE_FORMAT, engine_notes
from dcalab.backends.ssh import SshCluster
from tests.contexts import add_context, context_meta, use_context

NO_DAEMON = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
# Each node's answer to `docker info --format ENGINE_FORMAT`: (exit status, stdout, stderr).
ANSWERS = {
    "master": (0, "26.1.5+dfsg1 active true\n", ""),
    "worker1": (0, "26.1.5+dfsg1 active false\n", ""),
    "worker2": (0, "  false\n", NO_DAEMON),  # docker 26's client without a daemon: exit 0, empty fields
    "registry": (1, "", NO_DAEMON),  # docker 20.10's client without a daemon
}


@pytest.mark.parametrize(("code", "output", "notes"), [
    (0, "26.1.5+dfsg1 active true", ["docker 26.1.5+dfsg1", "swarm active as manager"]),
    (0, "20.10.24+dfsg1 inactive false", ["docker 20.10.24+dfsg1", "not in a swarm"]),
    (0, f"  false\n{NO_DAEMON}", None),
    (0, "  false", None),
    (1, NO_DAEMON, None),
])
def test_engine_notes_need_a_daemons_answer_not_only_exit_status_0(code: int, output: str,
                                                                   notes: list[str] | None) -> None:
    assert engine_notes(code, output) == notes


def assert_status_lines(reports: list, capsys: pytest.CaptureFixture) -> list[str]:
    """The nodes' lines checked; the lines above them (the embedded cluster's engine) returned."""
    assert cli._print_status(reports) == 1
    lines = capsys.readouterr().out.splitlines()
    above = lines[:[line.split()[1] for line in lines].index("master")]
    lines = lines[len(above):]
    assert lines[0].split() == ["ok", "master", "running", "docker", "26.1.5+dfsg1;", "swarm", "active", "as",
                                "manager"]
    assert lines[1].split() == ["ok", "worker1", "running", "docker", "26.1.5+dfsg1;", "swarm", "active", "as",
                                "worker"]
    assert [line.split()[0] for line in lines if line.split()[1:2] in (["worker2"], ["registry"])] == ["!!", "!!"]
    return above


@pytest.fixture
def no_context(monkeypatch, tmp_path) -> None:
    """The engine on the default socket, whatever the machine's docker config says."""
    for name in ("DOCKER_HOST", "DOCKER_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))


def no_forwarder(name: str) -> None:
    """The engine's answer for the learners' SSH forwarder of a cluster that has none (dcalab.access)."""
    raise NotFound(f"No such container: {name}")


def test_embedded_status_shows_each_nodes_engine_version_from_one_exec(monkeypatch, capsys, no_context) -> None:
    asked = []

    def run(self, node, *command: str) -> tuple[int, str]:
        asked.append((node.name, command))
        code, stdout, stderr = ANSWERS[node.name]
        return code, (stdout + stderr).strip()  # exec_run's combined output

    image = SimpleNamespace(id="sha256:node")
    monkeypatch.setenv("DCALAB_IMAGES", "dockerhub")  # no lab hub to report
    monkeypatch.setattr("dcalab.engine.answering_client", lambda endpoint: object())
    engine = SimpleNamespace(images=SimpleNamespace(get=lambda tag: image), containers=SimpleNamespace(
        get=no_forwarder))
    monkeypatch.setattr(embedded.EmbeddedCluster, "client", engine)
    monkeypatch.setattr(embedded.EmbeddedCluster, "node_container", lambda self, node: SimpleNamespace(
        status="running", name=f"dcalab-{node.name}", image=image))
    monkeypatch.setattr(embedded.EmbeddedCluster, "run", run)
    assert assert_status_lines(embedded.EmbeddedCluster().status(), capsys) == [
        "ok engine    running  unix:///var/run/docker.sock (the default socket)"]
    assert sorted(asked) == sorted((name, ("docker", "info", "--format", ENGINE_FORMAT)) for name in ANSWERS)


def test_ssh_status_shows_each_nodes_engine_version(monkeypatch, capsys, tmp_path) -> None:
    def host(self, node: str) -> SimpleNamespace:
        def run(command: str) -> SimpleNamespace:
            assert command == f"docker info --format '{ENGINE_FORMAT}'"
            code, stdout, stderr = ANSWERS[node]
            return SimpleNamespace(rc=code, stdout=stdout, stderr=stderr)

        return SimpleNamespace(run=run)

    (tmp_path / "lab.ssh").write_text("")
    monkeypatch.setenv("DCALAB_SSH_CONFIG", str(tmp_path / "lab.ssh"))
    monkeypatch.setattr(SshCluster, "host", host)
    reports = SshCluster().status()
    assert reports[2].problems == [f"docker does not answer: {NO_DAEMON}"]
    assert_status_lines(reports, capsys)


def test_embedded_status_bounds_each_command_and_an_engine_that_times_out_is_one_problem_line(monkeypatch) -> None:
    """What the Docker SDK raises when the engine does not answer in time is a sentence on that node's line, never a
    requests traceback; each command run in a node is killed after EXEC_TIMEOUT s (a hung docker in the node)."""
    asked = []

    class Container:
        def __init__(self, name: str) -> None:
            self.name = name

        def exec_run(self, command: list[str]) -> tuple[int, bytes]:
            asked.append(command)
            if self.name == "dcalab-worker2":
                raise ReadTimeout("UnixHTTPConnectionPool(host='localhost', port=None): Read timed out.")
            return 0, b"26.1.5+dfsg1 active false\n"

    image = SimpleNamespace(id="sha256:node")
    monkeypatch.setenv("DCALAB_IMAGES", "dockerhub")
    monkeypatch.setattr("dcalab.engine.answering_client", lambda endpoint: object())
    engine = SimpleNamespace(images=SimpleNamespace(get=lambda tag: image), containers=SimpleNamespace(
        get=lambda name: no_forwarder(name) if name.endswith("-access") else Container(name)))
    monkeypatch.setattr(embedded.EmbeddedCluster, "client", engine)
    monkeypatch.setattr(embedded.EmbeddedCluster, "node_container", lambda self, node: SimpleNamespace(
        status="running", name=f"dcalab-{node.name}", image=image))
    reports = {report.name: report for report in embedded.EmbeddedCluster().status()}
    assert reports["worker2"].problems == [
        "The Docker engine could not run a command in the node worker2 (UnixHTTPConnectionPool(host='localhost', "
        "port=None): Read timed out.). Check it with: dcalab cluster status"]
    assert reports["worker1"].healthy
    assert {tuple(command[:4]) for command in asked} == {("timeout", "-s", "KILL", str(embedded.EXEC_TIMEOUT))}


def test_status_names_a_context_whose_engine_does_not_answer(no_context, tmp_path) -> None:
    add_context(tmp_path, context_meta("colima", "unix:///nonexistent/colima.sock"))
    use_context(tmp_path, "colima")
    [engine] = embedded.EmbeddedCluster().status()
    where = f"unix:///nonexistent/colima.sock (context colima, the current context of {tmp_path / 'config.json'})"
    assert (engine.name, engine.state, engine.notes) == ("engine", "missing", [where])
    assert engine.problems == [f"The Docker engine at {where} does not answer. Start that engine, or run "
                               "`docker context use default` to let dcalab start a local one."]
