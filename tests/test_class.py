"""`dcalab class` without a cluster: the roster (TOML and Ansible inventories) and each bad entry as one sentence in
that learner's row, the class's grade equal to each learner's own grade (the nodes answer as grades recorded on the
real cluster, tests/replay.py), the table, CSV, HTML, JSON, JUnit and history it leaves, the watch's who-is-stuck
column, and the parallel loop naming the learner whose work failed while the others go on."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
from pathlib import Path
from xml.etree import ElementTree

import pytest

from dcalab import class_cli, classroom, history
from dcalab.access import Access, allocate_ports, free_here, server_address
from dcalab.class_view import class_csv, class_html, write_grid
from dcalab.class_watch import ClassWatch
from dcalab.classroom import Seat, each_learner, grade_seats, seats
from dcalab.cli import main
from dcalab.errors import DcalabError
from dcalab.lab import FULL
from dcalab.pki import ensure_lab_ssh_key
from dcalab.report import junit_xml
from dcalab.roster import EMBEDDED, SSH, Learner, load_labs, read_roster, ssh_lines
from dcalab.start import Started
from dcalab.watch import keep_watching
from tests.pristine import REGISTRY_LAB
from tests.replay import AWAY, ReplayCluster, mix
from tests.test_history import BEFORE_VERSIONS
from tests.test_reports import ARTIFACTS, assert_gradescope_shape, chromium, headless  # noqa: F401 (a fixture)
from tests.test_watch import ScriptedCluster

SSH_CONFIG = "Host master worker1 worker2 registry\n  HostName 192.0.2.10\n  User trainer\n"


@pytest.fixture(autouse=True)
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dcalab's state (inventories' ssh_configs, grade plans) in the test's own folder."""
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path / "state"))


def roster(tmp_path: Path, text: str) -> Path:
    (tmp_path / "alice.ssh").write_text(SSH_CONFIG)
    path = tmp_path / "class.toml"
    path.write_text(text)
    return path


def test_a_toml_roster_gives_each_learner_their_cluster_and_lab(tmp_path: Path) -> None:
    read = read_roster(roster(tmp_path, 'lab = "registry"\n[[learners]]\nname = "alice"\nssh_config = "alice.ssh"\n'
                                        '[[learners]]\nname = "bob"\ncluster = "embedded"\ncluster_name = "bob"\n'
                                        'lab = "orchestration"\n'))
    assert read.lab == "registry"
    alice, bob = read.learners
    assert (alice.name, alice.cluster, alice.ssh_config, alice.problem) == ("alice", SSH, tmp_path / "alice.ssh", "")
    assert (bob.cluster, bob.cluster_name, bob.lab_of("registry"), bob.problem) == (EMBEDDED, "bob", "orchestration",
                                                                                    "")


BAD_ENTRIES = [  # a learner's entry, and the words of the one sentence their row shows
    ('name = "alice"\nssh_config = "alice.ssh"', "lists the learner alice twice: only the first is graded"),
    ('name = "carol"\nssh_config = "carol.ssh"', "The ssh_config of carol, {tmp}/carol.ssh, is not a file"),
    ('name = "dan"\ncluster = "ssh"', "dan is on an ssh cluster but has no ssh_config"),
    ('name = "dan/../x"\nssh_config = "alice.ssh"', "The learner name 'dan/../x' cannot name a container or a file"),
    ('name = "eve"\ncluster_name = "eve;rm"', "The cluster_name 'eve;rm' of eve cannot name a container"),
    ('name = "fay"\nssh-config = "alice.ssh"', "The learner fay in {tmp}/class.toml has the unknown key 'ssh-config'"),
    ('name = "gus"\ncluster = "vagrant"', "gus has cluster = 'vagrant': a class runs on \"embedded\" clusters"),
    ('name = "hal"\ncluster = "embedded"\nssh_config = "alice.ssh"',
     "names both an embedded cluster and an ssh_config"),
    ('cluster = "embedded"', "The second learner of {tmp}/class.toml has no name"),
    ('name = "ivy"\nlab = "nolab"', "ivy cannot be graded in the lab 'nolab': There is no lab called 'nolab'. The labs"
                                    " are: "),
]


@pytest.mark.parametrize(("entry", "words"), BAD_ENTRIES, ids=[entry.splitlines()[-1] for entry, _ in BAD_ENTRIES])
def test_each_bad_entry_is_one_sentence_in_that_learners_row_and_the_others_are_kept(tmp_path: Path, entry: str,
                                                                                     words: str) -> None:
    path = roster(tmp_path, f'[[learners]]\nname = "alice"\nssh_config = "alice.ssh"\n[[learners]]\n{entry}\n'
                            '[[learners]]\nname = "zoe"\ncluster_name = "zoe"\n')
    _, learners = load_labs(read_roster(path), "registry")
    first, bad, last = learners
    assert first.problem == last.problem == ""
    assert words.format(tmp=tmp_path) in bad.problem and "\n" not in bad.problem, bad.problem


def test_two_learners_on_one_embedded_cluster_is_the_second_ones_problem(tmp_path: Path) -> None:
    path = roster(tmp_path, '[[learners]]\nname = "ann"\n[[learners]]\nname = "ben"\ncluster = "embedded"\n')
    ann, ben = read_roster(path).learners
    assert ann.problem == ""
    assert ben.problem == ("The learner ben would share the embedded cluster of ann (the default cluster): give each "
                           "learner a cluster_name of their own.")


@pytest.mark.parametrize(("text", "words"), [
    (None, "The roster {path} cannot be read (No such file or directory)."),
    ("[[learners]\n", "The roster {path} is not valid TOML"),
    ('lab = "registry"\n', "The roster {path} lists no learner."),
    ("learners = 3\n", "must have lab = \"NAME\" and [[learners]] tables"),
])
def test_a_roster_file_that_cannot_be_used_is_one_sentence(tmp_path: Path, text: str | None, words: str) -> None:
    path = tmp_path / "class.toml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(DcalabError) as raised:
        read_roster(path)
    assert words.format(path=path) in str(raised.value)


INVENTORY = """\
# the class's VMs, as the trainer's playbooks know them
[all:vars]
ansible_user=debian

[alice]
alice-master   ansible_host=203.0.113.10 ansible_ssh_private_key_file=keys/alice
alice-worker1  ansible_host=203.0.113.11 ansible_ssh_private_key_file=keys/alice
alice-worker2  ansible_host=203.0.113.12 ansible_ssh_private_key_file=keys/alice
alice-registry ansible_host=203.0.113.13 ansible_ssh_private_key_file=keys/alice ansible_port=2222

[bob]
bob_master ansible_host=203.0.113.20
bob_worker1 ansible_host=203.0.113.21
bob_registry ansible_host=203.0.113.23

[bob:vars]
ansible_user=ubuntu

[class:children]
alice
bob
"""


def test_an_ansible_inventory_is_one_ssh_config_per_learner_in_their_state(tmp_path: Path) -> None:
    path = tmp_path / "class.ini"
    path.write_text(INVENTORY)
    alice, bob = read_roster(path).learners
    assert alice.ssh_config == tmp_path / "state" / "class" / "alice" / "ssh_config" and alice.problem == ""
    config = alice.ssh_config.read_text()
    assert config.startswith(f"Host master\n  HostName 203.0.113.10\n  User debian\n  IdentityFile {tmp_path}/keys/"
                             "alice\n  StrictHostKeyChecking accept-new\nHost worker1\n")
    assert oct(alice.ssh_config.stat().st_mode & 0o777) == "0o600"
    assert ssh_lines(alice.ssh_config) == {
        "master": f"ssh -i {tmp_path}/keys/alice debian@203.0.113.10",
        "worker1": f"ssh -i {tmp_path}/keys/alice debian@203.0.113.11",
        "worker2": f"ssh -i {tmp_path}/keys/alice debian@203.0.113.12",
        "registry": f"ssh -i {tmp_path}/keys/alice -p 2222 debian@203.0.113.13"}
    assert bob.problem == ("The inventory group bob has no host for worker2: add one line per lab node with its "
                           "ansible_host.")


def test_an_inventory_host_that_names_no_node_is_that_learners_row(tmp_path: Path) -> None:
    path = tmp_path / "class.ini"
    path.write_text(INVENTORY.replace("alice-worker2", "alice-db"))
    alice, _ = read_roster(path).learners
    assert alice.problem.startswith("The inventory group alice has the host alice-db, which names no lab node")


# -- the grade ------------------------------------------------------------------------------------------------------
STATES = {"ann": ("start", {}), "ben": ("mistakes", {}), "cy": ("solved", {}), "dot": ("solved", {"worker2": AWAY})}


def replayed(monkeypatch: pytest.MonkeyPatch, states: dict = STATES) -> None:
    """Each learner's cluster answers as a recorded state; a learner not in `states` cannot be reached."""
    def cluster(learner: Learner, read_only: bool, timeout: float | None = None) -> ReplayCluster:
        if learner.name not in states:
            raise DcalabError(f"ssh: connect to host {learner.name}.example port 22: Connection refused.")
        state, nodes = states[learner.name]
        return ReplayCluster(mix(REGISTRY_LAB, state, **nodes))

    monkeypatch.setattr(classroom, "learner_cluster", cluster)


def class_of(*names: str, problem: str = "") -> list[Seat]:
    learners = [Learner(name, SSH, ssh_config=Path(f"{name}.ssh")) for name in names]
    if problem:
        learners.append(Learner("zed", SSH, problem=problem))
    return seats(learners, {"registry": REGISTRY_LAB}, "registry")


def single(state: str, **nodes: str) -> dict[str, tuple[str, int, str]]:
    """The verdicts one learner's own grade gives on a recorded state (as pytest labs/registry does)."""
    results = classroom.LabSession(REGISTRY_LAB, ReplayCluster(mix(REGISTRY_LAB, state, **nodes))).run_all()
    return {task: (result.status, result.score, result.describe()) for task, result in results.items()}


def test_every_learner_gets_the_verdicts_of_their_own_single_grade(monkeypatch: pytest.MonkeyPatch) -> None:
    replayed(monkeypatch)
    graded = class_of("ann", "ben", "cy", "dot", "eli", problem="The roster lists the learner zed twice.")
    assert grade_seats(graded, {}) is True
    for seat in graded[:4]:
        state, nodes = STATES[seat.learner.name]
        assert {task: (r.status, r.score, r.describe()) for task, r in seat.results.items()} == single(state, **nodes)
    assert {r.status for r in graded[2].results.values()} == {"PASS"}
    assert "ENV-ERROR" in {r.status for r in graded[3].results.values()}  # worker2 away: that learner only
    unreachable = graded[4].results
    assert {r.status for r in unreachable.values()} == {"ENV-ERROR"}
    assert unreachable["swarm-join"].reason == ("The harness cannot reach the cluster of eli: ssh: connect to host "
                                                "eli.example port 22: Connection refused.")
    assert graded[5].results == {}  # a roster problem: not graded at all
    assert grade_seats(graded, {}) is False  # graded again, nothing changed


def test_the_table_csv_and_page_show_each_learners_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    replayed(monkeypatch)
    graded = class_of("ann", "cy", "eli", problem="The roster lists the learner zed twice.")
    grade_seats(graded, {})
    from _pytest._io.terminalwriter import TerminalWriter

    out = io.StringIO()
    write_grid(TerminalWriter(out), graded)
    table = out.getvalue()
    assert table.startswith("Lab registry: A private registry for the swarm (30 points, pass mark 70 %)\n")
    rows = {line.split()[0]: line for line in table.splitlines()[2:5]}
    assert rows["ann"].split()[1:9] == ["F", "0/4", "F", "0/5", "F", "0/5", "B", "0/4"]
    assert rows["cy"].split()[-3:] == ["30/30", "100%", "PASSED"]
    assert "0/30 0% not yet  The harness cannot reach the cluster of eli: ssh: connect" in rows["eli"]
    assert "Not graded:\n  zed  The roster lists the learner zed twice.\n" in table
    assert "1 swarm-join; 2 daemon-json;" in table

    lines = list(csv.DictReader(io.StringIO(class_csv(graded))))
    assert [(line["learner"], line["score"], line["passed"]) for line in lines] == [
        ("ann", "0", "no"), ("cy", "30", "yes"), ("eli", "0", "no"), ("zed", "", "")]
    assert (lines[1]["daemon-json"], lines[1]["daemon-json verdict"]) == ("5", "PASS")
    assert lines[3]["note"] == "The roster lists the learner zed twice."

    page = class_html(graded, FULL)
    ann = re.search(r'<tr id="learner-ann">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="([A-Z-]+)" title="([^"]*)">([^<]*)</td>', ann)
    assert [cell[0] for cell in cells] == [verdict for verdict, _, _ in single("start").values()]
    assert {cell[0] for cell in cells} == {"FAIL", "BLOCKED"}
    assert "found" in cells[1][1] and "hint:" in cells[1][1]  # what its checks found, and the hint, on hover
    assert "pass mark 70 %" in page and "http-equiv" not in page
    watched = class_html(graded, refresh=4.2, watching=True)
    assert 'http-equiv="refresh" content="5"' in watched
    assert re.search(r'<tr id="learner-ann">.*?<td class="note">on swarm-join for \d+s</td>', watched, re.S)
    assert re.search(r'<tr id="learner-eli">.*?<td class="note">The harness cannot reach the cluster of eli', watched,
                     re.S)  # not seen stuck: not seen at all


def test_a_learners_text_is_escaped_in_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = class_of("ann", problem="<script>alert(1)</script>")
    page = class_html(hostile)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_class_grade_writes_every_report_and_keeps_the_old_history_rows(tmp_path: Path, monkeypatch,
                                                                        capsys) -> None:
    replayed(monkeypatch)
    (tmp_path / "ann.ssh").write_text(SSH_CONFIG)
    (tmp_path / "cy.ssh").write_text(SSH_CONFIG)
    path = tmp_path / "class.toml"
    path.write_text('[[learners]]\nname = "ann"\nssh_config = "ann.ssh"\n[[learners]]\nname = "cy"\n'
                    'ssh_config = "cy.ssh"\n[[learners]]\nname = "ann"\nssh_config = "cy.ssh"\n'
                    '[[learners]]\nname = "eli"\nssh_config = "ann.ssh"\n')
    kept = tmp_path / "class-history.sqlite3"
    shutil.copy(BEFORE_VERSIONS, kept)  # a history from before the learner column: its rows stay
    before = history.runs(path=kept)
    out = tmp_path / "out"
    code = main(["class", "grade", "registry", "--roster", str(path), "--out", str(out),
                 "--csv", str(tmp_path / "c.csv"), "--html", str(tmp_path / "c.html"), "--history", str(kept)])
    said = capsys.readouterr().out
    assert code == 1 and "Not graded: ann, eli (the reason is in their row)." in said  # the second ann; eli unreachable
    assert "lists the learner ann twice" in said
    assert sorted(file.name for file in out.iterdir()) == ["ann.json", "ann.xml", "cy.json", "cy.xml", "eli.json",
                                                           "eli.xml"]
    for name in ("ann", "cy"):
        report = json.loads((out / f"{name}.json").read_text())
        assert_gradescope_shape(report)
        assert {test["task"]: test["verdict"] for test in report["tests"]} == {
            task: verdict for task, (verdict, _, _) in single("start" if name == "ann" else "solved").items()}
    suite = ElementTree.parse(out / "ann.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("8", "8")
    assert suite.find("testcase").get("name") == "test_swarm_join"
    runs = history.runs(path=kept)
    assert runs[:len(before)] == before and {run.learner for run in before} == {None}
    assert [(run.learner, run.score, run.backend) for run in runs[len(before):]] == [
        ("ann", 0, "ssh"), ("cy", 30, "ssh"), ("eli", 0, "ssh")]
    assert (tmp_path / "c.csv").read_text().startswith("learner,lab,swarm-join,swarm-join verdict,")
    capsys.readouterr()
    monkeypatch.setenv("DCALAB_HISTORY", str(kept))
    assert main(["history", "--lab", "registry"]) == 0
    assert re.search(r"(?m)^ .* registry grade +ssh +30/30  learner cy$", capsys.readouterr().out)


def test_junit_xml_is_a_testcase_per_task_with_its_failure() -> None:
    results = classroom.LabSession(REGISTRY_LAB, ReplayCluster(mix(REGISTRY_LAB, "mistakes"))).run_all()
    suite = ElementTree.fromstring(junit_xml(REGISTRY_LAB, results, FULL, 1.5)).find("testsuite")
    cases = suite.findall("testcase")
    graders = REGISTRY_LAB.graders
    assert [(case.get("classname"), case.get("name")) for case in cases] == [
        (f"labs.registry.{graders[task.id].__module__.rpartition('.')[2]}", graders[task.id].__name__)
        for task in REGISTRY_LAB.tasks]
    assert cases[0].get("name") == "test_swarm_join"
    failed = [case for case in cases if case.find("failure") is not None]
    assert len(failed) == int(suite.get("failures")) == sum(r.status != "PASS" for r in results.values())
    assert failed[0].find("failure").text.startswith(failed[0].find("failure").get("message").removeprefix("Failed: "))


def test_the_watch_shows_who_is_stuck_on_which_task_and_saves_each_learners_row(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    clusters = {"ann": ScriptedCluster(("start", {}), ("start", {}), ("solved", {}), ("solved", {})),
                "cy": ScriptedCluster(*[("solved", {})] * 4)}
    monkeypatch.setattr(classroom, "learner_cluster", lambda learner, read_only, timeout=None: clusters[learner.name])
    out = io.StringIO()
    view = ClassWatch(class_of("ann", "cy"), {}, out, tmp_path / "watch.html", interval=0)
    assert keep_watching(view, until_pass=True, interval=0, history=tmp_path / "h.sqlite3") == 0
    frames = re.split(r"(?m)^(?=Watching the class)", out.getvalue())[1:]
    assert len(frames) == 2  # printed when something changed: the first grade, then ann's solve
    assert re.search(r"(?m)^ann .* 0/30 0% not yet  on swarm-join for \d+s$", frames[0])
    assert re.search(r"(?m)^cy .* 30/30 100% PASSED  every task passes$", frames[0])
    assert re.search(r"(?m)^ann .* every task passes$", frames[1])
    assert "2 learners' last grades are saved in the class history." in out.getvalue()
    assert [(run.learner, run.mode, run.best) for run in history.runs(path=tmp_path / "h.sqlite3")] == [
        ("ann", "watch", 30), ("cy", "watch", 30)]
    assert 'http-equiv="refresh"' in (tmp_path / "watch.html").read_text()


# -- the parallel loop: start, stop, reset ----------------------------------------------------------------------------
def test_each_learner_names_the_one_whose_work_failed_and_the_others_go_on() -> None:
    heard = []

    def work(learner: Learner) -> str:
        if learner.name == "ben":
            raise DcalabError("A start step of the lab registry failed on master.", "Look on the node.")
        if learner.name == "cy":
            raise KeyError("nodes")
        return f"{learner.name} started"

    learners = [Learner(name) for name in ("ann", "ben", "cy", "dot")] + [Learner("eve", problem="Listed twice.")]
    done = each_learner(work, learners, 2, heard.append)
    assert [(d.learner.name, d.value, d.problem) for d in done] == [
        ("ann", "ann started", ""),
        ("ben", None, "A start step of the lab registry failed on master. Look on the node."),
        ("cy", None, "dcalab hit an unexpected error (KeyError: 'nodes'): a defect of dcalab, not the learner's doing; "
                     "report it."),
        ("dot", "dot started", ""), ("eve", None, "Listed twice.")]
    assert sorted(d.learner.name for d in heard) == ["ann", "ben", "cy", "dot", "eve"]


def test_class_start_says_what_embedded_nodes_share_and_names_the_learner_whose_start_failed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    started = []

    def start_lab(cluster: str, lab, force: bool, go_on=None) -> Started | None:
        if cluster == "ben":
            raise DcalabError("The ssh cluster cannot reach master.", "Check that it runs.")
        if cluster == "dot" and go_on is not None and not go_on("orchestration"):  # dot's work since a start
            return None
        started.append((cluster, lab.id, force))
        return Started(lab.id, 1.0, cluster == "ann", {"worker1": ["container old"]} if cluster == "cy" else {})

    monkeypatch.setattr(class_cli, "start_lab", start_lab)
    monkeypatch.setattr(class_cli, "learner_cluster", lambda learner, read_only: learner.name)
    opened = []
    monkeypatch.setattr(class_cli, "open_access", lambda cluster, bind: opened.append((cluster, bind)) or Access(
        bind, {"master": 22001, "worker1": 22002}))
    path = roster(tmp_path, '[[learners]]\nname = "ann"\n[[learners]]\nname = "ben"\nssh_config = "alice.ssh"\n'
                            '[[learners]]\nname = "cy"\nssh_config = "alice.ssh"\n'
                            '[[learners]]\nname = "dot"\nssh_config = "alice.ssh"\n')
    assert main(["class", "start", "registry", "--roster", str(path), "--parallel", "3", "--bind", "192.0.2.1"]) == 1
    printed = capsys.readouterr()
    said = printed.err  # the progress lines, beside those of each learner's start
    assert printed.out.startswith(class_cli.ISOLATION) and "privileged containers" in printed.out
    assert "ben: starting ...\n" in said
    assert "ben: FAILED, The ssh cluster cannot reach master. Check that it runs." in said
    assert re.search(r"ann: the lab registry is ready, on nodes made anew; SSH from other machines on ports 22001, "
                     r"22002 \(\d+\.\d s\)", said)
    assert opened == [("ann", "192.0.2.1")]  # the embedded learner's ports alone, on the address asked
    assert "cy: the lab registry is ready, on the nodes as they were; left from other labs (kept; --force removes " \
           "them): worker1: container old" in said
    assert (f"dot: FAILED, The nodes of dot hold their work on the lab orchestration since its start: nothing is "
            f"changed. Start them anew, removing it: dcalab class reset dot --roster {path} (or class start --force "
            "for everyone).") in said
    assert printed.out.rstrip().endswith(f"Done for 2 of 4 learners; failed: ben, dot.\nThe ssh lines to hand out, per "
                                         f"learner and node: dcalab class access --roster {path}")
    assert sorted(started) == [("ann", "registry", False), ("cy", "registry", False)]
    assert main(["class", "reset", "dot", "--roster", str(path), "--lab", "registry"]) == 0
    assert started[-1] == ("dot", "registry", True) and len(started) == 3  # dot alone, from a clean start
    with pytest.raises(DcalabError, match="has no learner called 'zoe'"):
        class_cli.reset_command(class_cli_args(path, "zoe"))


def class_cli_args(path: Path, *learners: str):
    from dcalab.cli import build_parser

    return build_parser().parse_args(["class", "reset", *learners, "--roster", str(path), "--lab", "registry"])


def test_access_hands_out_each_ssh_line_and_the_shell_of_each_embedded_cluster(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    path = roster(tmp_path, '[[learners]]\nname = "alice"\nssh_config = "alice.ssh"\n[[learners]]\nname = "bob"\n'
                            '[[learners]]\nname = "carol"\ncluster_name = "carol"\n')
    ports = {"master": 22005, "worker1": 22006, "worker2": 22007, "registry": 22008}
    monkeypatch.setattr(class_cli, "forwarded", lambda cluster: None if cluster.cluster_name else Access(
        "0.0.0.0", ports))  # bob's ports are open, carol's not yet
    assert main(["class", "access", "--roster", str(path), "--address", "lab.example.org"]) == 0
    said = capsys.readouterr().out
    assert f"alice (or: ssh -F {tmp_path}/alice.ssh NODE):\n  master   ssh trainer@192.0.2.10\n" in said
    key = ensure_lab_ssh_key()  # the default cluster's: the lab key
    assert (f"bob: on this server, dcalab shell NODE (e.g. dcalab shell master); from another machine, with the key "
            f"{key} (hand it over; ssh wants it readable by its owner alone: chmod 600):\n"
            f"  master   ssh -i {key} -p 22005 root@lab.example.org\n"
            f"  worker1  ssh -i {key} -p 22006 root@lab.example.org\n") in said
    assert f"  registry ssh -i {key} -p 22008 root@lab.example.org\n" in said
    assert ("carol: on this server, dcalab shell NODE --cluster-name carol (e.g. dcalab shell master --cluster-name "
            f"carol); from another machine not open yet: dcalab class access --open --roster {path}\n") in said


def test_ports_are_given_from_22001_skipping_those_taken_and_the_address_handed_out_is_the_bound_one() -> None:
    taken = {22001, 22003}
    assert allocate_ports(["master", "worker1", "worker2"], taken, "0.0.0.0", local_engine=False) == {
        "master": 22002, "worker1": 22004, "worker2": 22005}
    assert server_address("192.0.2.7") == "192.0.2.7"
    assert server_address("0.0.0.0") == socket.gethostname()


def test_an_address_the_ports_cannot_listen_on_is_one_sentence_naming_it(tmp_path: Path, capsys) -> None:
    path = roster(tmp_path, '[[learners]]\nname = "bob"\n')
    assert main(["class", "start", "--bind", "lab.example.org", "--roster", str(path)]) != 0
    shown = capsys.readouterr().err
    assert "--bind lab.example.org is not an IP address" in shown and "ip -brief address lists them" in shown
    assert "Traceback" not in shown
    with pytest.raises(DcalabError, match=re.escape("SSH ports cannot listen on 203.0.113.9: ")) as raised:
        free_here("203.0.113.9", 22001)  # an address this machine does not have, found before a port is taken
    assert "ip -brief address" in raised.value.fix


def test_the_class_page_in_headless_chromium(chromium: str, tmp_path: Path,  # noqa: F811 (the fixture)
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    replayed(monkeypatch)
    graded = class_of("ann", "ben", "cy", "dot", "eli", problem="The roster lists the learner zed twice.")
    grade_seats(graded, {})
    page = tmp_path / "class.html"
    page.write_text(class_html(graded))
    dom = headless(chromium, "--dump-dom", page.as_uri())
    assert "pass mark 70 %" in dom and "30/30 100% PASSED" in dom and "Not graded" in dom
    assert len(re.findall(r'<td class="PASS" title="PASS ', dom)) >= 8
    ARTIFACTS.mkdir(exist_ok=True)
    headless(chromium, f"--screenshot={ARTIFACTS / 'class-grade.png'}", "--window-size=1300,800", page.as_uri())
    assert (ARTIFACTS / "class-grade.png").stat().st_size > 10_000
