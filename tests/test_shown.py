"""What reaches the learner: no swarm credential, whichever way a message travels."""

from __future__ import annotations

import subprocess

import pytest

from dcalab import cli
from dcalab.errors import DcalabError, SolveError

TOKEN = "SWMTKN-1-5uadpu9vr0rcq1hbjtzv7exb34vyreuc9l4gkgggg0y1x0c471-75b4qqhg4ez89w5h49x0dwdz3"
KEY = "SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8"


def test_an_error_hides_credentials_in_every_part() -> None:
    error = SolveError(f"`docker swarm join --token {TOKEN} 10.10.10.100:2377` failed: no route",
                       f"Unlock it: docker swarm unlock (key {KEY})")
    for text in (str(error), error.message, error.fix, *error.args):
        assert TOKEN not in text and KEY not in text
    assert "SWMTKN-(hidden)" in error.message
    assert error.fix == "Unlock it: docker swarm unlock (key SWMKEY-(hidden))"


def test_the_clis_stderr_hides_an_unlock_key(monkeypatch, capsys) -> None:
    def locked(name: str) -> None:
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
