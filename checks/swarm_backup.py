"""A swarm backup on a manager: an archive of /var/lib/docker/swarm, read with tar on the node (gzip or not), and
when it was written. The archive's content stays on the node: only member names are read.

>>> holds_swarm_state(members(host("worker2"), "/root/backups/swarm.tar.gz"), "/root/backups/swarm.tar.gz").passed
"""

from __future__ import annotations

import re

from checks import Verdict, verdict

CERTIFICATES = ("swarm-root-ca.crt", "swarm-node.crt", "swarm-node.key")
RAFT_LOG = re.compile(r"raft/wal[^/]*/[^/]+\.wal$")  # raft/wal-v3-encrypted/0000...-0000....wal


def members(host, archive: str) -> tuple[list[str] | None, str]:
    """The archive's member names, or None and why they cannot be read (missing, not a tar)."""
    result = host.run("[ -f %s ] || { echo missing; exit 3; }; tar -tf %s", archive, archive)
    if result.rc == 3:
        return None, f"there is no file {archive}"
    if result.rc != 0:
        return None, f"{archive} is not a tar archive tar can read: {result.stderr.strip()[-200:]}"
    return [name.removeprefix("./") for name in result.stdout.splitlines()], ""


def holds_swarm_state(listed: tuple[list[str] | None, str], archive: str) -> Verdict:
    """The archive holds one swarm folder: its certificates and a raft log beside them (the folder's own name, a
    leading var/lib/docker/ or none: any way tar was told where to start)."""
    expected = (f"{archive} holds /var/lib/docker/swarm: raft/ with its log, and certificates/ with "
                f"{', '.join(CERTIFICATES)}")
    names, why = listed
    if names is None:
        return verdict(False, expected, why)
    roots = {name[: -len("certificates/swarm-root-ca.crt")] for name in names
             if name.endswith("certificates/swarm-root-ca.crt")}
    for root in sorted(roots):
        lacking = [file for file in CERTIFICATES if f"{root}certificates/{file}" not in names]
        logs = [name for name in names if name.startswith(root) and RAFT_LOG.fullmatch(name[len(root):])]
        if not lacking and logs:
            return verdict(True, expected, f"it holds {root or './'}certificates/ and {len(logs)} raft log file(s)")
    if not roots:
        return verdict(False, expected, f"it holds {len(names)} entries, none of them "
                                        "certificates/swarm-root-ca.crt: not a swarm folder")
    return verdict(False, expected, f"beside {sorted(roots)[0] or './'}certificates/ it lacks "
                                    f"{', '.join(lacking) if lacking else 'the raft log (raft/wal*/*.wal)'}")


def written_at(host, archive: str) -> float | None:
    """When the archive was last written (its modification time), or None when there is none."""
    result = host.run("stat -c %%.6Y %s", archive)
    return float(result.stdout.strip()) if result.rc == 0 else None
