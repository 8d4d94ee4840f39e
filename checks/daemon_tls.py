"""The Docker daemon reached over TCP with TLS, asked from another node as a remote client would: with the docker
client and its certificates, and with curl holding none. Keys never leave the nodes.

>>> accepts_client(host("worker1"), "master.docker-dca.example:2376").passed
"""

from __future__ import annotations

from checks import Verdict, certificates, verdict

TIMEOUT = 10  # seconds a remote daemon has to answer


def server_certificate(host, ca: str, certificate: str, names: list[str]) -> Verdict:
    """Signed by the CA, with every name (DNS:..., IP Address:...) in its subjectAltName."""
    signed = certificates.signed_by(host, ca, certificate)
    expected = f"{certificate} signed by {ca}, naming {', '.join(names)}"
    if not signed.passed:
        return verdict(False, expected, signed.found)
    found = certificates.alt_names(host, certificate) or []
    lacking = [name for name in names if name not in found]
    return verdict(not lacking, expected, f"its subjectAltName holds {', '.join(found) or 'nothing'}"
                   + (f"; it lacks {', '.join(lacking)}" if lacking else ""))


def accepts_client(client, address: str) -> Verdict:
    """The docker client on `client`, with --tlsverify and its default certificates (~/.docker), reaches the daemon
    at address (host:port)."""
    result = client.run("timeout %s docker --tlsverify -H tcp://%s version --format '{{.Server.Version}}'",
                        str(TIMEOUT), address)
    said = " / ".join((result.stderr or result.stdout).strip().splitlines())
    return verdict(result.rc == 0 and bool(result.stdout.strip()),
                   f"docker --tlsverify -H tcp://{address} answers, with the client certificate in ~/.docker",
                   f"the daemon answers: Docker {result.stdout.strip()}" if result.rc == 0 else
                   f"docker says: {said[-300:]}")


def refuses_without_certificate(client, address: str) -> Verdict:
    """The daemon at address speaks TLS and ends a connection that shows no client certificate; one that answers
    it, or answers plain HTTP, or is not there, fails."""
    expected = f"{address} refuses a TLS client without a certificate"
    tls = client.run("curl -sSk -m %s -o /dev/null -w '%%{http_code}' https://%s/version", str(TIMEOUT), address)
    if tls.rc == 0:
        return verdict(False, expected, f"it answered HTTP {tls.stdout.strip()} over TLS to a client without a "
                                        "certificate (TLS without tlsverify)")
    said = tls.stderr.strip()
    if tls.rc in (7, 28):  # could not connect / timed out
        return verdict(False, expected, f"nothing answers on {address}: {said[-200:]}")
    plain = client.run("curl -s -m %s -o /dev/null -w '%%{http_code}' http://%s/version", str(TIMEOUT), address)
    if plain.rc == 0 and plain.stdout.strip() == "200":
        return verdict(False, expected, "it answers plain HTTP, without TLS")
    refused = "alert" in said or "certificate" in said
    return verdict(refused, expected, f"curl says: {said[-200:]}")


def listens_on(host, port: int) -> Verdict:
    """A TCP socket listening on every address of the node on `port`."""
    result = host.run("ss -Hltn sport = :%s", str(port))
    local = sorted({line.split()[3] for line in result.stdout.splitlines() if len(line.split()) > 3})
    everywhere = any(address.rsplit(":", 1)[0] in ("0.0.0.0", "*", "[::]") for address in local)
    return verdict(everywhere, f"a listener on 0.0.0.0:{port}",
                   f"listening on {', '.join(local)}" if local else f"nothing listens on port {port}")
