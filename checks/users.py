"""Users on a node: their groups, and whether they can use docker without sudo.

>>> in_group(groups_of(host("worker2"), "alice"), "alice", "docker").passed
"""

from __future__ import annotations

from checks import Verdict, verdict


def groups_of(host, user: str) -> list[str] | None:
    """The user's groups (id -nG), or None when there is no such user."""
    result = host.run("id -nG %s", user)
    return result.stdout.split() if result.rc == 0 else None


def in_group(groups: list[str] | None, user: str, group: str) -> Verdict:
    expected = f"{user} in the group {group}"
    if groups is None:
        return verdict(False, expected, f"there is no user {user}")
    return verdict(group in groups, expected, f"{user} is in {', '.join(groups)}")


def runs_docker(host, user: str) -> Verdict:
    """A new login of the user gets an answer from the docker daemon (the Server part of docker version)."""
    result = host.run("su - %s -c %s", user, "docker version --format '{{.Server.Version}}'")
    said = (result.stdout if result.rc == 0 else result.stderr).strip().splitlines()
    return verdict(result.rc == 0 and bool(said), f"{user} gets docker version's Server part without sudo",
                   f"docker server {said[0]}" if result.rc == 0 and said else
                   f"{user}'s docker version said: {said[-1][:200] if said else 'nothing'}")
