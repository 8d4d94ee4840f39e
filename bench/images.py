"""Benchmark of the images from nothing, on a second, empty engine beside the lab's: by debootstrap (root, offline),
from a Debian base a registry mirror serves (the Docker Hub path), and from an image bundle; prints the bundle's size.

    sudo .venv/bin/python bench/images.py     # the lab's engine must have the images (dcalab cluster up)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the second engine of the tests

from dcalab import images  # noqa: E402
from dcalab.engine import ensure_engine  # noqa: E402
from dcalab.images.bundle import load_bundle, save_bundle  # noqa: E402
from tests.engines import debian_mirror, second_engine  # noqa: E402


def every_image(client, work: Path) -> None:
    ca, key = work / "ca.crt", work / "key.pub"
    ca.write_text("a lab CA\n")
    key.write_text("ssh-ed25519 AAAA bench\n")
    images.ensure_hub_images(client)
    images.ensure_node_image(client, ca, key)


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def main() -> None:
    lab_engine = ensure_engine()
    with tempfile.TemporaryDirectory(dir="/var/tmp") as scratch:
        work = Path(scratch)
        figures: list[tuple[str, float, str]] = []
        with second_engine(Path(tempfile.mkdtemp(dir=work))) as client:
            figures.append(("from nothing, base by debootstrap", timed(lambda: every_image(client, work)), "s"))
        with (debian_mirror(lab_engine) as mirror,
              second_engine(Path(tempfile.mkdtemp(dir=work)), "--registry-mirror", mirror) as client):
            figures.append(("from nothing, base from a mirror", timed(lambda: every_image(client, work)), "s"))
        bundle = work / "images.tar"
        figures.append(("bundle written", timed(lambda: save_bundle(lab_engine, bundle)), "s"))
        figures.append(("bundle size", bundle.stat().st_size / 2**20, "MiB"))
        with second_engine(Path(tempfile.mkdtemp(dir=work))) as client:
            figures.append(("bundle loaded", timed(lambda: load_bundle(client, bundle)), "s"))
            figures.append(("then every image", timed(lambda: every_image(client, work)), "s"))
    for name, value, unit in figures:
        print(f"{name:<36} {value:8.1f} {unit}")


if __name__ == "__main__":
    main()
