"""Every lab's check-the-checkers sequence on Debian 13 (trixie) nodes, whose engine is docker 26: from the lab's
start every check fails and the grade changes nothing, solve passes every task, a second solve and the grades
change nothing. Opt-in (DCALAB_TEST_TRIXIE=1): it builds the trixie node image and runs every lab once more;
the nodes go back to the default (bookworm, docker 20.10) afterwards."""

from __future__ import annotations

import os

import pytest

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import load_lab
from dcalab.start import start_lab
from tests.labrun import ROOT, assert_checkers_hold
from tests.pristine import start_registry

LABS = sorted(folder.name for folder in (ROOT / "labs").iterdir() if (folder / "lab.toml").exists())
pytestmark = pytest.mark.skipif(os.environ.get("DCALAB_TEST_TRIXIE") != "1",
                                reason="opt-in: DCALAB_TEST_TRIXIE=1 runs every lab on trixie nodes (docker 26)")


@pytest.fixture(scope="module")
def trixie(embedded: EmbeddedCluster) -> EmbeddedCluster:
    """The embedded cluster's nodes made from the trixie image; made from the default image again afterwards."""
    before = os.environ.get("DCALAB_NODE_SUITE")
    os.environ["DCALAB_NODE_SUITE"] = "trixie"
    try:
        yield embedded
    finally:
        if before is None:
            del os.environ["DCALAB_NODE_SUITE"]
        else:
            os.environ["DCALAB_NODE_SUITE"] = before
        start_registry(embedded)


@pytest.mark.parametrize("lab", LABS)
def test_a_lab_holds_its_checkers_on_trixie_nodes(trixie: EmbeddedCluster, lab: str) -> None:
    folder = ROOT / "labs" / lab
    start_lab(trixie, load_lab(folder))
    assert "docker 26" in trixie.host("master").check_output("docker version --format 'docker {{.Server.Version}}'")
    assert_checkers_hold(trixie, folder)
