"""lab.toml is validated when it is loaded: each mistake is one sentence naming the file, the task and the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dcalab.errors import DcalabError, LabFileError
from dcalab.lab import ReportRegistry, lab_names, load_lab
from dcalab.start import apply_start

GOOD = """
id = "toy"
title = "A toy lab"
pass_mark = 50
[start]
managers = ["master"]
workers = ["worker1"]
[[tasks]]
id = "one"
title = "One"
nodes = ["master"]
domain = "Orchestration"
objectives = ["1.1"]
goal = "g"
instructions = "i"
  [[tasks.checks]]
  id = "a"
  points = 1
  hint = "h"
[[tasks]]
id = "two"
title = "Two"
nodes = ["worker1"]
reads = ["master"]
domain = "Networking"
objectives = ["4.4", "4.5"]
goal = "g"
instructions = "i"
depends = ["one"]
  [[tasks.checks]]
  id = "b"
  points = 2
  hint = "h"
"""
MODULES = {"test_01_one.py": 'TASK = "one"\ndef test_one(task):\n    pass\n',
           "test_02_two.py": 'TASK = "two"\ndef test_two(task):\n    pass\n'}


def write_lab(root: Path, text: str, folder: str = "toy", modules: dict[str, str] = MODULES) -> Path:
    lab = root / folder
    lab.mkdir()
    (lab / "lab.toml").write_text(text)
    for name, source in modules.items():
        (lab / name).write_text(source)
    return lab


REPORT = '[report]\nregistry = "registry.docker-dca.example:5000"\nfrom = "master"\n[start]'


def test_a_good_lab_loads_with_its_start_reads_and_graders(tmp_path: Path) -> None:
    lab = load_lab(write_lab(tmp_path, GOOD))
    assert lab.start.managers == ("master",) and lab.start.outside == ("worker2", "registry")
    assert lab.task("two").read_nodes == ("worker1", "master")
    assert list(lab.graders) == ["one", "two"]
    assert lab.report is None  # no [report]: the HTML report reads no registry


def test_a_report_names_the_registry_it_browses_and_where_its_credentials_are(tmp_path: Path) -> None:
    secure = REPORT.replace('from = "master"', 'from = "worker1"\nscheme = "https"\nca = "/etc/docker/certs.d/r/ca.crt"'
                            '\nauth_file = "/root/registry-auth"')
    assert load_lab(write_lab(tmp_path, GOOD.replace("[start]", secure))).report == ReportRegistry(
        "registry.docker-dca.example:5000", "worker1", "https", "/etc/docker/certs.d/r/ca.crt", "/root/registry-auth")
    plain = GOOD.replace("[start]", REPORT).replace('id = "toy"', 'id = "plain"')
    assert load_lab(write_lab(tmp_path, plain, "plain")).report == ReportRegistry(
        "registry.docker-dca.example:5000", "master")


@pytest.mark.parametrize(("change", "said", "fix"), [
    (('title = "One"\n', ''), "task 1 (one): has no title", "Add title"),
    (('id = "one"\n', 'id = "one"\ndepend = ["x"]\n'), "has an unknown key 'depend'", "correct its spelling"),
    (('id = "two"', 'id = "one"'), "the task id 'one' is used twice", "its own id"),
    (('  id = "b"', '  id = "b"\n  points = 1\n  hint = "h"\n  [[tasks.checks]]\n  id = "b"'),
     "the check id 'b' is used twice", "its own id"),
    (("points = 2", "points = 0"), "check b has 0 points", "1 point or more"),
    (('depends = ["one"]', 'depends = ["three"]'), "depends on 'three', which is not an earlier task", "before it"),
    (('nodes = ["worker1"]', 'nodes = ["worker3"]'), "nodes names 'worker3', which is not a lab node",
     "master, worker1, worker2, registry"),
    (('reads = ["master"]', 'reads = ["mastr"]'), "reads names 'mastr'", "Use the nodes"),
    (('domain = "Networking"', 'domain = "Networks"'), "domain 'Networks' is not a DCA domain", "Storage and Volumes"),
    (('pass_mark = 50', 'pass_mark = 150'), "pass_mark is 150", "1 to 100"),
    (('pass_mark = 50', 'pass_mark = "50"'), "pass_mark must be a int", "Write pass_mark"),
    (('id = "toy"', 'id = "other"'), "id is 'other' but the folder is 'toy'", 'id = "toy"'),
    (('workers = ["worker1"]', 'workers = ["master"]'), "master is both a manager and a worker", "once"),
    (('managers = ["master"]\n', ''), "has workers but no manager", "managers"),
    (('[start]', '[start]\nafter_lab = "nope"'), "after_lab names 'nope', which is not a lab", "The labs are"),
    (('[start]', '[start]\nafter_lab = "toy"'), "after_lab names the lab itself", "another lab"),
    (('[start]', '[[start.steps]]\nnode = "wroker1"\nrun = "true"\n[start]'), "node names 'wroker1'", "Use the nodes"),
    (('title = "One"', 'title = "One'), "is not valid TOML", "Correct the line"),
    (('goal = "g"\n', ''), "task 1 (one): has no goal", "Add goal"),
    (('objectives = ["1.1"]\n', ''), "task 1 (one): has no objectives", "Add objectives"),
    (('objectives = ["1.1"]', 'objective = "Set up a swarm"'),
     "task 1 (one): objective 'Set up a swarm' is free text; a task names the study guide's objective ids",
     'objectives = ["3.3"]'),
    (('objectives = ["1.1"]', 'objectives = []'), "task 1 (one): names no objective", 'objectives = ["3.3"]'),
    (('objectives = ["1.1"]', 'objectives = "1.1"'), "objectives must be a list", "Write objectives as a list"),
    (('objectives = ["1.1"]', 'objectives = ["1.1", "1.19"]'),
     "task 1 (one): objectives names '1.19', which is not an objective of the DCA study guide", "objectives.toml"),
    (('objectives = ["1.1"]', 'objectives = [1.1]'), "objectives names 1.1, which is not an objective", "as text"),
    (('objectives = ["4.4", "4.5"]', 'objectives = ["4.5", "4.13"]'),
     "task 2 (two): objective 4.13 (Describe how to route traffic to Kubernetes pods using ClusterIP and NodePort "
     "services.) cannot be practised on the lab nodes: it is knowledge_only", "only the question bank covers 4.13"),
    (('objectives = ["1.1"]', 'objectives = ["1.1", "1.1"]'), "objectives names 1.1 twice", "once"),
    (('goal = "g"', 'goal = "web runs: docker service create --name web nginx"'),
     "task 1 (one): its goal contains a command line ('docker service')", "instructions"),
    (('goal = "g"', 'goal = """The registry answers:\nmaster$ curl registry:5000"""'),
     "its goal contains a command line ('master$')", "solution"),
    (('title = "One"', 'title = "Run docker swarm init"'), "its title contains a command line ('docker swarm')",
     "instructions"),
    (('hint = "h"', 'hint = "Publish it with -p 8080:80."'), "the hint of check a contains a command line ('-p')",
     "hint_full"),
    (("[start]", REPORT.replace('from = "master"\n', '')), "[report]: has no from", "Add from"),
    (("[start]", REPORT.replace('from = "master"', 'from = "hub"')), "from names 'hub'", "Use the nodes"),
    (("[start]", REPORT.replace('"registry.docker-dca.example:5000"', '"http://registry:5000/v2"')),
     "registry 'http://registry:5000/v2' is not a registry address", "host:port"),
    (("[start]", REPORT.replace("[start]", 'scheme = "ftp"\n[start]')), "scheme is 'ftp'", 'scheme = "https"'),
    (("[start]", REPORT.replace("[start]", 'auth_file = "htpasswd"\n[start]')),
     "auth_file is 'htpasswd', not an absolute path", "full path"),
    (("[start]", REPORT.replace("[start]", 'ca = "/ca.crt"\n[start]')), "names a ca but the scheme is http",
     'scheme = "https"'),
    (("[start]", REPORT.replace("[start]", 'password = "x"\n[start]')), "has an unknown key 'password'",
     "registry, from, scheme, ca, auth_file"),
])
def test_each_mistake_is_one_sentence_with_the_fix(tmp_path: Path, change: tuple[str, str], said: str,
                                                   fix: str) -> None:
    assert change[0] in GOOD
    folder = write_lab(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(LabFileError) as raised:
        load_lab(folder)
    assert said in raised.value.message and str(folder / "lab.toml") in raised.value.message
    assert fix in raised.value.fix or fix in raised.value.message


@pytest.mark.parametrize(("modules", "said"), [
    ({"test_01_one.py": MODULES["test_01_one.py"]}, r"has no test module for the task\(s\) two"),
    ({**MODULES, "test_03.py": 'TASK = "three"\ndef test_x(task):\n    pass\n'}, "must set TASK to a task"),
])
def test_every_task_has_exactly_one_grader(tmp_path: Path, modules: dict[str, str], said: str) -> None:
    with pytest.raises(LabFileError, match=said):
        load_lab(write_lab(tmp_path, GOOD, modules=modules)).graders  # noqa: B018


def test_every_lab_in_the_project_is_valid() -> None:
    for name in lab_names():
        lab = load_lab(Path("labs") / name)
        assert set(lab.graders) == {task.id for task in lab.tasks}
        assert all(task.solution for task in lab.tasks), f"{name}: every task shows its solution"


def dcalab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dcalab", *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_an_unknown_lab_lists_the_labs() -> None:
    done = dcalab("lab", "start", "nope")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "There is no lab called 'nope'." in done.stderr
    assert f"The labs are: {', '.join(lab_names())}." in done.stderr


def test_a_broken_lab_file_is_one_sentence_in_pytest_and_the_cli(tmp_path: Path) -> None:
    write_lab(tmp_path, GOOD.replace("points = 2", "points = -1"))
    graded = subprocess.run([sys.executable, "-m", "pytest", "toy", "-p", "no:cacheprovider"], capture_output=True,
                            text=True, cwd=tmp_path, timeout=60)
    assert graded.returncode != 0 and "Traceback" not in graded.stdout + graded.stderr
    assert "check b has -1 points" in graded.stderr
    shown = subprocess.run([sys.executable, "-m", "dcalab", "lab", "show", "toy"], capture_output=True, text=True,
                           cwd=tmp_path, timeout=60, env={"DCALAB_LABS": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert shown.returncode == 1 and "check b has -1 points" in shown.stderr and "Traceback" not in shown.stderr


def test_an_unknown_objective_is_one_sentence_in_the_cli(tmp_path: Path) -> None:
    write_lab(tmp_path, GOOD.replace('objectives = ["1.1"]', 'objectives = ["3.12"]'))
    shown = subprocess.run([sys.executable, "-m", "dcalab", "lab", "show", "toy"], capture_output=True, text=True,
                           cwd=tmp_path, timeout=60, env={"DCALAB_LABS": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert "objectives names '3.12', which is not an objective of the DCA study guide." in shown.stderr


def test_lab_list_and_show_solution(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))  # they read it: never the learner's own
    listed = dcalab("lab", "list")
    assert listed.returncode == 0 and "registry" in listed.stdout and "30 points" in listed.stdout
    shown = dcalab("lab", "show", "registry", "--solution")
    assert "docker swarm join --token <the token printed on master> 10.10.10.100:2377" in shown.stdout
    assert "Solution (what --lab-mode=solve does)" in shown.stdout
    assert "Solution" not in dcalab("lab", "show", "registry").stdout


def test_labs_that_start_after_each_other_are_refused_before_any_node_is_touched(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_LABS", str(tmp_path))
    for name, after in (("a", "b"), ("b", "a")):
        text = GOOD.replace('id = "toy"', f'id = "{name}"').replace("[start]", f'[start]\nafter_lab = "{after}"')
        write_lab(tmp_path, text, folder=name)
    with pytest.raises(DcalabError, match="The labs a -> b -> a each start where the next ends: a loop"):
        apply_start(None, load_lab(tmp_path / "a"))  # no cluster: the loop is found first
