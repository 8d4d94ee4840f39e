"""The hub serves exactly what dcalab pushed into it, whoever else reached its seeding registry on 127.0.0.1."""

from __future__ import annotations

import io
import tarfile
from types import SimpleNamespace

import pytest

from dcalab import hub
from dcalab.errors import DcalabError

ALPINE = "sha256:" + "a" * 64
NGINX = "sha256:" + "b" * 64


def storage(links: dict[str, str]) -> bytes:
    """A tar of a registry's repositories folder, as get_archive gives it, with a tag link per path."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, text in {**links, "repositories/library/alpine/_layers/sha256/c/link": "sha256:c"}.items():
            info = tarfile.TarInfo(path)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    return buffer.getvalue()


def test_the_tags_in_storage_are_read_from_their_current_links() -> None:
    archive = storage({
        "repositories/library/alpine/_manifests/tags/latest/current/link": ALPINE,
        "repositories/library/alpine/_manifests/tags/latest/index/sha256/x/link": "sha256:old",
        "repositories/library/nginx/_manifests/tags/1.22/current/link": NGINX,
    })
    assert hub.tags_in_storage(archive) == {"library/alpine:latest": ALPINE, "library/nginx:1.22": NGINX}


def test_what_was_pushed_passes() -> None:
    hub.check_seeded({"library/alpine:latest": ALPINE}, {"library/alpine:latest": ALPINE})


@pytest.mark.parametrize("stored", [
    {"library/alpine:latest": NGINX},  # a tag pushed over
    {"library/alpine:latest": ALPINE, "library/ubuntu:latest": NGINX},  # a tag added
    {},  # a tag gone
])
def test_anything_else_in_the_storage_is_refused(stored) -> None:
    with pytest.raises(DcalabError, match="something else wrote to its seeding registry") as raised:
        hub.check_seeded({"library/alpine:latest": ALPINE}, stored)
    assert raised.value.fix == "Fill it again (into a new volume): dcalab cluster up"


def test_a_push_gives_the_digest_the_engine_reports() -> None:
    chunks = [{"status": "Pushed"}, {"aux": {"Tag": "latest", "Digest": ALPINE, "Size": 528}}, {"status": "done"}]
    client = SimpleNamespace(images=SimpleNamespace(push=lambda *args, **kwargs: iter(chunks)))
    assert hub._push(client, "127.0.0.1:5000/library/alpine", "latest") == ALPINE
    failing = SimpleNamespace(images=SimpleNamespace(push=lambda *args, **kwargs: iter([{"error": "denied"}])))
    with pytest.raises(DcalabError, match="denied"):
        hub._push(failing, "127.0.0.1:5000/library/alpine", "latest")
