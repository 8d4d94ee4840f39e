"""DCALAB_NODE_SUITE: the Debian release the node image is built on (bookworm unless trixie is chosen), no engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcalab import images
from dcalab.errors import DcalabError
from dcalab.settings import node_suite


@pytest.mark.parametrize(("suite", "tag", "base"), [
    (None, "dcalab/node:latest", "dcalab/debian:bookworm"),
    ("bookworm", "dcalab/node:latest", "dcalab/debian:bookworm"),
    ("trixie", "dcalab/node:trixie", "dcalab/debian:trixie"),
])
def test_the_node_image_is_built_on_the_chosen_release_under_its_own_tag(monkeypatch, tmp_path: Path,
                                                                         suite: str | None, tag: str,
                                                                         base: str) -> None:
    if suite:
        monkeypatch.setenv("DCALAB_NODE_SUITE", suite)
    else:
        monkeypatch.delenv("DCALAB_NODE_SUITE", raising=False)
    bootstrapped, built = [], []
    monkeypatch.setattr(images, "ensure_debian", lambda client, suite: bootstrapped.append(suite))
    monkeypatch.setattr(images, "build", lambda client, tag, dockerfile, files=None: built.append((tag, dockerfile,
                                                                                                 files)))
    for name in ("ca.crt", "key.pub"):
        (tmp_path / name).write_text(name)
    images.ensure_node_image(None, tmp_path / "ca.crt", tmp_path / "key.pub")
    (system_tag, system, no_files), (built_tag, lab, files) = built
    assert bootstrapped == [suite or "bookworm"]
    assert system_tag == f"dcalab/node-base:{suite or 'bookworm'}" and f"FROM {base}\n" in system and not no_files
    assert built_tag == images.node_tag() == tag
    # the machine's lab is files on the node system, nothing that needs a network
    assert f"FROM {system_tag}\n" in lab and "RUN apt-get" not in lab and set(files) == {"lab-ca.crt", "lab-ssh.pub"}
    # trixie's docker.io has no client: it is docker-cli there, a package bookworm does not have
    assert ("docker-cli" in system) == (suite == "trixie")


def test_an_unknown_node_suite_is_refused_with_the_choices(monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_NODE_SUITE", "sid")
    with pytest.raises(DcalabError, match="DCALAB_NODE_SUITE='sid' is not a Debian release") as raised:
        node_suite()
    assert raised.value.fix == "Use one of: bookworm, trixie."
