"""Task certificates: /root/certs on registry holds a CA and a certificate it signed for the registry's name (in
the subjectAltName), with its key."""

from checks import certificates, run_or_raise

TASK = "certificates"
FOLDER = "/root/certs"
NAME = "registry.docker-dca.example"
MAKE = (f"mkdir -p {FOLDER} && cd {FOLDER} && openssl req -x509 -newkey rsa:2048 -nodes -days 365 "
        "-subj '/CN=DCA lab CA' "
        "-keyout ca.key -out ca.crt 2>/dev/null && openssl req -newkey rsa:2048 -nodes -subj '/CN={name}' "
        "-keyout registry.key -out registry.csr 2>/dev/null && printf 'subjectAltName=DNS:{name}\\n' > san.ext "
        "&& openssl x509 -req -in registry.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile san.ext "
        "-out registry.crt 2>/dev/null").replace("{name}", NAME)


def test_certificates(task) -> None:
    registry = task.host("registry")
    ca, certificate, key = (f"{FOLDER}/{name}" for name in ("ca.crt", "registry.crt", "registry.key"))

    def checks() -> dict:
        return {"signed-by-ca": certificates.signed_by(registry, ca, certificate),
                "san": certificates.names(certificates.alt_names(registry, certificate), certificate, NAME),
                "key-matches": certificates.key_matches(registry, certificate, key)}

    if task.solving and not all(found.passed for found in checks().values()):  # the learner's files kept aside
        run_or_raise(registry, f"[ ! -e {FOLDER} ] || mv {FOLDER} {FOLDER}.before-solve-$(date +%Y%m%d-%H%M%S); "
                               f"{MAKE}")
    task.grade(checks())
