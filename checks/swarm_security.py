"""Swarm security on a manager: autolock and its saved key, join-token and root CA rotation, certificate expiry.

Credentials are compared inside the node (by digest or by `grep -F`), so no token or key ever leaves it.
"""

from __future__ import annotations

import time

from checks import SolveError, Verdict, run_or_raise, verdict
from checks.docker_cli import node_of
from checks.swarm import local_swarm, not_managing

# Secrets the lab's start records by digest, as (the command that reads it on a manager, the part of its output
# that matters). The worker join token is SWMTKN-1-<CA digest>-<secret>: a CA rotation changes the CA digest, only
# `docker swarm join-token --rotate worker` changes the secret.
TOKEN_SECRET = ("docker swarm join-token -q worker", "cut -d- -f4")
TRUST_ROOT = ("docker swarm ca", "cat")
MANAGER_BACK = 60  # seconds a restarted, unlocked manager may take to answer swarm commands again


def autolock(swarm_info: dict) -> Verdict:
    """Autolock on, and the node unlocked (a locked manager answers no swarm command)."""
    state = swarm_info.get("LocalNodeState", "unknown")
    locked = (((swarm_info.get("Cluster") or {}).get("Spec") or {}).get("EncryptionConfig") or {})
    on = bool(locked.get("AutoLockManagers"))
    if state == "locked":
        return verdict(False, "autolock on and the manager unlocked",
                       "the manager is locked: unlock it with docker swarm unlock and the saved key")
    return verdict(state == "active" and on, "autolock on and the manager unlocked",
                   f"swarm {state}, autolock {'on' if on else 'off'}")


def key_saved(manager, path: str) -> Verdict:
    """The file holds the swarm's current unlock key (alone or within the text docker printed)."""
    result = manager.run("[ -f %s ] || { echo missing; exit; }; key=$(docker swarm unlock-key -q 2>/dev/null) "
                         "|| { echo no-key; exit; }; grep -qF \"$key\" %s && echo current || echo other", path, path)
    found = {"missing": f"there is no file {path}", "no-key": "the swarm has no unlock key (autolock is off)",
             "current": f"{path} holds the current unlock key",
             "other": f"{path} does not hold the current unlock key (a key rotated since, or another text)"}
    said = result.stdout.strip()
    if said == "no-key" and local_swarm(manager).get("LocalNodeState") == "locked":
        found["no-key"] = (f"{node_of(manager)} is locked, so the current key cannot be compared with {path}: "
                           f"unlock it with docker swarm unlock < {path}")
    return verdict(said == "current", f"{path} holds the unlock key that `docker swarm unlock-key -q` shows",
                   found.get(said, f"could not compare: {said or result.stderr.strip()}"))


def changed_since_start(manager, secret: tuple[str, str], record: str, what: str) -> Verdict:
    """The digest of a secret (`secret`: how it is read, which part counts) differs from the one the lab's start
    recorded. A secret the manager cannot show (locked, not a manager) is NodeRefused saying so: an unread value
    never counts as changed."""
    read, part = secret
    result = manager.run(f"[ -f %s ] || {{ echo unrecorded; exit; }}; out=$({read} 2>/dev/null) || "
                         f"{{ echo unreadable; exit; }}; [ \"$(printf '%%s\\n' \"$out\" | {part} | sha256sum | "
                         "cut -c1-64)\" = \"$(cat %s)\" ] && echo same || echo changed", record, record)
    said = result.stdout.strip()
    if said == "unreadable":
        raise not_managing(manager, read)
    found = {"same": f"the {what} is the one the lab started with", "changed": f"the {what} was rotated",
             "unrecorded": f"the lab's start record {record} is missing: run dcalab lab start orchestration"}
    return verdict(said == "changed", f"the {what} rotated", found.get(said, said or result.stderr.strip()))


def cert_expiry(swarm_info: dict, hours: int) -> Verdict:
    spec = ((swarm_info.get("Cluster") or {}).get("Spec") or {}).get("CAConfig") or {}
    found = spec.get("NodeCertExpiry", 0) / 3.6e12
    return verdict(round(found) == hours, f"node certificates valid for {hours} h",
                   f"node certificates valid for {found:g} h" if found else "the swarm's CA settings were not found")


def ensure_unlocked(manager, key_file: str) -> None:
    """Unlock a locked manager with the saved key and wait until it answers as a manager again."""
    if local_swarm(manager).get("LocalNodeState") == "locked":
        run_or_raise(manager, "docker swarm unlock < %s", key_file)
    deadline = time.monotonic() + MANAGER_BACK
    while manager.run("docker node ls -q").rc != 0:
        if time.monotonic() > deadline:
            raise SolveError(f"{node_of(manager)} did not answer as a swarm manager within {MANAGER_BACK} s "
                             "of being unlocked.")
        time.sleep(0.5)
