"""The lab hub on the real engine: its certificate renewed without restarting the nodes' docker, and a seeding
that another writer reached refused."""

from __future__ import annotations

import contextlib

import pytest
from docker.errors import NotFound

from dcalab import hub
from dcalab import pki as lab_pki
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.errors import DcalabError
from dcalab.images import HubImage
from dcalab.images.bases import BUSYBOX_TAG
from dcalab.labnet import LABELS
from dcalab.topology import topology
from tests.clocks import TwentyOneDaysLater

pytestmark = pytest.mark.engine_wide  # changes what every cluster on the engine shares: run alone (.ci/cluster-session)

NODES = [node.name for node in topology().nodes]


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


def test_a_tag_another_writer_pushes_while_seeding_is_refused(embedded: EmbeddedCluster, monkeypatch) -> None:
    client = embedded.client
    monkeypatch.setattr(hub, "HUB_VOLUME", "dcalab-test-hub-data")  # not the running hub's storage
    monkeypatch.setattr(hub, "SEED_CONTAINER", "dcalab-test-hub-seed")
    monkeypatch.setattr(hub, "SEEDED_VOLUME", "dcalab-test-hub-seeded")
    busybox = HubImage("busybox", ("latest",), BUSYBOX_TAG)
    push = hub._push

    def push_and_intrude(engine, repository: str, tag: str) -> str:
        digest = push(engine, repository, tag)
        intruder = repository.rsplit("/", 1)[0] + "/ubuntu"  # another user on 127.0.0.1, meanwhile
        engine.images.get(BUSYBOX_TAG).tag(intruder, "latest")
        try:
            push(engine, intruder, "latest")
        finally:
            engine.images.remove(f"{intruder}:latest", noprune=True)
        return digest

    try:
        monkeypatch.setattr(hub, "_push", push_and_intrude)
        with pytest.raises(DcalabError, match=r"library/ubuntu:latest.*something else wrote"):
            hub.seed(client, [busybox], LABELS, "digest-1")
        assert hub.kept_seed(client) == ""  # refused storage is never marked seeded
        monkeypatch.setattr(hub, "_push", push)
        hub.seed(client, [busybox], LABELS, "digest-2")  # a new volume: the intruder's tag is gone
        volume = client.volumes.get("dcalab-test-hub-data")
        assert volume.attrs["Labels"]["org.dcalab.cluster"] == "embedded"
        assert hub.kept_seed(client) == "digest-2"
    finally:
        for name in ("dcalab-test-hub-data", "dcalab-test-hub-seeded"):
            with contextlib.suppress(NotFound):
                client.volumes.get(name).remove(force=True)
    assert client.containers.list(all=True, filters={"name": "dcalab-test-hub-seed"}) == []
