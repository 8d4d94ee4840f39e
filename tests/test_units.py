"""Pure functions: capability masks, topology, engine errors."""

from __future__ import annotations

import contextlib
import grp
import ipaddress
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from checks import Verdict, redact, retried, verdict
from checks.docker_cli import api_json
from checks.swarm_backup import holds_swarm_state
from checks.systemd import daily_timer, within_a_span
from dcalab import engine, runc_wrapper, runner, settings
from dcalab.backends.vagrant import VagrantCluster
from dcalab.endpoint import resolve_endpoint
from dcalab.errors import DcalabError, EnvironmentFault, GraderDefect, UnknownNode, as_root
from dcalab.grading import BLOCKED, TaskResult
from dcalab.lab import load_lab
from dcalab.runner import TaskRun
from dcalab.settings import image_source
from dcalab.topology import TOPOLOGY_FILE, topology
from tests.contexts import add_context, context_meta, use_context
from tests.labrun import LAB

SANDBOX_STATUS = "Name:\tx\nCapBnd:\t000001fffeffffff\n"  # CAP_SYS_RESOURCE (bit 24) missing


def test_missing_capabilities_reads_the_bounding_set() -> None:
    assert runc_wrapper.missing_capabilities(SANDBOX_STATUS) == {"CAP_SYS_RESOURCE"}
    assert runc_wrapper.missing_capabilities("CapBnd:\t000001ffffffffff\n") == set()


def test_strip_capabilities_removes_only_the_missing_ones() -> None:
    caps = {"bounding": ["CAP_CHOWN", "CAP_SYS_RESOURCE"], "effective": ["CAP_SYS_RESOURCE"]}
    assert runc_wrapper.strip_capabilities(caps, {"CAP_SYS_RESOURCE"}) == {"bounding": ["CAP_CHOWN"], "effective": []}


def test_wrapper_patches_a_bundle_spec(tmp_path, monkeypatch) -> None:
    spec = {"process": {"capabilities": {"bounding": ["CAP_KILL", "CAP_SYS_RESOURCE"]}}}
    (tmp_path / "config.json").write_text(json.dumps(spec))
    runc_wrapper._patch(str(tmp_path / "config.json"), ("process", "capabilities"), {"CAP_SYS_RESOURCE"})
    assert json.loads((tmp_path / "config.json").read_text())["process"]["capabilities"] == {"bounding": ["CAP_KILL"]}


def test_topology_matches_the_seed() -> None:
    topo = topology()
    assert topo.node("master").ip == "10.10.10.100" and topo.swarm_port == 2377
    assert [node.fqdn for node in topo.nodes] == [
        f"{name}.docker-dca.example" for name in ("master", "worker1", "worker2", "registry")
    ]
    addresses = [node.ip for node in topo.nodes] + [topo.hub_ip, topo.gateway]
    assert len(set(addresses)) == len(addresses)
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network(topo.subnet) for ip in addresses)
    assert json.loads(TOPOLOGY_FILE.read_text())["nodes"][0]["name"] == "master"
    with pytest.raises(UnknownNode, match="the nodes are master, worker1, worker2, registry"):
        topo.node("wroker1")


def test_unreachable_docker_host_is_one_clear_sentence(monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(DcalabError, match="does not answer") as raised:
        engine.ensure_engine()
    assert "unset DOCKER_HOST" in raised.value.fix


def test_not_root_without_engine_says_what_to_do(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setattr(engine, "answering_client", lambda endpoint=None: None)
    monkeypatch.setattr(engine.os, "geteuid", lambda: 1000)
    with pytest.raises(DcalabError, match="only when run as root") as raised:
        engine.ensure_engine()
    assert raised.value.fix == f"Start Docker (sudo systemctl start docker) or run: {as_root('cluster up')}"


def test_the_root_command_names_this_dcalab_by_path_with_the_settings_sudo_drops(monkeypatch) -> None:
    for name in ("DCALAB_IMAGES", "DCALAB_DEBIAN_MIRROR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DCALAB_NODE_SUITE", "trixie")
    program = Path(sys.executable).parent / "dcalab"  # the venv's, which root's PATH does not hold
    assert program.exists()
    assert as_root("cluster up") == f"sudo env DCALAB_NODE_SUITE=trixie {program} cluster up"
    monkeypatch.delenv("DCALAB_NODE_SUITE")
    assert as_root("cluster up") == f"sudo {program} cluster up"


def test_a_socket_the_user_may_not_open_names_its_group_not_root(monkeypatch, tmp_path) -> None:
    """A user outside the docker group: the engine answers root only, which is not "no engine"."""
    socket = tmp_path / "docker.sock"
    socket.write_text("")
    socket.chmod(0o660)
    monkeypatch.setattr(engine.os, "access", lambda path, mode: False)  # as a user who is not in its group
    problem = engine.unanswered(resolve_endpoint({"DOCKER_HOST": f"unix://{socket}"}))
    group = grp.getgrgid(socket.stat().st_gid).gr_name
    assert problem.message == (f"The Docker engine at unix://{socket} (DOCKER_HOST) lets in only root and the members "
                               f"of its group ({group}), and you are neither.")
    assert problem.fix.startswith(f"Join that group (sudo usermod -aG {group} $USER, then log in again)")


def test_a_context_that_does_not_answer_says_how_to_go_back_to_the_default(monkeypatch, tmp_path) -> None:
    add_context(tmp_path, context_meta("colima", "unix:///nonexistent/colima.sock"))
    use_context(tmp_path, "colima")
    problem = engine.unanswered(resolve_endpoint({"DOCKER_CONFIG": str(tmp_path)}))
    assert problem.message == (f"The Docker engine at unix:///nonexistent/colima.sock (context colima, the current "
                               f"context of {tmp_path / 'config.json'}) does not answer.")
    assert problem.fix == ("Start that engine, or run `docker context use default` to let dcalab start a local one.")


def test_missing_packages_as_non_root_name_the_apt_command(monkeypatch) -> None:
    monkeypatch.setattr(engine.os, "geteuid", lambda: 1000)
    with pytest.raises(DcalabError, match="sudo apt-get install no-such-pkg"):
        engine.ensure_packages({"/nonexistent/tool": "no-such-pkg"})


def test_an_unknown_image_source_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_IMAGES", "quay")
    with pytest.raises(DcalabError, match="not an image source") as raised:
        image_source()
    assert "offline, dockerhub" in raised.value.fix


def test_join_tokens_never_reach_a_report() -> None:
    token = "SWMTKN-1-5uadpu9vr0rcq1hbjtzv7exb34vyreuc9l4gkgggg0y1x0c471-75b4qqhg4ez89w5h49x0dwdz3"
    assert token not in redact(f"docker swarm join --token {token} 10.10.10.100:2377")
    result = TaskResult(load_lab(LAB).task("swarm-join"), BLOCKED, reason=f"`join --token {token}` failed")
    assert token not in result.describe() and "SWMTKN-(hidden)" in result.describe()


def test_unlock_keys_are_redacted_like_join_tokens() -> None:
    key = "SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8"
    assert redact(f"docker swarm unlock: {key}") == "docker swarm unlock: SWMKEY-(hidden)"


def test_private_keys_password_hashes_and_docker_credentials_are_redacted() -> None:
    key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    hashed = "dca:$2y$05$7xpHnVMgvSuUibXjxQNDq.H7NdmpxxYaHXDUu35lsSPAkL6yPl7se"
    login = '{"auths": {"registry.docker-dca.example:5000": {"auth": "ZGNhOmRjYS1sYWItMjAyNg=="}}}'
    shown = redact(f"{key} then {hashed} and {login}, cut short: -----BEGIN RSA PRIVATE KEY-----\nMIIEow")
    for secret in ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "7xpHnVMgvSuUibXjxQNDq", "ZGNhOmRjYS1sYWItMjAyNg==", "MIIEow"):
        assert secret not in shown, shown
    assert "BEGIN PRIVATE KEY----- (hidden)" in shown and "dca:$2y$(hidden)" in shown and '"auth": "(hidden)"' in shown


@pytest.mark.parametrize(("secret", "kept"), [
    ("learner:$y$j9T$Fh7Rb0cX1tAq/2zN.E3uW1$kQmC8pZ3vW5t0JxYb6u9sL4nR2dA1eF7gH0iK3lM5o:19700:0:99999:7:::",
     "learner:$y$(hidden)"),  # Debian's shadow (yescrypt)
    ("old:$1$saltsalt$qjFy5nHhQd3kGZ8/2z3Ag1", "old:$1$(hidden)"),  # md5crypt
    ("dca:$2x$05$7xpHnVMgvSuUibXjxQNDq.H7NdmpxxYaHXDUu35lsSPAkL6yPl7se", "dca:$2x$(hidden)"),
    ("dca:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "dca:{SHA}(hidden)"),  # htpasswd -s
    ('{"auths": {"r:5000": {"identitytoken": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}}}', '"identitytoken": "(hidden)"'),
])
def test_other_password_hashes_and_identity_tokens_are_redacted(secret: str, kept: str) -> None:
    shown = redact(f"found: {secret}")
    assert kept in shown and not any(len(word) > 12 and word in shown for word in re.split(r"[$:\"}{ ]", secret)
                                         if word not in kept), shown


def test_the_vagrant_ssh_config_stays_readable_while_it_is_made_anew(tmp_path, monkeypatch) -> None:
    """A watch's ssh reads the ssh_config while another dcalab makes it anew (after a machine was recreated): it finds
    the old file or the new one, whole, never no file or half of one."""
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path / "state"))
    cluster = VagrantCluster()
    config = settings.state_dir() / "vagrant-ssh-config"
    config.write_text("Host master\n  HostName old\n")
    read_meanwhile = []

    def vagrant(action: str, *args: str) -> str:
        read_meanwhile.append(config.read_text())
        return "Host master\n  HostName new\n"

    monkeypatch.setattr(cluster, "_vagrant", vagrant)
    monkeypatch.setattr(cluster, "_machine_ids", lambda: "machines recreated")
    assert cluster.config_file.read_text() == "Host master\n  HostName new\n"
    assert read_meanwhile == ["Host master\n  HostName old\n"]
    assert sorted(path.name for path in config.parent.iterdir()) == ["vagrant-ssh-config",
                                                                      "vagrant-ssh-config.machines"]


class SettlingCluster:
    """A stand-in for a cluster whose state settles after a few fresh looks (until() asks it afresh)."""

    def __init__(self, settles_after: int) -> None:
        self.looks, self.fresh_looks, self.settles_after = 0, 0, settles_after
        self.is_fresh = False

    @contextlib.contextmanager
    def fresh(self):
        self.is_fresh = True
        yield
        self.is_fresh = False

    def look(self) -> Verdict:
        self.looks += 1
        self.fresh_looks += self.is_fresh
        return verdict(self.fresh_looks >= self.settles_after, "settled", f"look {self.looks}")


def task_run(cluster) -> TaskRun:
    lab = load_lab(LAB)
    return TaskRun(lab, lab.task("catalog"), cluster, solving=False)


def test_until_looks_again_afresh_until_the_state_settles(monkeypatch) -> None:
    monkeypatch.setattr(runner, "SETTLE_INTERVAL", 0.01)
    cluster = SettlingCluster(settles_after=3)
    assert task_run(cluster).until(cluster.look, seconds=5).passed
    assert (cluster.looks, cluster.fresh_looks) == (4, 3)  # the first look may use the grade's answers


class SleeplessClock:
    """time.monotonic and time.sleep for until(): a sleep moves the clock on at once."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_until_gives_up_at_its_deadline_with_the_last_finding(monkeypatch) -> None:
    monkeypatch.setattr(runner, "SETTLE_INTERVAL", 0.01)
    clock = SleeplessClock()
    monkeypatch.setattr(runner, "time", clock)
    cluster = SettlingCluster(settles_after=10**6)
    found = task_run(cluster).until(cluster.look, seconds=0.2)
    assert not found.passed and found.found == f"look {cluster.looks}"
    assert 100.2 <= clock.now < 100.2 + 0.01 + 1e-9  # no look begins past the deadline
    assert cluster.looks == 1 + round((clock.now - 100.0) / 0.01)  # one look per settle interval, none skipped


def retried_in_sh(tmp_path, succeeds_on: int, tries: int) -> tuple[subprocess.CompletedProcess, int]:
    """Run retried() of a command that fails (exit 3, with a message) until its `succeeds_on`th call, in the
    nodes' /bin/sh; the result and how many times the command ran."""
    calls = tmp_path / "calls"
    calls.write_text("0")
    command = tmp_path / "settling"
    command.write_text(f"#!/bin/sh\nn=$(($(cat {calls}) + 1)); echo $n > {calls}\n"
                       f"[ $n -ge {succeeds_on} ] || {{ echo not yet $n >&2; exit 3; }}\necho settled\n")
    command.chmod(0o755)
    done = subprocess.run(["/bin/sh", "-c", retried(str(command), tries, pause=0.01)], capture_output=True, text=True)
    return done, int(calls.read_text())


def test_retried_runs_a_command_until_it_succeeds_and_not_again(tmp_path) -> None:
    for succeeds_on in (1, 3):
        done, calls = retried_in_sh(tmp_path, succeeds_on, tries=5)
        assert (done.returncode, done.stdout, done.stderr, calls) == (0, "settled\n", "", succeeds_on)


def test_retried_gives_up_with_the_last_tries_error_and_status(tmp_path) -> None:
    done, calls = retried_in_sh(tmp_path, succeeds_on=10**6, tries=4)
    assert (done.returncode, done.stderr, calls) == (3, "not yet 5\n", 5)  # the quiet tries' errors are not shown


def test_a_state_that_holds_is_looked_at_once() -> None:
    cluster = SettlingCluster(settles_after=0)
    assert task_run(cluster).until(cluster.look, seconds=60).passed and cluster.looks == 1


def test_a_task_reading_an_undeclared_node_is_a_grader_defect() -> None:
    with pytest.raises(GraderDefect, match=r"reads the node worker1, which lab\.toml does not declare"):
        task_run(SettlingCluster(0)).host("worker1")


def test_the_plugin_and_the_cli_import_no_backend_until_one_is_chosen() -> None:
    """python-vagrant warns on import when Vagrant is missing, and the Docker SDK is slow to import: neither is
    loaded by `pytest` or `dcalab` until the embedded or Vagrant backend is chosen."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, dcalab.plugin, dcalab.cli; "
                             "print(sorted({'vagrant', 'docker'} & set(sys.modules)))"],
                            capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]" and loaded.stderr == ""
    chosen = subprocess.run([sys.executable, "-c", "import sys; from dcalab.backends import backend_class; "
                             "backend_class('ssh'); print('vagrant' in sys.modules, 'docker' in sys.modules)"],
                            capture_output=True, text=True, check=True)
    assert chosen.stdout.strip() == "False False"


def test_a_grade_on_the_embedded_cluster_loads_no_docker_sdk_jinja2_or_question_bank() -> None:
    """The Docker SDK (about 70 ms to import) manages the embedded nodes; a grade reaches them through `docker exec`
    shells and goes without it. jinja2 (about 20 ms) renders HTML pages, which a grade writes only when asked; the
    quiz's bank and engine (about 6 ms) are the quiz's. The plugin, the backend and a whole lab's graders
    (replayed) load none of them."""
    unneeded = ["docker", "jinja2", "dcalab.quiz.bank", "dcalab.quiz.engine"]
    grade = ("import sys, dcalab.plugin; from dcalab.backends import get_cluster; from dcalab.lab import find_lab; "
             "from tests.replay import replay; get_cluster('embedded', read_only=True).host_spec('master'); "
             "replay(find_lab('registry'), 'solved'); print(sorted(set(sys.argv[1:]) & set(sys.modules)))")
    graded = subprocess.run([sys.executable, "-c", grade, *unneeded], capture_output=True, text=True, check=True,
                            cwd=LAB.parent.parent)
    assert graded.stdout.strip() == "[]" and graded.stderr == ""


class InspectedContainer:
    """A node container as docker inspect shows it (only what start_hint reads)."""

    def __init__(self, paused: bool) -> None:
        self.name, self.attrs = "dcalab-worker1", {"State": {"Paused": paused, "Running": True}}


@pytest.mark.parametrize("paused", [True, False])
def test_a_paused_node_is_unpaused_not_started(monkeypatch, paused: bool) -> None:
    from dcalab.backends.embedded import EmbeddedCluster

    monkeypatch.setattr(EmbeddedCluster, "node_container", lambda self, node: InspectedContainer(paused))
    hint = EmbeddedCluster().start_hint("worker1")
    assert hint == ("The node is paused: docker unpause dcalab-worker1" if paused else "Start it: dcalab cluster up")


def test_without_an_engine_the_hint_says_to_start_the_cluster(monkeypatch) -> None:
    from dcalab.backends.embedded import EmbeddedCluster

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert EmbeddedCluster().start_hint("worker1") == "Start it: dcalab cluster up"


class ScriptedHost:
    """A node whose commands are answered by the first matching prefix: (rc, stdout, stderr)."""

    def __init__(self, answers: dict[str, tuple[int, str, str]]) -> None:
        self.answers, self.backend = answers, type("Backend", (), {"node": "worker1", "hostname": "worker1"})()

    def run(self, command: str, *args: str):
        line = command % args if args else command
        rc, stdout, stderr = next(answer for prefix, answer in self.answers.items() if line.startswith(prefix))
        return type("Result", (), {"rc": rc, "stdout": stdout, "stderr": stderr})()


def test_the_engine_api_answers_json_none_when_absent_and_a_fault_when_curl_cannot_ask() -> None:
    assert api_json(ScriptedHost({"curl": (0, '{"Swarm": {}}\n200', "")}), "/info") == {"Swarm": {}}
    assert api_json(ScriptedHost({"curl": (0, '{"message": "No such image: x"}\n404', "")}), "/images/x/json") is None
    down = ScriptedHost({"curl": (7, "", "curl: (7) Couldn't connect to server"), "docker version": (
        1, "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"),
                         "[ ": (1, "", "")})
    with pytest.raises(EnvironmentFault, match="Docker is not running on worker1"):
        api_json(down, "/info")
    no_curl = ScriptedHost({"curl": (127, "", "sh: 1: curl: not found"), "docker version": (0, "20.10.24\n", "")})
    with pytest.raises(EnvironmentFault, match=r"curl on worker1 could not ask docker \(sh: 1: curl: not found"):
        api_json(no_curl, "/info")


def test_a_swarm_archive_needs_certificates_and_a_raft_log_beside_them_wherever_tar_started() -> None:
    certificates = ["certificates/swarm-root-ca.crt", "certificates/swarm-node.crt", "certificates/swarm-node.key"]
    log = "raft/wal-v3-encrypted/0000000000000000-0000000000000000.wal"
    for root in ("var/lib/docker/swarm/", "swarm/", ""):
        assert holds_swarm_state(([f"{root}{name}" for name in [*certificates, log]], ""), "a.tar").passed
    without_log = holds_swarm_state(([f"swarm/{name}" for name in certificates], ""), "a.tar")
    assert not without_log.passed and "raft log" in without_log.found
    assert "lacks certificates/swarm-node.key" not in without_log.found
    without_key = holds_swarm_state(([f"swarm/{name}" for name in [*certificates[:2], log]], ""), "a.tar")
    assert not without_key.passed and "swarm-node.key" in without_key.found
    assert not holds_swarm_state((None, "there is no file a.tar"), "a.tar").passed


def test_a_daily_timer_is_enabled_active_due_within_a_day_and_its_service_has_succeeded() -> None:
    names, now = ("b.timer", "b.service"), 1_000_000.0
    timer = {"LoadState": "loaded", "UnitFileState": "enabled", "ActiveState": "active", "Unit": "b.service"}
    service, due = {"LoadState": "loaded"}, now + 3600
    assert daily_timer(timer, due, service, "done", names, now).passed
    weekly = daily_timer(timer, now + 5 * 86400, service, "done", names, now)
    assert not weekly.passed and "in 120 h" in weekly.found
    assert "the timer is disabled" in daily_timer({**timer, "UnitFileState": "disabled"}, due, service, "done",
                                                  names, now).found
    assert "has not run yet" in daily_timer(timer, due, service, "", names, now).found
    failed = daily_timer(timer, due, service, "failed", names, now)
    assert not failed.passed and "last run ended failed" in failed.found
    assert "there is no b.timer" in daily_timer({"LoadState": "not-found"}, due, service, "done", names, now).found


def test_a_file_written_while_a_unit_was_stopped_is_within_one_of_its_stopped_spans() -> None:
    spans = [(100.0, 110.0), (200.0, 205.0)]
    assert within_a_span(203.5, spans, "a.tar", "docker.service").passed
    running = within_a_span(150.0, spans, "a.tar", "docker.service")
    assert not running.passed and "not then" in running.found
    assert "records no stop" in within_a_span(150.0, [], "a.tar", "docker.service").found


def test_a_unit_still_stopped_is_stopped_until_now_by_the_node_s_clock() -> None:
    """The open span ends at the node's `date +%s` (what a recorded grade keeps), not the grader's clock."""
    from testinfra.host import Host

    from checks.systemd import STARTING, STOPPED, stopped_spans
    from tests.replay import ReplayBackend

    journal = (f"journalctl -q --no-pager -o json --output-fields=MESSAGE_ID,JOB_TYPE,JOB_RESULT _PID=1 "
               f"UNIT=docker.service MESSAGE_ID={STOPPED} MESSAGE_ID={STARTING}")
    stopped = json.dumps({"MESSAGE_ID": STOPPED, "__REALTIME_TIMESTAMP": "100000000"}) + "\n"
    node = Host(ReplayBackend("worker2", {journal: [0, stopped, ""], "date +%s": [0, "130\n", ""]}))
    assert stopped_spans(node, "docker.service") == [(100.0, 130.0)]


def test_a_listing_that_met_a_thing_removed_meanwhile_is_asked_again() -> None:
    """`dcalab cluster down` beside another dcalab removing its own cluster: the SDK's list inspects each container
    after listing them, and one gone in between raised NotFound (a traceback, seen on a shared engine)."""
    from docker.errors import NotFound

    from dcalab.backends.embedded import _listed

    answers = iter([NotFound("No such container: 5d4c82af"), ["the containers now"]])

    def listing() -> list[str]:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert _listed(listing) == ["the containers now"]
    with pytest.raises(NotFound):
        _listed(lambda: (_ for _ in ()).throw(NotFound("always gone")))
