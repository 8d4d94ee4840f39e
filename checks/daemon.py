"""The Docker daemon's configuration: /etc/docker/daemon.json and what the running daemon loaded.

>>> config = read_config(host("worker1")); lists_insecure_registry(config, "registry.docker-dca.example:5000")
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from dataclasses import dataclass

from checks import EnvironmentFault, SolveError, Verdict, run_or_raise, verdict
from checks.docker_cli import api_json
from dcalab.errors import NodeRefused

DAEMON_JSON = "/etc/docker/daemon.json"
RESTART_TIMEOUT = 60


@dataclass(frozen=True)
class DaemonConfig:
    exists: bool
    text: str
    data: dict | None  # None when the file is missing or not valid JSON
    error: str  # the JSON error with its line and column, or ""


def parse_config(text: str | None) -> DaemonConfig:
    if text is None:
        return DaemonConfig(False, "", None, f"there is no {DAEMON_JSON}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return DaemonConfig(True, text, None, f"{DAEMON_JSON} line {error.lineno} column {error.colno}: {error.msg}")
    if not isinstance(data, dict):
        return DaemonConfig(True, text, None, f"{DAEMON_JSON} holds a JSON {type(data).__name__}, not an object")
    return DaemonConfig(True, text, data, "")


def read_config(host) -> DaemonConfig:
    config = host.file(DAEMON_JSON)
    return parse_config(config.content_string if config.exists else None)


def valid_json(config: DaemonConfig) -> Verdict:
    return verdict(config.data is not None, f"{DAEMON_JSON} is valid JSON", config.error or "valid JSON")


def lists_insecure_registry(config: DaemonConfig, registry: str) -> Verdict:
    expected = f'"insecure-registries" lists {registry}'
    if config.data is None:
        found = f"the file is not valid JSON: {config.error}" if config.exists else config.error
        return verdict(False, expected, found)
    listed = config.data.get("insecure-registries")
    return verdict(isinstance(listed, list) and registry in listed, expected,
                   f'"insecure-registries" is {json.dumps(listed)}' if listed is not None
                   else '"insecure-registries" is not set')


def loaded_insecure_registries(host) -> list[str]:
    """The insecure registries the running daemon uses (from docker info)."""
    configs = (engine_info(host).get("RegistryConfig") or {}).get("IndexConfigs") or {}
    return sorted(name for name, config in configs.items() if not config.get("Secure", True))


def daemon_loaded(host, config: DaemonConfig, registry: str) -> Verdict:
    expected = f"the running docker lists {registry} as insecure"
    try:
        loaded = loaded_insecure_registries(host)
    except NodeRefused as refused:  # dockerd refuses to start on the learner's daemon.json
        return verdict(False, expected, f"docker is not running: {refused.message}")
    found = f"docker info lists {', '.join(loaded)}" if loaded else "docker info lists no insecure registry"
    return verdict(registry in loaded, expected, found)


def ensure_settings(host, wanted: dict, drop: tuple[str, ...] = ()) -> tuple[bool, str]:
    """Write the wanted keys into daemon.json and remove the `drop` ones, keeping every other key and, in list
    and object values, the learner's own entries. (changed, a sentence about a kept broken file or "").

    A file that is not valid JSON is kept as a dated copy first; the sentence returned says where."""
    config = read_config(host)
    kept = ""
    if config.exists and config.data is None:
        backup = run_or_raise(host, "b=%s.broken-$(date +%%Y%%m%%d-%%H%%M%%S); cp -p %s $b; echo $b",
                              DAEMON_JSON, DAEMON_JSON)
        kept = f"your daemon.json was not valid JSON ({config.error}); it is kept as {backup}"
    data = {key: value for key, value in (config.data or {}).items() if key not in drop}
    for key, value in wanted.items():
        had = data.get(key)
        if isinstance(value, list) and isinstance(had, list):
            value = had + [item for item in value if item not in had]
        elif isinstance(value, dict) and isinstance(had, dict):
            value = {**had, **value}
        data[key] = value
    changed = data != config.data
    if changed:
        encoded = base64.b64encode((json.dumps(data, indent=2) + "\n").encode()).decode()
        run_or_raise(host, "mkdir -p /etc/docker && echo %s | base64 -d > %s", encoded, DAEMON_JSON)
    return changed, kept


def ensure_insecure_registry(host, registry: str) -> str:
    """Add the registry to daemon.json (ensure_settings) and restart docker if the running one lacks it."""
    _, kept = ensure_settings(host, {"insecure-registries": [registry]})
    try:
        loaded = loaded_insecure_registries(host)
    except (EnvironmentFault, NodeRefused):  # e.g. docker stopped after the learner's broken daemon.json
        loaded = []
    if registry not in loaded:
        restart_docker(host)
    return kept


def restart_docker(host) -> None:
    """Restart docker and wait for it; reset-failed first, as systemd allows only 3 starts a minute."""
    run_or_raise(host, "systemctl reset-failed docker.service docker.socket; systemctl restart docker")
    deadline = time.monotonic() + RESTART_TIMEOUT
    # docker version, not docker info: docker 26's `docker info` exits 0 without a daemon
    while host.run("docker version --format '{{.Server.Version}}'").rc != 0:
        if time.monotonic() > deadline:
            raise SolveError(f"docker did not answer within {RESTART_TIMEOUT} s after its restart.")
        time.sleep(0.3)


def engine_info(host) -> dict:
    """`docker info` as the Engine API gives it; NodeRefused when dockerd refuses its configuration (graded as
    the learner's)."""
    return api_json(host, "/info") or {}


def info_shows(info: dict, field: str, wanted, shown: str) -> Verdict:
    """docker info's `field` holds `wanted` (a value, or an item of a list field such as Labels)."""
    found = info.get(field)
    right = wanted in found if isinstance(found, list) else found == wanted
    return verdict(right, f"docker info shows {shown}", f"docker info's {field} is {json.dumps(found)}")


def running_since(host) -> tuple[int, int]:
    """(when the running dockerd started, when daemon.json last changed), in seconds since the epoch; 0 for a
    daemon that is not running or a file that is not there."""
    output = run_or_raise(host, "started=$(systemctl show docker.service -p ExecMainStartTimestamp --value); "
                                "echo $([ -n \"$started\" ] && date -d \"$started\" +%%s || echo 0) "
                                "$(stat -c %%Y %s 2>/dev/null || echo 0)", DAEMON_JSON)
    started, changed = (int(number) for number in output.split())
    return started, changed


def reloaded_not_restarted(times: tuple[int, int], applied: bool) -> Verdict:
    """The change was applied by the dockerd that was running before daemon.json last changed (a reload)."""
    started, changed = times
    expected = "dockerd running since before daemon.json changed, with the change applied (a reload)"
    if not changed:
        return verdict(False, expected, f"there is no {DAEMON_JSON}")
    if started >= changed:
        return verdict(False, expected, f"dockerd was (re)started at {_clock(started)} UTC, after daemon.json "
                                        f"changed at {_clock(changed)} UTC")
    return verdict(applied, expected, "the running dockerd shows the change" if applied else
                   f"daemon.json changed at {_clock(changed)} UTC but the running dockerd does not show it")


def _clock(seconds: int) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(seconds))


def without_insecure_registry(host, registry: str) -> bool:
    """Solve mode: the registry out of daemon.json's insecure-registries, every other entry and key kept;
    True when the file changed."""
    listed = (read_config(host).data or {}).get("insecure-registries")
    if not isinstance(listed, list) or registry not in listed:
        return False
    others = [entry for entry in listed if entry != registry]
    return ensure_settings(host, {"insecure-registries": others} if others else {},
                           drop=() if others else ("insecure-registries",))[0]


def not_insecure(host, config: DaemonConfig, registry: str) -> Verdict:
    """Neither the file nor the running docker treats the registry as insecure (plain HTTP, any certificate)."""
    expected = f"{registry} in no \"insecure-registries\" (file and running docker)"
    listed = (config.data or {}).get("insecure-registries") or []
    try:
        loaded = loaded_insecure_registries(host)
    except NodeRefused as refused:
        return verdict(False, expected, f"docker is not running: {refused.message}")
    where = [place for place, names in (("daemon.json", listed), ("the running docker", loaded)) if registry in names]
    return verdict(not where, expected, f"{' and '.join(where)} still list{'s' if len(where) == 1 else ''} it"
                   if where else "neither lists it")


def uses_mirror(host, mirror: str) -> Verdict:
    """The running docker pulls Docker Hub images through `mirror`, and keeps doing so after a restart: daemon.json
    or dockerd's own --registry-mirror flag names it (a reload does not drop a key removed from the file)."""
    expected = f"docker uses the mirror {mirror}, in daemon.json or dockerd's flags"
    try:
        running = [found.rstrip("/") for found in (engine_info(host).get("RegistryConfig") or {}).get("Mirrors") or []]
    except NodeRefused as refused:
        return verdict(False, expected, f"docker is not running: {refused.message}")
    configured = [found.rstrip("/") for found in (read_config(host).data or {}).get("registry-mirrors") or []]
    argv = host.run("tr '\\0' '\\n' < /proc/$(pidof dockerd)/cmdline").stdout.split("\n")
    flagged = [value.rstrip("/") for flag, value in itertools.pairwise(argv) if flag == "--registry-mirror"] \
        + [arg.split("=", 1)[1].rstrip("/") for arg in argv if arg.startswith("--registry-mirror=")]
    kept = mirror in configured or mirror in flagged
    if mirror in running and kept:
        return verdict(True, expected, "it does")
    if mirror in running:
        return verdict(False, expected, "the running docker uses it, but neither daemon.json nor dockerd's flags "
                                        "name it: the next restart loses it")
    return verdict(False, expected, f"the running docker uses {', '.join(running) or 'no mirror'}" + (
        "; daemon.json names it: reload or restart docker" if kept else ""))


# answers that come over a verified TLS connection: only the user or the image is wrong
TLS_REACHED = ("no basic auth credentials", "unauthorized", "no such manifest", "manifest unknown")


def trusts_registry(host, image: str) -> Verdict:
    """The node's docker reaches the registry of `image` over TLS it verifies (certs.d), asked read-only with
    `docker manifest inspect`; a registry that wants a login or lacks the image counts as reached."""
    registry = image.split("/")[0]
    expected = f"docker reaches {registry} over TLS it verifies"
    try:
        if registry in loaded_insecure_registries(host):
            return verdict(False, expected, "the running docker treats it as an insecure registry, so it verifies "
                                            "no certificate")
    except NodeRefused as refused:
        return verdict(False, expected, f"docker is not running: {refused.message}")
    result = host.run("docker manifest inspect %s", image)
    said = " / ".join((result.stderr or result.stdout).strip().splitlines())
    reached = result.rc == 0 or any(clue in said for clue in TLS_REACHED)
    return verdict(reached, expected, "it does" if reached else f"docker says: {said[-300:]}")
