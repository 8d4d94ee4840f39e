"""Image bundles: every image dcalab needs in one file (`docker save` of them), written where they were made and
loaded on any machine, so an air-gapped class downloads once and no learner needs Debian's packages or root."""

from __future__ import annotations

import json
import os
from pathlib import Path

import docker
from docker.errors import APIError, ImageNotFound

from dcalab.errors import DcalabError
from dcalab.images import bundled_tags
from dcalab.progress import step

CHUNK = 1 << 20


def missing_tags(client: docker.DockerClient, tags: list[str]) -> list[str]:
    missing = []
    for tag in tags:
        try:
            client.images.get(tag)
        except ImageNotFound:
            missing.append(tag)
    return missing


def save_bundle(client: docker.DockerClient, path: Path) -> list[str]:
    """Write every bundled image to `path` (never over an existing file); return the tags written."""
    if path.exists():
        raise DcalabError(f"{path} already exists, and dcalab does not write over a file.",
                          f"Give another file name, or remove it first (rm {path}).")
    tags = bundled_tags()
    missing = missing_tags(client, tags)
    if missing:
        raise DcalabError(f"This engine does not have every image a bundle carries (no {', '.join(missing)}).",
                          "Make them first with `dcalab cluster up`, then run `dcalab images save` again.")
    partial = path.with_name(path.name + ".partial")
    try:
        with step(f"Writing {len(tags)} images to {path}"), open(partial, "xb") as out:
            response = client.api._get(client.api._url("/images/get"), params={"names": tags}, stream=True)
            client.api._raise_for_status(response)
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
        os.replace(partial, path)
    except (APIError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DcalabError(f"Writing the image bundle {path} failed: {error}",
                          "Check the free space and that you may write there, then run the command again.") from error
    return tags


def load_bundle(client: docker.DockerClient, path: Path) -> list[str]:
    """Load a bundle into the engine; return the tags it held. Nothing in the engine is removed: a tag it already
    had now names the bundle's image."""
    if not path.is_file():
        raise DcalabError(f"There is no image bundle at {path}.",
                          "Give the file that `dcalab images save FILE` wrote on a machine that has the images.")
    loaded, errors = [], []
    with step(f"Loading the images of {path}"), open(path, "rb") as bundle:
        try:
            response = client.api._post(client.api._url("/images/load"), data=bundle, stream=True,
                                        headers={"Content-Type": "application/x-tar"})
            client.api._raise_for_status(response)
            for line in response.iter_lines():
                message = json.loads(line) if line.strip() else {}
                if "error" in message:
                    errors.append(message["error"])
                elif message.get("stream", "").startswith("Loaded image: "):
                    loaded.append(message["stream"].removeprefix("Loaded image: ").strip())
        except (APIError, ValueError) as error:
            errors.append(str(error))
    if errors or not loaded:
        raise DcalabError(f"{path} is not an image bundle the engine could load: {'; '.join(errors) or 'no image'}.",
                          "Write the bundle again with `dcalab images save FILE` and copy it whole.")
    return loaded
