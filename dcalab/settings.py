"""Where dcalab keeps its state and which image source it uses; both overridable by environment."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dcalab.errors import DcalabError

IMAGE_SOURCES = ("offline", "dockerhub")
SSH_CONFIG_ENV = "DCALAB_SSH_CONFIG"  # the ssh_config naming the nodes, for --cluster=ssh
VAGRANT_PROVIDERS = ("docker", "libvirt", "virtualbox")  # the providers the Vagrantfile knows


def state_dir() -> Path:
    """dcalab's own files (engine PID, lab CA, logs): $DCALAB_STATE or the XDG state directory."""
    default = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "dcalab"
    path = Path(os.environ.get("DCALAB_STATE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def image_source() -> str:
    """`offline` (stand-in images served by the lab hub) or `dockerhub` (the real images)."""
    source = os.environ.get("DCALAB_IMAGES", "offline")
    if source not in IMAGE_SOURCES:
        raise DcalabError(
            f"DCALAB_IMAGES={source!r} is not an image source dcalab knows.",
            f"Use one of: {', '.join(IMAGE_SOURCES)}.",
        )
    return source


def write_whole(path: Path, text: str) -> None:
    """Write a state file so that a crash leaves its old content or the new, never a part of it: the text goes
    to a temporary file in the same folder, synced, then renamed over the old one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
