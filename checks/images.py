"""Images on a node: what was pulled, tagged and pushed.

>>> recorded_digests(host("registry"), ["registry.docker-dca.example:5000"], "alpine")
"""

from __future__ import annotations

import json

from checks import SolveError, Verdict, run_or_raise, verdict
from checks.docker_cli import api_json, docker_output
from dcalab.errors import GraderDefect


def image(host, reference: str) -> dict | None:
    """`docker image inspect` of a local image (never a container of the same name), or None."""
    return api_json(host, f"/images/{reference}/json")


def absent(reference: str, node: str) -> Verdict:
    """The image a check is about does not exist: said first, instead of each property it lacks."""
    return verdict(False, f"{reference} on {node}", f"{reference} does not exist on {node} (removed?)")


def all_repo_digests(host) -> list[str]:
    """Every name@digest the node's images record from pushes and pulls."""
    images = api_json(host, "/images/json") or []
    return [digest for found in images for digest in found.get("RepoDigests") or [] if not digest.startswith("<none>")]


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


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def small_final_stage(found: dict | None, layers_history: list[dict], tool: str, limit_mb: int) -> Verdict:
    """Built in stages: no layer of the image ran the build tool (its history says what made each layer, the
    base image's too) and the image stays under the size limit."""
    expected = f"no {tool} in the image, under {limit_mb} MB"
    if found is None:
        return verdict(False, expected, "the image does not exist")
    ran_tool = [entry["CreatedBy"] for entry in layers_history if tool in entry.get("CreatedBy", "")]
    said = _megabytes(found["Size"]) + (f"; its layers ran {tool} ({len(ran_tool)} of them): the build stage's "
                                        "tools are in it" if ran_tool else "")
    return verdict(not ran_tool and found["Size"] < limit_mb * 1e6, expected, said)


def config_value(found: dict | None, key: str):
    return (found or {}).get("Config", {}).get(key)


def non_root(user: str | None) -> bool:
    return (user or "root").split(":")[0] not in ("", "root", "0")


def runs_as_non_root(found: dict | None) -> Verdict:
    user = config_value(found, "User")
    return verdict(found is not None and non_root(user), "USER other than root",
                   f"USER {user or '(root, the default)'}")


def exposes(found: dict | None, port: str) -> Verdict:
    ports = sorted(config_value(found, "ExposedPorts") or {})
    return verdict(port in ports, f"EXPOSE {port}", f"exposes {', '.join(ports) or 'nothing'}")


def exec_form_entrypoint(found: dict | None) -> Verdict:
    """An ENTRYPOINT in exec form: the shell form is stored as ["/bin/sh", "-c", "..."]."""
    entrypoint = config_value(found, "Entrypoint") or []
    shell_form = entrypoint[:2] == ["/bin/sh", "-c"]
    return verdict(bool(entrypoint) and not shell_form, "ENTRYPOINT in exec form",
                   f"ENTRYPOINT {entrypoint}" + (" (shell form)" if shell_form else "") if entrypoint
                   else "no ENTRYPOINT")


def has_label_prefix(found: dict | None, prefix: str) -> Verdict:
    labels = sorted(config_value(found, "Labels") or {})
    return verdict(any(label.startswith(prefix) for label in labels), f"a label {prefix}*",
                   f"labels: {', '.join(labels) or 'none'}")


def has_healthcheck(found: dict | None) -> Verdict:
    test = (config_value(found, "Healthcheck") or {}).get("Test") or []
    return verdict(bool(test) and test != ["NONE"], "a HEALTHCHECK", f"HEALTHCHECK {' '.join(test) or 'none'}")


def same_id(host, references: list[str]) -> Verdict:
    """Every reference names one and the same image."""
    ids = {reference: (image(host, reference) or {}).get("Id", "missing")[:19] for reference in references}
    found = ", ".join(f"{reference} {image_id}" for reference, image_id in ids.items())
    return verdict(len(set(ids.values())) == 1 and "missing" not in ids.values(),
                   f"{', '.join(references)} one image ID", found)


def one_layer(found: dict | None) -> Verdict:
    layers = len((found or {}).get("RootFS", {}).get("Layers", []))
    return verdict(found is not None and layers == 1, "one layer", f"{layers} layers" if found else "no such image")


def imported(history: list[dict]) -> Verdict:
    """Made by docker import: its one history entry says so."""
    comments = [entry.get("Comment", "") for entry in history]
    return verdict(any(comment.startswith("Imported from") for comment in comments) and len(history) == 1,
                   "made by docker import", f"history: {len(history)} entries"
                   + (f", {comments[0]!r}" if comments and comments[0] else ""))


def history(host, reference: str) -> list[dict]:
    output = docker_output(host, "docker image history --no-trunc --format '{{json .}}' %s", reference)
    return [json.loads(line) for line in (output or "").splitlines() if line.strip()]


def listed(host, *filters: str) -> list[dict]:
    """`docker image ls -a` with filters, one dict per image."""
    command = "docker image ls --no-trunc --format '{{json .}}'" + " --filter %s" * len(filters)
    output = docker_output(host, command, *filters)
    if output is None:  # the filters are the grader's own: docker refusing them is the lab's fault
        raise GraderDefect(f"docker image ls refused the filters {', '.join(filters)}.",
                           "Use only filters docker image ls knows (dangling, label, before, since, reference).")
    return [json.loads(line) for line in output.splitlines() if line.strip()]
