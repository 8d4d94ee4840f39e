"""The lab CA and the hub's certificate, made with openssl and kept in the state directory.

Nodes trust the lab CA through their system store, so the hub can answer as registry-1.docker.io. Every node
trusts it, so it may sign only for the lab (name constraints: the lab domain, the hub's names, the lab subnet).
The hub's certificate lives 30 days and is renewed by `cluster up` once a third of that is left; the CA stays,
so the nodes trust the new one without a restart of their docker.
"""

from __future__ import annotations

import ipaddress
import subprocess
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dcalab.engine import ensure_packages
from dcalab.errors import DcalabError, warn
from dcalab.settings import state_dir
from dcalab.topology import topology

CA_DAYS = 3650
HUB_DAYS = 30
MAKING_KEYS = threading.Lock()


@dataclass(frozen=True)
class LabPki:
    ca_cert: Path
    hub_cert: Path
    hub_key: Path


def _openssl(*args: str, cwd: Path) -> str:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise DcalabError(
            f"openssl {args[0]} failed while making the lab CA: {(done.stderr or done.stdout).strip()[-300:]}",
            f"Remove the lab CA to have it made anew (rm -r {cwd}), then run: dcalab cluster up",
        )
    return done.stdout


def hub_names() -> list[str]:
    """The names the hub answers to: first the one it stands in for (registry-1.docker.io), then its lab name."""
    topo = topology()
    return list(dict.fromkeys([*topo.hub_aliases, topo.hub_fqdn]))


def ca_config() -> str:
    """The lab CA's openssl config: a CA for the lab's names and addresses only, with no CA below it."""
    topo = topology()
    domains = [topo.domain, *(name for name in hub_names() if not name.endswith(f".{topo.domain}"))]
    subnet = ipaddress.ip_network(topo.subnet)
    permitted = [*(f"permitted;DNS:{domain}" for domain in domains),
                 f"permitted;IP:{subnet.network_address}/{subnet.netmask}"]
    return (
        "[req]\nprompt = no\ndistinguished_name = subject\nx509_extensions = lab_ca\n"
        "[subject]\nCN = dcalab lab CA\n"
        "[lab_ca]\nbasicConstraints = critical,CA:TRUE,pathlen:0\nkeyUsage = critical,keyCertSign,cRLSign\n"
        f"subjectKeyIdentifier = hash\nnameConstraints = critical,{','.join(permitted)}\n"
    )


def server_extensions(names: list[str], addresses: list[str]) -> str:
    """The extensions of a server certificate the lab CA signs (openssl -extfile)."""
    san = ",".join([*(f"DNS:{name}" for name in names), *(f"IP:{address}" for address in addresses)])
    return f"basicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\nsubjectAltName = {san}\n"


def needs_renewal(not_before: datetime, not_after: datetime, now: datetime) -> bool:
    """True once less than a third of a certificate's lifetime is left (or it is not valid yet)."""
    return now < not_before or not_after - now < (not_after - not_before) / 3


def validity(cert: Path) -> tuple[datetime, datetime]:
    """A certificate's notBefore and notAfter."""
    lines = _openssl("x509", "-in", cert.name, "-noout", "-startdate", "-enddate", cwd=cert.parent).splitlines()
    dates = dict(line.split("=", 1) for line in lines)  # notAfter=Dec  1 14:00:00 2026 GMT
    start, end = (datetime.strptime(dates[key], "%b %d %H:%M:%S %Y GMT").replace(tzinfo=UTC)
                  for key in ("notBefore", "notAfter"))
    return start, end


def issue(folder: Path, stem: str, names: list[str], addresses: list[str], days: int) -> None:
    """A key and a server certificate signed by the lab CA in folder (stem.key, stem.crt), checked against the
    CA's name constraints before it is used."""
    (folder / f"{stem}.ext").write_text(server_extensions(names, addresses))
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={names[0]}",
             "-keyout", f"{stem}.key", "-out", f"{stem}.csr", cwd=folder)
    _openssl("x509", "-req", "-in", f"{stem}.csr", "-CA", "lab-ca.crt", "-CAkey", "lab-ca.key", "-CAcreateserial",
             "-days", str(days), "-extfile", f"{stem}.ext", "-out", f"{stem}.crt", cwd=folder)
    _openssl("verify", "-CAfile", "lab-ca.crt", "-purpose", "sslserver", f"{stem}.crt", cwd=folder)


def ensure_lab_pki() -> LabPki:
    """The lab CA (made anew when its constraints change) and the hub's certificate (issued anew when missing,
    when its names or the CA change, or when a third of its lifetime is left)."""
    ensure_packages({"/usr/bin/openssl": "openssl"})
    folder = state_dir() / "pki"
    folder.mkdir(mode=0o700, exist_ok=True)
    pki = LabPki(folder / "lab-ca.crt", folder / "hub.crt", folder / "hub.key")
    config, made_from = ca_config(), folder / "lab-ca.cnf"  # written last: the CA is whole once it matches
    ca_is_current = pki.ca_cert.exists() and made_from.exists() and made_from.read_text() == config
    if not ca_is_current:
        (folder / "lab-ca.cnf.new").write_text(config)
        _openssl("req", "-x509", "-config", "lab-ca.cnf.new", "-newkey", "rsa:2048", "-nodes", "-days", str(CA_DAYS),
                 "-keyout", "lab-ca.key.new", "-out", "lab-ca.crt.new", cwd=folder)
        replaced = pki.ca_cert.exists()
        for name in ("lab-ca.key", "lab-ca.crt", "lab-ca.cnf"):
            (folder / f"{name}.new").replace(folder / name)
        if replaced:
            warn("The lab CA was made anew, for the lab's names and addresses only; nodes made before trust the old "
                 "one and cannot pull from the lab hub until they are made anew: dcalab cluster reset")
    topo = topology()
    wanted, issued_for = server_extensions(hub_names(), [topo.hub_ip]), folder / "hub.issued"
    if (not ca_is_current or not pki.hub_cert.exists() or not issued_for.exists()
            or issued_for.read_text() != wanted or needs_renewal(*validity(pki.hub_cert), datetime.now(UTC))):
        issued_for.unlink(missing_ok=True)  # until the new key and certificate are both written
        issue(folder, "hub", hub_names(), [topo.hub_ip], HUB_DAYS)
        issued_for.write_text(wanted)
    return pki


def ensure_lab_ssh_key() -> Path:
    """The lab's SSH key pair (private key path returned); its public half is root's key on every node of the default
    cluster (the node image's authorized_keys)."""
    return _ensure_ssh_key(state_dir() / "ssh", "dcalab lab key")


def cluster_ssh_key(name: str) -> Path:
    """The SSH key pair of a cluster (private key path returned): the lab's for the default cluster (""), a named
    cluster's own for it, kept in its own folder of the state (clusters/NAME/ssh) and made on first use. A named
    cluster's nodes take only its own key (EmbeddedCluster), so one learner's key opens no other learner's nodes."""
    if not name:
        return ensure_lab_ssh_key()
    folder = state_dir() / "clusters" / name
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return _ensure_ssh_key(folder / "ssh", f"dcalab cluster {name} key")


def _ensure_ssh_key(folder: Path, comment: str) -> Path:
    ensure_packages({"/usr/bin/ssh-keygen": "openssh-client"})
    folder.mkdir(mode=0o700, exist_ok=True)
    key = folder / "id_ed25519"
    with MAKING_KEYS:  # a cluster's nodes are made in parallel: one ssh-keygen, never one over another's key
        if key.exists():
            return key
        done = subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode:
        raise DcalabError(f"ssh-keygen failed while making the SSH key {key}: {done.stderr.strip()}",
                          f"Remove what is left of it (rm -f {key} {key}.pub), then run the command again.")
    return key
