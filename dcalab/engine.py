"""The host Docker engine: use the one the docker CLI would (dcalab.endpoint) when it answers, or install and start
Debian's as root on the default socket.

dcalab stops only an engine it started itself (recorded in the state directory: dcalab.daemons).
"""

from __future__ import annotations

import grp
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import docker
from docker.errors import DockerException
from docker.tls import TLSConfig

from dcalab import runc_wrapper
from dcalab.daemons import record, stop_recorded
from dcalab.endpoint import DEFAULT_HOST, Endpoint, resolve_endpoint
from dcalab.errors import DcalabError, as_root
from dcalab.progress import step
from dcalab.settings import state_dir, write_whole

WRAPPER_RUNTIME = "dcalab-runc"
WRAPPER_FOLDER = Path("/usr/local/lib/dcalab")  # root's alone, unlike the venv and the state folder
ENGINE_START_TIMEOUT = 60


def engine_client(endpoint: Endpoint, timeout: int = 120) -> docker.DockerClient:
    """A client of the endpoint with its TLS material; making it asks the engine its API version, so an engine
    that does not answer raises DockerException here."""
    files, tls = endpoint.tls, False
    if files is not None:
        client_cert = (str(files.cert), str(files.key)) if files.cert and files.key else None
        tls = TLSConfig(client_cert=client_cert, ca_cert=str(files.ca) if files.ca else None, verify=files.verify)
    # ssh:// through the ssh program, as the docker CLI does: the learner's ssh_config and agent apply
    return docker.DockerClient(base_url=endpoint.host, tls=tls, timeout=timeout,
                               use_ssh_client=endpoint.host.startswith("ssh://"))


def answering_client(endpoint: Endpoint | None = None) -> docker.DockerClient | None:
    """A client of the engine the docker CLI would use (or `endpoint`), if it answers."""
    try:
        client = engine_client(endpoint or resolve_endpoint())
        client.ping()
        return client
    except DockerException:
        return None


def unanswered(endpoint: Endpoint) -> DcalabError | None:
    """Why no engine answers at the endpoint, where dcalab cannot start one, as one sentence with its fix; None on
    the default socket as root, where dcalab may start Debian's dockerd."""
    socket = Path(endpoint.host.removeprefix("unix://")) if endpoint.host.startswith("unix://") else None
    if socket and socket.exists() and not os.access(socket, os.R_OK | os.W_OK):
        group = _group_of(socket)
        return DcalabError(
            f"The Docker engine at {endpoint.describe()} lets in only root and the members of its group ({group}), "
            "and you are neither.",
            f"Join that group (sudo usermod -aG {group} $USER, then log in again) or run dcalab as root.",
        )
    if not endpoint.is_default_socket:
        return DcalabError(f"The Docker engine at {endpoint.describe()} does not answer.",
                           f"Start that engine, or {endpoint.how_to_leave()} to let dcalab start a local one.")
    if os.geteuid() != 0:
        return DcalabError(f"No Docker engine answers at {DEFAULT_HOST}, and dcalab can start one only when run as "
                           "root.", f"Start Docker (sudo systemctl start docker) or run: {as_root('cluster up')}")
    return None


def _group_of(path: Path) -> str:
    try:
        return grp.getgrgid(path.stat().st_gid).gr_name
    except (KeyError, OSError):
        return "docker"


def ensure_packages(binaries: dict[str, str]) -> None:
    """Install with apt the Debian package of each missing binary (binary path -> package)."""
    missing = sorted({package for binary, package in binaries.items() if not Path(binary).exists()})
    if not missing:
        return
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        raise DcalabError(
            f"dcalab needs the Debian packages {', '.join(missing)}, and can install them only as root on Debian.",
            f"Install them yourself (sudo apt-get install {' '.join(missing)}) or run dcalab as root.",
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with step(f"Installing {', '.join(missing)} with apt"):
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        ):
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            if done.returncode:
                last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
                raise DcalabError(
                    f"`{' '.join(command)}` failed ({last[0]}) while installing {', '.join(missing)}.",
                    "Check the machine's apt sources and network, then run the same command again.",
                )


def needs_runc_wrapper() -> bool:
    """True where the capability bounding set lacks a capability that --privileged asks for."""
    last_cap = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    missing = runc_wrapper.missing_capabilities(Path("/proc/self/status").read_text())
    known = {f"CAP_{name}" for name in runc_wrapper.CAPABILITY_NAMES[: last_cap + 1]}
    return bool(missing & known)


def only_root_can_change(path: Path) -> bool:
    """True when no user but root can change or replace `path`: it and every folder above it belong to root and
    no one else may write them, but for sticky folders like /tmp, where only root may replace root's entries."""
    path = path.resolve()
    for place in (path, *path.parents):
        info = place.stat()
        sheltered = place != path and info.st_mode & stat.S_ISVTX
        if info.st_uid != 0 or (info.st_mode & 0o022 and not sheltered):
            return False
    return True


def install_runc_wrapper() -> Path:
    """The runc wrapper as root's own 0755 file, written whole: dockerd runs it as root for every container, so
    neither it nor its Python may live where a user can write (the venv, the state folder), and that Python runs
    isolated (-I: no PYTHON* variables, no user site-packages, not the script's folder on sys.path) and without
    the site module (-S: the wrapper needs only the standard library, and site's start-up is most of the 30 ms
    it would add to every container start and `docker exec`, a grade's shells included)."""
    python = Path(sys.executable).resolve()  # the venv's python is a link that the venv's owner may repoint
    if not only_root_can_change(python):
        raise DcalabError(
            f"dockerd would run the runc wrapper with {python} as root, and users other than root can change it.",
            "Make dcalab's venv from the system's Python: /usr/bin/python3 -m venv .venv",
        )
    WRAPPER_FOLDER.mkdir(mode=0o755, parents=True, exist_ok=True)
    if not only_root_can_change(WRAPPER_FOLDER):
        raise DcalabError(
            f"dockerd would run the runc wrapper from {WRAPPER_FOLDER} as root, and users other than root can "
            "change that folder or one above it.",
            f"Give it to root alone: chown root:root {WRAPPER_FOLDER} && chmod 755 {WRAPPER_FOLDER}",
        )
    wrapper = WRAPPER_FOLDER / "runc-wrapper"
    write_whole(wrapper, f"#!{python} -IS\n" + Path(runc_wrapper.__file__).read_text(), mode=0o755)
    return wrapper


def dockerd_command(runc_wrapper_path: Path | None) -> list[str]:
    """dockerd's argv. Its data root, exec root, socket and pidfile stay its defaults: dockerd refuses to start
    while /var/run/docker.pid names a running daemon, its own guard against two daemons on one data root, so
    dcalab records the PID it started apart (dcalab.daemons) instead of moving that pidfile."""
    command = ["dockerd"]
    if runc_wrapper_path:
        command += ["--add-runtime", f"{WRAPPER_RUNTIME}={runc_wrapper_path}", "--default-runtime", WRAPPER_RUNTIME]
    return command


def ensure_engine() -> docker.DockerClient:
    """A client of the engine the docker CLI would use, starting Debian's dockerd on the default socket as root
    when none answers there."""
    endpoint = resolve_endpoint()
    client = answering_client(endpoint)
    if client:
        return client
    problem = unanswered(endpoint)
    if problem:
        raise problem
    ensure_packages({"/usr/sbin/dockerd": "docker.io", "/usr/sbin/iptables": "iptables"})
    command = dockerd_command(install_runc_wrapper() if needs_runc_wrapper() else None)
    with step("Starting the Docker engine"):
        with open(state_dir() / "dockerd.log", "ab") as log:  # dockerd keeps its own copy of the fd
            process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        record("dockerd", process.pid)
        deadline = time.monotonic() + ENGINE_START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise DcalabError(
                    f"dockerd exited with status {process.returncode} right after starting.",
                    f"Read {state_dir() / 'dockerd.log'} for the reason.",
                )
            client = answering_client(endpoint)
            if client:
                return client
            time.sleep(0.3)
    raise DcalabError(
        f"dockerd did not answer within {ENGINE_START_TIMEOUT} s.",
        f"Read {state_dir() / 'dockerd.log'}, then run: dcalab cluster down --engine",
    )


def stop_engine() -> bool:
    """Stop the dockerd dcalab started; returns False when there is none (others are left alone)."""
    return stop_recorded("dockerd", "Stopping the Docker engine dcalab started")
