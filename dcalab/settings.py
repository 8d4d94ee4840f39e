"""Where dcalab keeps its state and which image source it uses; both overridable by environment."""

from __future__ import annotations

import os
import pwd
import re
import shlex
import tempfile
from pathlib import Path

from dcalab.errors import DcalabError

IMAGE_SOURCES = ("offline", "dockerhub")
NODE_SUITES = ("bookworm", "trixie")  # Debian releases the node image can be built on; the first by default
# The architecture the images are built for: the engine's own (""), or another under qemu-user (binfmt_misc), for an
# image bundle of learners whose machines differ (Apple Silicon: linux/arm64). Debian's name of each is its last part.
IMAGE_PLATFORMS = ("linux/amd64", "linux/arm64")
SSH_CONFIG_ENV = "DCALAB_SSH_CONFIG"  # the ssh_config naming the nodes, for --cluster=ssh
VAGRANT_PROVIDERS = ("docker", "libvirt", "virtualbox")  # the providers the Vagrantfile knows
CLUSTER_ENV = "DCALAB_CLUSTER"  # the named cluster to use when --cluster-name is not given
CLUSTER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")  # what a container name may hold, kept short


def state_dir() -> Path:
    """dcalab's own files (engine PID, lab CA, logs): $DCALAB_STATE or the XDG state directory, refused unless
    it is the user's alone."""
    default = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "dcalab"
    path = Path(os.environ.get("DCALAB_STATE", default))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _refuse_shared(path)
    return path


def _refuse_shared(path: Path) -> None:
    """What dcalab reads back from the state folder decides what it stops and trusts as root (daemon records,
    the lab CA's key), so another user must not be able to write there."""
    info = path.stat()
    quoted = shlex.quote(str(path))
    if info.st_uid != os.geteuid():
        try:
            user = pwd.getpwuid(os.geteuid()).pw_name
        except KeyError:
            user = str(os.geteuid())
        raise DcalabError(
            f"The state folder {path} belongs to another user (uid {info.st_uid}), who could change what dcalab does.",
            f"Make it yours (chown -R {user} {quoted}) or set DCALAB_STATE to a folder of your own.",
        )
    if info.st_mode & 0o022:
        raise DcalabError(
            f"The state folder {path} is writable by other users (mode {info.st_mode & 0o777:o}), who could change "
            "what dcalab does.",
            f"Make it yours alone: chmod go-w {quoted}",
        )


def _choice(variable: str, choices: tuple[str, ...], what: str) -> str:
    """$variable, one of `choices`; the first when it is not set."""
    value = os.environ.get(variable, choices[0])
    if value not in choices:
        raise DcalabError(f"{variable}={value!r} is not {what} dcalab knows.", f"Use one of: {', '.join(choices)}.")
    return value


def cluster_name(given: str | None = None) -> str:
    """The named cluster chosen (--cluster-name, else $DCALAB_CLUSTER); "" is the default, unnamed cluster."""
    name = os.environ.get(CLUSTER_ENV, "") if given is None else given
    if name and not CLUSTER_NAME.fullmatch(name):
        raise DcalabError(f"{name!r} cannot name a cluster: its containers are called dcalab-NAME-master and so on.",
                          "Use letters, digits, '-', '_' or '.', starting with a letter or digit, at most 40 "
                          "characters (e.g. --cluster-name alice).")
    return name


def image_source() -> str:
    """`offline` (stand-in images served by the lab hub) or `dockerhub` (the real images)."""
    return _choice("DCALAB_IMAGES", IMAGE_SOURCES, "an image source")


def image_platform() -> str:
    """DCALAB_PLATFORM: "" (unset: the engine's own architecture) or one of IMAGE_PLATFORMS."""
    return os.environ.get("DCALAB_PLATFORM", "") and _choice("DCALAB_PLATFORM", IMAGE_PLATFORMS, "an image platform")


def node_suite() -> str:
    """The Debian release of the node image: bookworm (the seed's, docker 20.10) unless trixie (docker 26) is chosen."""
    return _choice("DCALAB_NODE_SUITE", NODE_SUITES, "a Debian release for the nodes")


def write_whole(path: Path, text: str, mode: int = 0o600) -> None:
    """Write a file so that a crash leaves its old content or the new, never a part of it: the text goes to a
    temporary file in the same folder, given its mode, synced, then renamed over the old one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
