"""What reaches the learner: no swarm credential and no terminal control, whichever way a message travels."""

from __future__ import annotations

import subprocess

import pytest

from checks import verdict
from dcalab import cli
from dcalab.backends import NodeStatus
from dcalab.errors import DcalabError, SolveError
from dcalab.grading import ENV_ERROR, TaskResult, grade_task
from dcalab.lab import load_lab
from dcalab.report import print_summary, results_json
from tests.labrun import LAB

TOKEN = "SWMTKN-1-5uadpu9vr0rcq1hbjtzv7exb34vyreuc9l4gkgggg0y1x0c471-75b4qqhg4ez89w5h49x0dwdz3"
KEY = "SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8"
REPAINT = "\x1b[2J\x1b[Hall done\r\x9b31m"  # clears the screen, homes the cursor, overwrites the line
REPAINT_SHOWN = "\\x1b[2J\\x1b[Hall done\\x0d\\x9b31m"


def test_an_error_hides_credentials_and_shows_controls_in_every_part() -> None:
    error = SolveError(f"`docker swarm join --token {TOKEN} 10.10.10.100:2377` failed: {REPAINT}",
                       f"Unlock it: docker swarm unlock (key {KEY})")
    for text in (str(error), error.message, error.fix, *error.args):
        assert TOKEN not in text and KEY not in text and "\x1b" not in text and "\r" not in text
    assert error.message.endswith(f"failed: {REPAINT_SHOWN}") and "SWMTKN-(hidden)" in error.message
    assert error.fix == "Unlock it: docker swarm unlock (key SWMKEY-(hidden))"
    assert DcalabError("two lines\n\tand a tab").message == "two lines\n\tand a tab"


def test_the_clis_stderr_hides_an_unlock_key(monkeypatch, capsys) -> None:
    def locked(name: str, **options) -> None:
        raise DcalabError(f"The manager is locked; `docker swarm unlock` takes {KEY}.", f"Or run: echo {KEY}")

    monkeypatch.setattr(cli, "get_cluster", locked)
    assert cli.main(["cluster", "status"]) == 1
    said = capsys.readouterr().err
    assert KEY not in said and said.count("SWMKEY-(hidden)") == 2


def test_vagrants_failure_lines_hide_a_join_token(monkeypatch, tmp_path) -> None:
    from dcalab.backends import vagrant as backend

    class FailingVagrant:
        def __init__(self, out_cm, **options) -> None:
            self.out_cm = out_cm

        def status(self) -> None:
            with self.out_cm() as log:
                log.write(f"The SSH command responded: docker swarm join --token {TOKEN} master:2377\n")
            raise subprocess.CalledProcessError(1, "vagrant status")

    monkeypatch.setenv("DCALAB_STATE", str(tmp_path))
    monkeypatch.setattr(backend.vagrant, "get_vagrant_executable", lambda: "vagrant")
    monkeypatch.setattr(backend.vagrant, "Vagrant", FailingVagrant)
    with pytest.raises(DcalabError, match="vagrant status` failed") as raised:
        backend.VagrantCluster().states()
    assert TOKEN not in str(raised.value) and "SWMTKN-(hidden)" in str(raised.value)


class Terminal:
    """pytest's terminal reporter as print_summary uses it: what it was given to write."""

    def __init__(self) -> None:
        self.text = ""

    def section(self, title: str, sep: str) -> None:
        self.text += title + "\n"

    def write(self, text: str, **markup: bool) -> None:
        self.text += text


def test_a_crafted_name_read_off_a_node_cannot_repaint_the_table_or_the_reports() -> None:
    lab = load_lab(LAB)
    daemon = grade_task(lab.task("daemon-json"), {
        "valid-json": {"worker1": verdict(True, "valid", "valid")},
        "lists-registry": {"worker1": verdict(False, f"lists {REPAINT}", f'"insecure-registries" is ["{REPAINT}"]')},
        "daemon-loaded": {"worker1": verdict(False, "loaded", "docker info lists no insecure registry")},
    }, notes=[f"worker1: kept {REPAINT}"])
    broken = TaskResult(lab.task("push-alpine"), ENV_ERROR, reason=f"The harness cannot reach registry ({REPAINT}).")
    results = {"daemon-json": daemon, "push-alpine": broken}
    terminal = Terminal()
    print_summary(terminal, lab, results, "grade")
    shown = [terminal.text, *(test["output"] for test in results_json(lab, results)["tests"])]
    for text in shown:
        assert not any(character in text for character in "\x1b\r\x9b"), text
    assert f'found on worker1: "insecure-registries" is ["{REPAINT_SHOWN}"]' in shown[1]
    assert f"note: worker1: kept {REPAINT_SHOWN}" in shown[1] and f"({REPAINT_SHOWN})" in terminal.text


def test_cluster_status_shows_a_nodes_words_without_their_controls(capsys) -> None:
    cli._print_status([NodeStatus("worker1", "running", [f"docker does not answer: {REPAINT}"], [f"note {REPAINT}"])])
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and f"docker does not answer: {REPAINT_SHOWN}" in printed
