"""The registry container on its node: which one serves a port, its settings and its storage; in solve mode,
running it again with more settings while keeping its data (its volume).

>>> storage(serving(host("registry"), 5000))
'/var/lib/docker/volumes/5f3c.../_data'
"""

from __future__ import annotations

import re

from checks import SolveError, Verdict, retried, run_or_raise, verdict
from checks.containers import containers_of, port_bindings

IMAGE = "registry:2"
DATA = "/var/lib/registry"  # where registry:2 keeps its images


def serving(host, port: int) -> dict | None:
    """The registry:2 container that publishes `port` (a running one first), or None."""
    return next((info for info in containers_of(host, IMAGE)
                 if any(port in ports for ports in port_bindings(info).values())), None)


def settings_of(info: dict | None) -> dict[str, str]:
    """Its REGISTRY_* environment: the settings given with -e (a config file's are not seen here)."""
    pairs = (entry.split("=", 1) for entry in ((info or {}).get("Config", {}).get("Env") or []))
    return {key: value for key, value in pairs if key.startswith("REGISTRY_")}


def data_mount(info: dict | None) -> dict | None:
    return next((mount for mount in (info or {}).get("Mounts", []) if mount["Destination"] == DATA), None)


def storage(info: dict | None) -> str:
    """The folder on the node that holds the registry's data, or ""."""
    return (data_mount(info) or {}).get("Source", "")


def holds_image(host, info: dict | None, name: str, tag: str) -> Verdict:
    """The registry's storage (its volume, read on the node: no user needed) has the tag `name:tag`."""
    expected = f"the registry's storage holds {name}:{tag}"
    folder = storage(info)
    if not folder:
        return verdict(False, expected, "there is no registry:2 container publishing the port, or it has no "
                                        f"storage at {DATA}")
    listed = host.run("ls %s/docker/registry/v2/repositories", folder).stdout.split()
    held = host.run("test -e %s/docker/registry/v2/repositories/%s/_manifests/tags/%s/current/link", folder, name,
                    tag).rc == 0
    return verdict(held, expected, "it does" if held else f"its storage ({folder}) holds "
                   + (", ".join(listed) if listed else "no repository: a new, empty volume"))


def blobs_present(host, info: dict | None, digests_file: str) -> list[str]:
    """The digests listed in `digests_file` whose blob is still in the registry's storage."""
    folder = storage(info)
    if not folder:
        return []
    found = host.run("for d in $(cat %s); do h=${d#sha256:}; [ -e %s/docker/registry/v2/blobs/sha256/$(echo $h "
                     "| cut -c1-2)/$h ] && echo $d; done; true", digests_file, folder).stdout
    return found.split()


def mount_options(info: dict | None) -> dict[str, str]:
    """The container's mounts as `docker run -v` values, by destination in the container."""
    options = {}
    for mount in (info or {}).get("Mounts", []):
        source = mount.get("Name") if mount["Type"] == "volume" else mount["Source"]
        options[mount["Destination"]] = f"{source}:{mount['Destination']}" + ("" if mount.get("RW", True) else ":ro")
    return options


def ensure(host, settings: dict[str, str], mounts: tuple[str, ...], port: int = 5000) -> None:
    """The registry on `port` running with at least these settings (-e) and mounts (-v SOURCE:DESTINATION[:ro]).
    One that has them is started if stopped; otherwise it is run again under the same name with its own settings,
    mounts (its data volume, a config file) and these added, so that its images and the learner's choices stay.
    Every value taken from the node is passed quoted, and the learner's container is removed only once its
    replacement runs and answers: a replacement that fails leaves the old one as it was, started again."""
    found = serving(host, port)
    state = (found or {}).get("State", {})
    if found is not None and settings.items() <= settings_of(found).items() and not state.get("Restarting"):
        if not state.get("Running"):
            run_or_raise(host, "docker start %s", found["Id"])
            wait_answering(host, found["Name"].lstrip("/"), port)
        return
    kept = mount_options(found)
    kept.setdefault(DATA, f"registry-data:{DATA}")
    kept.update({given.split(":")[1]: given for given in mounts})
    values = [*(("-v", given) for _, given in sorted(kept.items())),
              *(("-e", f"{key}={value}") for key, value in sorted({**settings_of(found), **settings}.items()))]
    name = found["Name"].lstrip("/") if found else "registry"
    create = "docker create --restart=always --name %s -p %s " + " ".join(["%s %s"] * len(values)) + " %s"
    if found is None:
        run_or_raise(host, create, name, f"{port}:5000", *(part for value in values for part in value), IMAGE)
        run_or_raise(host, "docker start %s >/dev/null", name)
        wait_answering(host, name, port)
        return
    replacement = f"{name}-dcalab-new"
    host.run("docker rm -f %s", replacement)  # a replacement a failed solve left behind, never the learner's
    run_or_raise(host, create, replacement, f"{port}:5000", *(part for value in values for part in value), IMAGE)
    run_or_raise(host, "docker stop %s >/dev/null", found["Id"])
    try:
        run_or_raise(host, "docker start %s >/dev/null", replacement)
        wait_answering(host, replacement, port)
    except SolveError:
        host.run("docker rm -f %s", replacement)
        host.run("docker start %s", found["Id"])
        raise
    run_or_raise(host, "docker rm %s >/dev/null && docker rename %s %s", found["Id"], replacement, name)


def wait_answering(host, name: str, port: int) -> None:
    """Up to 5 s for the registry to answer on `port`, over TLS or plain HTTP; its last words if it does not."""
    answering = f"curl -so /dev/null -k https://localhost:{port}/ || curl -so /dev/null http://localhost:{port}/"
    run_or_raise(host, f"{retried(answering, 50, pause=0.1)} || {{ echo the registry does not answer on {port}:; "
                       "docker logs --tail 3 %s 2>&1; exit 1; }", name)


HTPASSWD_PATH = re.compile(r"htpasswd:\s*\{?[^}]*?path:\s*[\"']?([^\s,}\"']+)", re.DOTALL)
HASH_FORMATS = {"$2y$": "bcrypt", "$2a$": "bcrypt", "$2b$": "bcrypt", "$apr1$": "MD5 (htpasswd -m)",
                "{SHA}": "SHA-1 (htpasswd -s)", "$5$": "SHA-256 crypt", "$6$": "SHA-512 crypt"}


def password_format(host, info: dict | None, user: str) -> str:
    """How the registry's htpasswd file stores `user`'s password: "bcrypt", "MD5 (htpasswd -m)", ..., "absent",
    or "" when the file cannot be found. The file's path comes from REGISTRY_AUTH_HTPASSWD_PATH or the config
    file's auth.htpasswd.path, and is read inside the container; only the format leaves the node."""
    if not info:
        return ""
    path = settings_of(info).get("REGISTRY_AUTH_HTPASSWD_PATH")
    if not path:
        config = host.run("docker exec %s cat /etc/docker/registry/config.yml", info["Id"]).stdout
        found = HTPASSWD_PATH.search(config)
        path = found.group(1) if found else ""
    entry = host.run("docker exec %s sh -c 'test -f \"$1\" && { grep \"^$2:\" \"$1\" | head -1 | cut -d: -f2 | "
                     "cut -c1-6; true; }' - %s %s", info["Id"], path, user) if path else None
    if entry is None or entry.rc != 0:
        return ""
    stored = entry.stdout.strip()
    if not stored:
        return "absent"
    return next((name for prefix, name in HASH_FORMATS.items() if stored.startswith(prefix)), "plain text or unknown")
