"""The registry container on its node: which one serves a port, its settings and its storage; in solve mode,
running it again with more settings while keeping its data (its volume).

>>> storage(serving(host("registry"), 5000))
'/var/lib/docker/volumes/5f3c.../_data'
"""

from __future__ import annotations

from checks import run_or_raise
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


def blobs_present(host, info: dict | None, digests_file: str) -> list[str]:
    """The digests listed in `digests_file` whose blob is still in the registry's storage."""
    folder = storage(info)
    if not folder:
        return []
    found = host.run("for d in $(cat %s); do h=${d#sha256:}; [ -e %s/docker/registry/v2/blobs/sha256/$(echo $h "
                     "| cut -c1-2)/$h ] && echo $d; done; true", digests_file, folder).stdout
    return found.split()


def ensure(host, settings: dict[str, str], mounts: tuple[str, ...], port: int = 5000) -> None:
    """The registry on `port` running with at least these settings (-e) and mounts (-v); when it lacks one, or
    keeps restarting, it is run again under the same name with the same data volume, so its images stay."""
    found = serving(host, port)
    state = (found or {}).get("State", {})
    if state.get("Running") and not state.get("Restarting") and settings.items() <= settings_of(found).items():
        return
    mount = data_mount(found)
    volume = (mount.get("Name") or mount["Source"]) if mount else "registry-data"
    name = found["Name"].lstrip("/") if found else "registry"
    if found is not None:
        run_or_raise(host, "docker rm -f %s", name)
    options = [f"-v {volume}:{DATA}", *(f"-v {given}" for given in mounts),
               *(f"-e {key}={value}" for key, value in sorted(settings.items()))]
    run_or_raise(host, f"docker run -d --restart=always --name {name} -p {port}:5000 {' '.join(options)} {IMAGE}")
    run_or_raise(host, f"for i in $(seq 50); do curl -so /dev/null -k https://localhost:{port}/ || "
                       f"curl -so /dev/null http://localhost:{port}/ && exit 0; sleep 0.1; done; "
                       f"echo the registry does not answer on {port}:; docker logs --tail 3 {name} 2>&1; exit 1")


HASH_FORMATS = {"$2y$": "bcrypt", "$2a$": "bcrypt", "$2b$": "bcrypt", "$apr1$": "MD5 (htpasswd -m)",
                "{SHA}": "SHA-1 (htpasswd -s)", "$5$": "SHA-256 crypt", "$6$": "SHA-512 crypt"}


def password_format(host, info: dict | None, user: str) -> str:
    """How the registry's htpasswd file (REGISTRY_AUTH_HTPASSWD_PATH, found through the container's mounts)
    stores `user`'s password: "bcrypt", "MD5 (htpasswd -m)", ..., "absent", or "" when the file is not found.
    Only the format is read back; the hash never leaves the node."""
    inside = settings_of(info).get("REGISTRY_AUTH_HTPASSWD_PATH", "")
    mount = max((mount for mount in (info or {}).get("Mounts", []) if inside.startswith(mount["Destination"] + "/")),
                key=lambda mount: len(mount["Destination"]), default=None)
    if mount is None:
        return ""
    path = mount["Source"] + inside[len(mount["Destination"]):]
    entry = host.run("grep -m1 ^%s: %s | cut -d: -f2 | cut -c1-6", user, path)
    if entry.rc != 0:
        return "absent" if host.run("test -f %s", path).rc == 0 else ""
    stored = entry.stdout.strip()
    return next((name for prefix, name in HASH_FORMATS.items() if stored.startswith(prefix)), "plain text or unknown")
