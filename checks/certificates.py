"""TLS certificates on a node, read with openssl there: who signed them, the names they carry, their key.
A private key never leaves the node: only whether it matches is reported.

>>> signed_by(host("registry"), "/root/certs/ca.crt", "/root/certs/registry.crt").passed
"""

from __future__ import annotations

from checks import Verdict, verdict


def missing(host, *paths: str) -> list[str]:
    """Those of the files that are not on the node."""
    return host.run("for f in " + "%s " * len(paths) + "; do [ -e \"$f\" ] || echo \"$f\"; done", *paths).stdout.split()


def signed_by(host, ca: str, certificate: str) -> Verdict:
    absent = missing(host, ca, certificate)
    if absent:
        return verdict(False, f"{certificate} signed by {ca}", f"there is no {' and no '.join(absent)}")
    result = host.run("openssl verify -CAfile %s %s", ca, certificate)
    said = (result.stdout + result.stderr).strip().splitlines()
    return verdict(result.rc == 0, f"{certificate} signed by {ca}",
                   "openssl verify says OK" if result.rc == 0 else f"openssl verify says: {' / '.join(said)[-200:]}")


def alt_names(host, certificate: str) -> list[str] | None:
    """The certificate's subjectAltName entries as openssl shows them (`DNS:name`, `IP Address:address`; [] without
    one), or None when it cannot be read."""
    result = host.run("openssl x509 -in %s -noout -ext subjectAltName", certificate)
    if result.rc != 0:
        return None
    return [name.strip() for line in result.stdout.splitlines()[1:] for name in line.split(",") if name.strip()]


def names(found: list[str] | None, certificate: str, name: str) -> Verdict:
    """The DNS name in the subjectAltName; what it holds instead (names and addresses) is said."""
    expected = f"{certificate} names {name} in its subjectAltName"
    if found is None:
        return verdict(False, expected, f"{certificate} is missing or not a certificate")
    if not found:
        return verdict(False, expected, "it has no subjectAltName (only a CN, which clients no longer match)")
    has = f"DNS:{name}" in found
    return verdict(has, expected, f"its subjectAltName holds {', '.join(found)}" + ("" if has else f", not DNS:{name}"))


def key_matches(host, certificate: str, key: str) -> Verdict:
    """The key's public half is the certificate's: compared by digest on the node."""
    result = host.run("a=$(openssl x509 -noout -pubkey -in %s) && b=$(openssl pkey -pubout -in %s) "
                      "&& [ -n \"$a\" ] && [ \"$a\" = \"$b\" ]", certificate, key)
    return verdict(result.rc == 0, f"{key} is the key of {certificate}",
                   "it is" if result.rc == 0 else "it is not (or one of the files is missing or unreadable)")


def digest(host, path: str) -> str | None:
    """The sha256 of a file on the node (to compare copies of a public certificate across nodes), or None."""
    result = host.run("sha256sum < %s", path)
    return result.stdout.split()[0] if result.rc == 0 else None
