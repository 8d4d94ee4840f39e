"""The Docker engine as the docker CLI finds it, resolved from files and variables only (nothing is asked):
DOCKER_HOST, then DOCKER_CONTEXT or the current context of the CLI's config.json, then the default socket.

This follows docker/cli's resolveContextName (cli/command/cli.go) and its context store (cli/context/store):
a context NAME lives in <config dir>/contexts/meta/<sha256 of NAME>/meta.json, whose Endpoints.docker holds the
engine's Host and SkipTLSVerify, and its TLS material in <config dir>/contexts/tls/<sha256 of NAME>/docker/
as ca.pem, cert.pem and key.pem. The config dir is $DOCKER_CONFIG, else ~/.docker. The `default` context is the
engine of DOCKER_HOST (or the default socket), with TLS from DOCKER_TLS_VERIFY / DOCKER_TLS and DOCKER_CERT_PATH.
The docker commands dcalab runs (`docker exec` into a node, Vagrant's docker provider) read the same variables and
files, so they reach the same engine as dcalab's own client.

>>> resolve_endpoint({"DOCKER_HOST": "tcp://10.0.0.5:2375"}).describe()
'tcp://10.0.0.5:2375 (DOCKER_HOST)'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dcalab.errors import DcalabError, warn

DEFAULT_CONTEXT = "default"
DEFAULT_HOST = "unix:///var/run/docker.sock"
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")
SOCKET_SCHEMES = ("unix://", "npipe://", "fd://")  # no TLS over these, as in the CLI (isSocket)
# How the engine was chosen, as status names it
FROM_DOCKER_HOST, FROM_DOCKER_CONTEXT, FROM_CONFIG, FROM_DEFAULT = (
    "DOCKER_HOST", "DOCKER_CONTEXT", "the current context of", "the default socket")
_warned: set[Path] = set()  # config files already warned about


@dataclass(frozen=True)
class TlsFiles:
    """The TLS material the engine is reached with: each file None where there is none (a server-only CA, say)."""

    ca: Path | None
    cert: Path | None
    key: Path | None
    verify: bool  # check the engine's certificate (False: SkipTLSVerify, or DOCKER_TLS without DOCKER_TLS_VERIFY)


@dataclass(frozen=True)
class Endpoint:
    """Where the engine is: its host URL (unix://, tcp://, ssh://), the context that names it, why that one."""

    host: str
    context: str
    chosen_by: str  # FROM_DOCKER_HOST, FROM_DOCKER_CONTEXT, FROM_CONFIG or FROM_DEFAULT
    tls: TlsFiles | None = None
    config_file: Path | None = None  # the config.json that named the context (FROM_CONFIG)

    @property
    def is_default_socket(self) -> bool:
        """The engine dcalab may start itself: no variable or context points elsewhere."""
        return self.chosen_by == FROM_DEFAULT

    @property
    def local_socket(self) -> str | None:
        """The engine's socket path on this machine when DOCKER_HOST or the default socket names one; None for an
        engine reached otherwise, or through a context (Docker Desktop's socket leads into a VM)."""
        if self.context != DEFAULT_CONTEXT or not self.host.startswith("unix://"):
            return None
        return self.host.removeprefix("unix://")

    def describe(self) -> str:
        """The engine and how it was chosen, for status and messages."""
        secured = "" if self.tls is None else " over TLS" if self.tls.verify else " over TLS, unverified"
        if self.chosen_by == FROM_CONFIG:
            why = f"context {self.context}, {FROM_CONFIG} {self.config_file}"
        elif self.chosen_by == FROM_DOCKER_CONTEXT:
            why = f"context {self.context}, from DOCKER_CONTEXT"
        else:
            why = self.chosen_by
        return f"{self.host}{secured} ({why})"

    def how_to_leave(self) -> str:
        """How a learner goes back to the default socket, which dcalab can start an engine on."""
        if self.chosen_by == FROM_DOCKER_HOST:
            return "unset DOCKER_HOST"
        if self.chosen_by == FROM_DOCKER_CONTEXT:
            return "unset DOCKER_CONTEXT"
        return "run `docker context use default`"


def config_dir(environ: Mapping[str, str]) -> Path:
    """The docker CLI's config folder: $DOCKER_CONFIG, else ~/.docker (the CLI's config.Dir)."""
    if environ.get("DOCKER_CONFIG"):
        return Path(environ["DOCKER_CONFIG"])
    return Path(environ.get("HOME") or Path.home()) / ".docker"


def context_id(name: str) -> str:
    """The folder name of a context in the store: the sha256 of its name (the CLI's contextdirOf)."""
    return hashlib.sha256(name.encode()).hexdigest()


def _current_context(config_file: Path) -> str:
    """config.json's currentContext; as the CLI does, a config.json that cannot be read is warned about and
    the default context used."""
    try:
        config = json.loads(config_file.read_text())
    except FileNotFoundError:
        return ""
    except (OSError, ValueError) as error:
        if config_file not in _warned:  # once a run: the endpoint is resolved for each node's shell
            _warned.add(config_file)
            warn(f"the docker config {config_file} cannot be read ({error}); dcalab uses the default engine, as "
                 "docker does.")
        return ""
    current = config.get("currentContext", "") if isinstance(config, dict) else ""
    return current if isinstance(current, str) else ""


def _default_endpoint(environ: Mapping[str, str], chosen_by: str, folder: Path) -> Endpoint:
    """The default context: DOCKER_HOST or the default socket, TLS as the CLI's flags default from the
    environment (DOCKER_TLS_VERIFY or DOCKER_TLS turn it on; DOCKER_CERT_PATH, else the config folder, holds it)."""
    host = environ.get("DOCKER_HOST") or DEFAULT_HOST
    verify = bool(environ.get("DOCKER_TLS_VERIFY"))
    tls = None
    if (verify or environ.get("DOCKER_TLS")) and not host.startswith(SOCKET_SCHEMES):
        tls = _tls_files(Path(environ.get("DOCKER_CERT_PATH") or folder), verify)
    return Endpoint(host, DEFAULT_CONTEXT, chosen_by, tls)


def _tls_files(folder: Path, verify: bool) -> TlsFiles:
    ca, cert, key = (folder / name if (folder / name).is_file() else None for name in TLS_FILES)
    return TlsFiles(ca, cert, key, verify)


def _context_endpoint(name: str, chosen_by: str, folder: Path, config_file: Path | None) -> Endpoint:
    """A named context's docker endpoint and its TLS material, from the context store."""
    meta_file = folder / "contexts" / "meta" / context_id(name) / "meta.json"
    try:
        meta = json.loads(meta_file.read_text())
    except FileNotFoundError:
        named_by, choose = (f"the current context of {config_file}", "docker context use NAME") if config_file else (
            "DOCKER_CONTEXT", "export DOCKER_CONTEXT=NAME, or unset DOCKER_CONTEXT")
        raise DcalabError(
            f"The docker context {name} ({named_by}) does not exist in {folder / 'contexts'}.",
            f"See the contexts with `docker context ls`, then choose one: {choose}",
        ) from None
    except (OSError, ValueError) as error:
        raise DcalabError(f"The docker context {name} cannot be read from {meta_file} ({error}).",
                          f"Check it (docker context inspect {name}) or choose another: docker context ls") from None
    docker_endpoint = (meta.get("Endpoints") or {}).get("docker") if isinstance(meta, dict) else None
    if not isinstance(docker_endpoint, dict):
        raise DcalabError(f"The docker context {name} has no Docker engine endpoint ({meta_file}).",
                          "Choose a context that has one: docker context ls")
    host = docker_endpoint.get("Host") or DEFAULT_HOST
    skip_verify = bool(docker_endpoint.get("SkipTLSVerify"))
    tls = None
    if not host.startswith(SOCKET_SCHEMES):
        files = _tls_files(folder / "contexts" / "tls" / context_id(name) / "docker", not skip_verify)
        if files.ca or files.cert or files.key or skip_verify:  # the CLI: TLS when there is material or a skip
            tls = files
    return Endpoint(host, name, chosen_by, tls, config_file)


def resolve_endpoint(environ: Mapping[str, str] | None = None) -> Endpoint:
    """The engine the docker CLI would use in this environment (docker/cli's resolveContextName order)."""
    environ = os.environ if environ is None else environ
    folder = config_dir(environ)
    if environ.get("DOCKER_HOST"):
        return _default_endpoint(environ, FROM_DOCKER_HOST, folder)
    name, chosen_by, config_file = environ.get("DOCKER_CONTEXT", ""), FROM_DOCKER_CONTEXT, None
    if not name:
        config_file = folder / "config.json"
        name, chosen_by = _current_context(config_file), FROM_CONFIG
    if not name or name == DEFAULT_CONTEXT:
        return _default_endpoint(environ, FROM_DEFAULT, folder)
    return _context_endpoint(name, chosen_by, folder, config_file)
