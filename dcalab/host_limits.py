"""The host kernel's room for more nodes: each embedded node runs systemd, journald, containerd and dockerd, and
each of them holds inotify instances, counted per user (root) against fs.inotify.max_user_instances. Debian's
default of 128 holds about two clusters: the next node's systemd fails with "Failed to create inotify object: Too
many open files", and its docker never starts. Before nodes are made, the limit is raised (as root) or the fix is
named; the engine must run on this machine's kernel for either to apply.
"""

from __future__ import annotations

import os
from pathlib import Path

from dcalab.errors import DcalabError
from dcalab.progress import step

INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")
PER_NODE = 32  # measured 7 to 16 per node (a busy swarm node holds more); the rest is room for what runs there
HEADROOM = 128  # for the host's own programs


def instances_in_use() -> int:
    """The inotify instances open on this machine, as far as this user can see (root: all of them)."""
    return sum(_link(fd) == "anon_inode:inotify" for process in Path("/proc").iterdir() if process.name.isdigit()
               for fd in _descriptors(process))


def _descriptors(process: Path) -> list[Path]:
    try:
        return list((process / "fd").iterdir())
    except OSError:  # ended meanwhile, or another user's
        return []


def _link(descriptor: Path) -> str:
    try:
        return os.readlink(descriptor)
    except OSError:  # closed meanwhile (the listing's own descriptor, for one)
        return ""


def wanted_instances(in_use: int, new_nodes: int) -> int:
    """The limit that leaves room for `new_nodes` more nodes beside what is open now."""
    return in_use + PER_NODE * new_nodes + HEADROOM


def ensure_room_for_nodes(new_nodes: int) -> None:
    """Raise fs.inotify.max_user_instances when `new_nodes` more nodes would not fit (root), else say how."""
    if new_nodes <= 0 or not INSTANCES.exists():
        return
    limit, wanted = int(INSTANCES.read_text()), wanted_instances(instances_in_use(), new_nodes)
    if limit >= wanted:
        return
    if os.geteuid() != 0:
        raise DcalabError(
            f"This machine allows {limit} inotify instances per user (fs.inotify.max_user_instances), too few for "
            f"{new_nodes} more lab nodes: their systemd would fail and docker would not start in them.",
            f"Raise it, then run the command again: sudo sysctl fs.inotify.max_user_instances={wanted}",
        )
    with step(f"Raising fs.inotify.max_user_instances from {limit} to {wanted} (room for {new_nodes} more nodes)"):
        INSTANCES.write_text(str(wanted))
