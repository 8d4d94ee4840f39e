"""Checks reading what real tools print on a node, for states no lab's solve or mistake list makes."""

from __future__ import annotations

from checks import certificates
from dcalab.backends.embedded import EmbeddedCluster

NAME = "registry.docker-dca.example"


def test_a_certificate_naming_only_an_address_is_said_so(embedded: EmbeddedCluster) -> None:
    """A subjectAltName holding only an IP address is not "no subjectAltName": the check lists what it holds."""
    node = embedded.host("registry")
    folder = node.check_output("mktemp -d")
    try:
        node.check_output(f"cd {folder} && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN={NAME}' "
                          "-addext subjectAltName=IP:10.10.10.130 -keyout ip.key -out ip.crt 2>/dev/null")
        found = certificates.names(certificates.alt_names(node, f"{folder}/ip.crt"), f"{folder}/ip.crt", NAME)
        assert not found.passed
        assert found.found == f"its subjectAltName holds IP Address:10.10.10.130, not DNS:{NAME}", found.found
        node.check_output(f"cd {folder} && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN={NAME}' "
                          f"-addext subjectAltName=DNS:{NAME},IP:10.10.10.130 -keyout both.key -out both.crt "
                          "2>/dev/null")
        assert certificates.names(certificates.alt_names(node, f"{folder}/both.crt"), "both.crt", NAME).passed
    finally:
        node.run("rm -rf %s", folder)
