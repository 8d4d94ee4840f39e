"""Images on a node: what was pulled, tagged and pushed.

>>> recorded_digests(host("registry"), ["registry.docker-dca.example:5000"], "alpine")
"""

from __future__ import annotations

from checks import SolveError, Verdict, run_or_raise, verdict
from checks.docker_cli import docker_json, docker_output


def image(host, reference: str) -> dict | None:
    """`docker image inspect` of a local image (never a container of the same name), or None."""
    found = docker_json(host, "docker image inspect %s", reference)
    return found[0] if found else None


def all_repo_digests(host) -> list[str]:
    """Every name@digest the node's images record from pushes and pulls."""
    output = docker_output(host, "docker image ls --digests --format '{{.Repository}}@{{.Digest}}'") or ""
    return [line for line in output.split() if not line.endswith("@<none>")]


def recorded_digests(host, registry_names: list[str], name: str) -> list[str]:
    """The digests the node's images record for `name` in the registry, under any of its names."""
    wanted = {f"{registry}/{name}" for registry in registry_names}
    return [entry.split("@")[1] for entry in all_repo_digests(host) if entry.split("@")[0] in wanted]


def records_digest(host, registry_names: list[str], name: str, digest: str | None) -> Verdict:
    """Some local image of the node was pushed to (or pulled from) the registry as `name` with `digest`."""
    expected = f"a local image pushed as {name} with digest {digest or '(the registry has none)'}"
    recorded = recorded_digests(host, registry_names, name)
    found = f"local digests {', '.join(recorded)}" if recorded else f"no local image records a push of {name}"
    return verdict(digest is not None and digest in recorded, expected, found)


def same_image(host, reference: str, image_id: str | None, what: str) -> Verdict:
    local = image(host, reference)
    expected = f"{what} is {reference}"
    if image_id is None:
        return verdict(False, expected, f"{what} is not in the registry")
    if local is None:
        return verdict(False, expected, f"{reference} is not on this node to compare with")
    return verdict(local["Id"] == image_id, expected, "the same image" if local["Id"] == image_id
                   else f"a different image ({image_id[:19]}, {reference} is {local['Id'][:19]})")


def ensure_mirrored(host, source: str, target: str) -> None:
    """Pull `source`, tag it `target` and push, as the seed's loop does; pushing twice changes nothing."""
    run_or_raise(host, "docker pull -q %s", source)
    run_or_raise(host, "docker image tag %s %s", source, target)
    output = run_or_raise(host, "docker push %s", target)
    if "digest: sha256:" not in output:
        raise SolveError(f"docker push {target} reported no digest: {output[-300:]}")


def ensure_pulled(host, reference: str) -> None:
    run_or_raise(host, "docker pull -q %s", reference)
