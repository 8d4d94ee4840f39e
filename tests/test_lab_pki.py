"""The lab CA signs only for the lab; the hub's certificate is short-lived and renewed under the same CA."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from dcalab import pki as lab_pki
from dcalab.errors import DcalabError
from dcalab.pki import HUB_DAYS, LabPki, ensure_lab_pki, issue, needs_renewal, validity
from tests.clocks import TwentyOneDaysLater


@pytest.fixture
def pki(tmp_path, monkeypatch) -> LabPki:
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path / "state"))
    return ensure_lab_pki()


@pytest.fixture(scope="module")
def shared_pki(tmp_path_factory) -> LabPki:
    """One lab CA for the tests that only sign and verify with it (RSA keys take a while to make)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DCALAB_STATE", str(tmp_path_factory.mktemp("state")))
        return ensure_lab_pki()


def openssl(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)


def signed_for(pki: LabPki, san: str) -> subprocess.CompletedProcess:
    """`openssl verify` of a server certificate for san (e.g. DNS:x.example) that the lab CA signed."""
    folder = pki.ca_cert.parent
    (folder / "other.ext").write_text(f"subjectAltName = {san}\n")
    assert openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                   "/CN=other", "-keyout", "other.key", "-out", "other.csr", cwd=folder).returncode == 0
    assert openssl("x509", "-req", "-in", "other.csr", "-CA", "lab-ca.crt", "-CAkey", "lab-ca.key",
                   "-CAcreateserial", "-days", "1", "-extfile", "other.ext", "-out", "other.crt",
                   cwd=folder).returncode == 0
    return openssl("verify", "-CAfile", "lab-ca.crt", "other.crt", cwd=folder)


@pytest.mark.parametrize("san", ["DNS:registry-1.docker.io", "DNS:hub.docker-dca.example",
                                 "DNS:registry.docker-dca.example", "DNS:docker-dca.example",
                                 "IP:10.10.10.2", "IP:10.10.10.1"])
def test_a_certificate_for_the_lab_verifies(shared_pki, san) -> None:
    verified = signed_for(shared_pki, san)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize("san", ["DNS:evil.example", "DNS:docker.io", "DNS:index.docker.io",
                                 "DNS:docker-dca.example.evil.example", "IP:10.10.11.2", "IP:127.0.0.1"])
def test_a_certificate_for_another_name_fails_verification(shared_pki, san) -> None:
    verified = signed_for(shared_pki, san)
    assert verified.returncode != 0
    assert "permitted subtree violation" in verified.stdout + verified.stderr


def test_the_hub_certificate_verifies_and_lives_thirty_days(shared_pki) -> None:
    folder = shared_pki.ca_cert.parent
    verified = openssl("verify", "-CAfile", "lab-ca.crt", "-purpose", "sslserver", "hub.crt", cwd=folder)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    start, end = validity(shared_pki.hub_cert)
    assert end - start == timedelta(days=HUB_DAYS)
    assert abs(start - datetime.now(UTC)) < timedelta(minutes=5)


def test_the_ca_refuses_to_issue_for_another_name(shared_pki) -> None:
    with pytest.raises(DcalabError, match="permitted subtree violation"):
        issue(shared_pki.ca_cert.parent, "evil", ["evil.example"], [], 1)


def test_renewal_once_a_third_of_the_lifetime_is_left() -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    end = start + timedelta(days=30)
    assert not needs_renewal(start, end, start)
    assert not needs_renewal(start, end, start + timedelta(days=20))  # 10 days left: a third, not less
    assert needs_renewal(start, end, start + timedelta(days=20, seconds=1))
    assert needs_renewal(start, end, end + timedelta(days=1))
    assert needs_renewal(start, end, start - timedelta(days=1))  # not valid yet: a clock that went back


def test_up_renews_a_hub_certificate_near_its_end_under_the_same_ca(pki, monkeypatch) -> None:
    ca, hub = pki.ca_cert.read_bytes(), pki.hub_cert.read_bytes()
    assert ensure_lab_pki() == pki and pki.hub_cert.read_bytes() == hub  # not renewed while two thirds are left

    monkeypatch.setattr(lab_pki, "datetime", TwentyOneDaysLater)
    ensure_lab_pki()
    assert pki.hub_cert.read_bytes() != hub
    assert pki.ca_cert.read_bytes() == ca


def test_a_ca_made_without_constraints_is_made_anew_with_a_warning(pki, capsys) -> None:
    ca = pki.ca_cert.read_bytes()
    (pki.ca_cert.parent / "lab-ca.cnf").unlink()  # as a CA made before the constraints
    ensure_lab_pki()
    assert pki.ca_cert.read_bytes() != ca
    assert "dcalab cluster reset" in capsys.readouterr().err
    verified = openssl("verify", "-CAfile", "lab-ca.crt", "hub.crt", cwd=pki.ca_cert.parent)
    assert verified.returncode == 0, verified.stdout + verified.stderr
