"""The lab CA and the hub's certificate, made once with openssl and kept in the state directory.

Nodes trust the lab CA through their system store, so the hub can answer as registry-1.docker.io.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from dcalab.engine import ensure_packages
from dcalab.errors import DcalabError
from dcalab.settings import state_dir


@dataclass(frozen=True)
class LabPki:
    ca_cert: Path
    hub_cert: Path
    hub_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise DcalabError(f"openssl {args[0]} failed while making the lab CA: {done.stderr.strip()[-300:]}")


def ensure_lab_pki(hub_names: list[str], hub_ip: str) -> LabPki:
    """The lab CA and a hub certificate for hub_names; remade only if missing or the names changed."""
    ensure_packages({"/usr/bin/openssl": "openssl"})
    folder = state_dir() / "pki"
    folder.mkdir(exist_ok=True)
    pki = LabPki(folder / "lab-ca.crt", folder / "hub.crt", folder / "hub.key")
    if not pki.ca_cert.exists():
        _openssl(
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=dcalab lab CA",
            "-keyout",
            "lab-ca.key",
            "-out",
            "lab-ca.crt",
            cwd=folder,
        )
    san = ",".join([*(f"DNS:{name}" for name in hub_names), f"IP:{hub_ip}", "IP:127.0.0.1"])
    san_file = folder / "hub.san"
    if not pki.hub_cert.exists() or not san_file.exists() or san_file.read_text() != san:
        (folder / "hub.ext").write_text(f"subjectAltName={san}\n")
        _openssl(
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            f"/CN={hub_names[0]}",
            "-keyout",
            "hub.key",
            "-out",
            "hub.csr",
            cwd=folder,
        )
        _openssl(
            "x509",
            "-req",
            "-in",
            "hub.csr",
            "-CA",
            "lab-ca.crt",
            "-CAkey",
            "lab-ca.key",
            "-CAcreateserial",
            "-days",
            "3650",
            "-extfile",
            "hub.ext",
            "-out",
            "hub.crt",
            cwd=folder,
        )
        san_file.write_text(san)
    return pki


def ensure_lab_ssh_key() -> Path:
    """The lab's SSH key pair (private key path returned); its public half is root's key on every node."""
    ensure_packages({"/usr/bin/ssh-keygen": "openssh-client"})
    folder = state_dir() / "ssh"
    folder.mkdir(exist_ok=True)
    key = folder / "id_ed25519"
    if not key.exists():
        done = subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dcalab lab key", "-f", str(key)],
                              capture_output=True, text=True)
        if done.returncode:
            raise DcalabError(f"ssh-keygen failed while making the lab SSH key: {done.stderr.strip()}")
    return key
