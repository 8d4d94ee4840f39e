"""The lab hub on the real engine: its certificate renewed without restarting the nodes' docker."""

from __future__ import annotations

from datetime import datetime, timedelta

from dcalab import hub
from dcalab import pki as lab_pki
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.topology import topology

NODES = [node.name for node in topology().nodes]


class TwentyOneDaysLater(datetime):
    """The clock of a `cluster up` 21 days after the hub's certificate was issued: 9 of its 30 days left."""

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + timedelta(days=21)


def test_up_renews_the_hub_certificate_and_the_nodes_pull_without_a_restart(embedded: EmbeddedCluster,
                                                                            monkeypatch) -> None:
    client = embedded.client
    before = hub.hub_container(client)
    volume_made = client.volumes.get(hub.HUB_VOLUME).attrs["CreatedAt"]
    dockerds = {node: embedded.host(node).check_output("pidof dockerd") for node in NODES}
    certificate = lab_pki.ensure_lab_pki().hub_cert
    issued = certificate.read_bytes()

    monkeypatch.setattr(lab_pki, "datetime", TwentyOneDaysLater)
    embedded.up()

    after = hub.hub_container(client)
    assert certificate.read_bytes() != issued
    assert after.id != before.id and after.labels[hub.CERT_LABEL] != before.labels[hub.CERT_LABEL]
    assert after.labels[hub.SEEDED_LABEL] == before.labels[hub.SEEDED_LABEL]
    assert client.volumes.get(hub.HUB_VOLUME).attrs["CreatedAt"] == volume_made  # not filled again
    for node in NODES:
        host = embedded.host(node)
        assert host.check_output("pidof dockerd") == dockerds[node], f"docker restarted on {node}"
        pulled = host.run("docker pull -q busybox")
        assert pulled.rc == 0, f"{node}: {pulled.stderr}"
