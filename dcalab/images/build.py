"""Cached image builds: an image is rebuilt only when the digest of its inputs changes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import docker
from docker.errors import APIError, ImageNotFound
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dcalab.errors import DcalabError
from dcalab.progress import step
from dcalab.settings import image_platform

INPUTS_LABEL = "org.dcalab.inputs"
OWNER_LABEL = "org.dcalab.owner"
HERE = Path(__file__).parent
_templates = Environment(loader=FileSystemLoader(HERE), undefined=StrictUndefined, keep_trailing_newline=True)


def render(template: str, **values: object) -> str:
    return _templates.get_template(template).render(**values)


def inputs_digest(*parts: object) -> str:
    """A short digest of everything an image is made from (texts, bytes, base image IDs)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(part, sort_keys=True).encode()
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def is_current(client: docker.DockerClient, tag: str, digest: str) -> bool:
    try:
        return client.images.get(tag).labels.get(INPUTS_LABEL) == digest
    except ImageNotFound:
        return False


def image_id(client: docker.DockerClient, tag: str) -> str:
    return client.images.get(tag).id


def files_archive(files: dict[str, bytes], mode: int = 0o644) -> bytes:
    """A tar of files (path in the archive -> content), each with `mode` and a script (#!) also executable: what
    put_archive copies into a container, and a build's context."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode | 0o111 if data.startswith(b"#!") else mode
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def from_images(dockerfile: str) -> list[str]:
    """The images a Dockerfile builds FROM, not its own stages nor scratch."""
    images, stages = [], {"scratch"}
    for image, _, stage in re.findall(r"^FROM\s+(\S+)(\s+AS\s+(\S+))?", dockerfile, re.M | re.I):
        if image.lower() not in stages:
            images.append(image)
        stages.add(stage.lower())
    return images


def build(client: docker.DockerClient, tag: str, dockerfile: str, files: dict[str, bytes] | None = None) -> bool:
    """Build `tag` from a Dockerfile text and context files unless it is current; True if built."""
    files = files or {}
    context = [item for pair in sorted(files.items()) for item in pair]
    bases = [image_id(client, image) for image in from_images(dockerfile)]
    # (no --platform to the build itself: Docker 20.10's builder commits each step with the engine's own platform,
    # then refuses that step in a COPY --from of the chosen one; the bases carry the chosen architecture)
    platform = image_platform()
    digest = inputs_digest(dockerfile, *bases, *context, *([platform] if platform else []))
    if is_current(client, tag, digest):
        return False
    log: list[str] = []
    with step(f"Building image {tag}"):
        try:
            for chunk in client.api.build(
                fileobj=io.BytesIO(files_archive({"Dockerfile": dockerfile.encode(), **files})),
                custom_context=True,
                network_mode="host",  # apt inside reaches the Debian mirror as this machine does, bridge or not
                tag=tag,
                rm=True,
                forcerm=True,
                decode=True,
                labels={INPUTS_LABEL: digest, OWNER_LABEL: "dcalab"},
            ):
                log.append(chunk.get("stream", ""))
                if "error" in chunk:
                    raise DcalabError(
                        f"Building image {tag} failed: {chunk['error'].strip()}",
                        f"The last build output was: {''.join(log)[-600:].strip()}",
                    )
        except APIError as error:
            raise DcalabError(f"Building image {tag} failed: {error.explanation}") from error
    return True
