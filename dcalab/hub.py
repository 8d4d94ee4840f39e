"""The lab hub: a read-only registry that answers as registry-1.docker.io on the lab network.

Each node trusts the lab CA, so a plain `docker pull alpine` inside a node gets the stand-in offline,
and the learner's /etc/docker/daemon.json stays entirely theirs. The hub is filled by a short-lived
writable registry sharing its storage, published on the host's loopback only: anyone on this machine could
write to it meanwhile, so once it is stopped the tags in the storage must be exactly the ones pushed.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
import time
import urllib.error
import urllib.request

import docker
from docker.errors import NotFound

from dcalab.errors import DcalabError
from dcalab.images import REGISTRY_TAG, HubImage
from dcalab.images.build import HERE, files_archive, inputs_digest
from dcalab.pki import LabPki
from dcalab.progress import step

HUB_CONTAINER = "dcalab-hub"
SEED_CONTAINER = "dcalab-hub-seed"
HUB_VOLUME = "dcalab-hub-data"
# made (empty) once HUB_VOLUME holds exactly what was pushed, labelled with the seed digest: the storage is kept
# across `dcalab cluster down` (unless --purge) and serves the next hub without being filled again
SEEDED_VOLUME = "dcalab-hub-seeded"
ROLE_LABEL = "org.dcalab.role"
SEEDED_LABEL = "org.dcalab.seeded"
PLACEMENT_LABEL = "org.dcalab.hub-placement"  # the lab network, or the host address VMs reach it on
CERT_LABEL = "org.dcalab.hub-cert"  # a renewed certificate makes the hub anew, without filling it again
TAGS_IN_STORAGE = "/var/lib/registry/docker/registry/v2/repositories"


def seed_digest(client: docker.DockerClient, served: list[HubImage]) -> str:
    """Changes whenever a served image or the hub config changes."""
    parts = [(image.name, image.tags, client.images.get(image.local).id) for image in served]
    return inputs_digest(parts, (HERE / "hub-config.yml").read_bytes())


def cert_digest(pki: LabPki) -> str:
    return inputs_digest(pki.hub_cert.read_bytes())


def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise DcalabError(f"The hub seeding registry did not answer at {url} within {timeout:.0f} s.") from None
            time.sleep(0.2)


def _push(client: docker.DockerClient, repository: str, tag: str) -> str:
    """Push and read the stream (the engine reports push errors inside a 200 answer); the manifest's digest."""
    digest = ""
    for chunk in client.images.push(repository, tag=tag, stream=True, decode=True):
        if "error" in chunk:
            raise DcalabError(f"Pushing {repository}:{tag} into the lab hub failed: {chunk['error']}")
        digest = chunk.get("aux", {}).get("Digest", digest)
    return digest


def tags_in_storage(archive: bytes) -> dict[str, str]:
    """Every repository:tag a registry's storage serves and its manifest digest, from a tar of TAGS_IN_STORAGE."""
    tags = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar:
            repository, marker, tag_path = member.name.partition("/_manifests/tags/")
            tag, _, rest = tag_path.partition("/")
            if marker and rest == "current/link" and member.isfile():
                tags[f"{repository.partition('/')[2]}:{tag}"] = tar.extractfile(member).read().decode().strip()
    return tags


def check_seeded(pushed: dict[str, str], stored: dict[str, str]) -> None:
    """Refuse a hub whose storage serves anything but what was pushed (another writer on 127.0.0.1)."""
    wrong = sorted(name for name in pushed.keys() | stored.keys() if pushed.get(name) != stored.get(name))
    if wrong:
        raise DcalabError(
            f"The lab hub's storage does not hold exactly the images dcalab pushed ({', '.join(wrong[:3])}): "
            "something else wrote to its seeding registry on 127.0.0.1.",
            "Fill it again (into a new volume): dcalab cluster up",
        )


def seed(client: docker.DockerClient, served: list[HubImage], labels: dict[str, str], digest: str) -> None:
    """Push every served image as library/<name>:<tag> into a new hub storage volume, then check that the
    storage serves exactly those tags with the digests pushed; then mark it seeded with `digest`."""
    _remove_container(client, SEED_CONTAINER)
    for volume in (SEEDED_VOLUME, HUB_VOLUME):  # the marker first: a seed cut short leaves no storage called seeded
        with contextlib.suppress(NotFound):
            client.volumes.get(volume).remove(force=True)
    client.volumes.create(HUB_VOLUME, labels={**labels, ROLE_LABEL: "hub-data"})  # `cluster down` removes it
    seeder = client.containers.run(
        REGISTRY_TAG,
        name=SEED_CONTAINER,
        detach=True,
        labels={**labels, ROLE_LABEL: "hub-seed"},
        volumes={HUB_VOLUME: {"bind": "/var/lib/registry", "mode": "rw"}},
        ports={"5000/tcp": ("127.0.0.1", None)},
    )
    pushed = {}
    try:
        seeder.reload()
        port = seeder.ports["5000/tcp"][0]["HostPort"]
        _wait_http(f"http://127.0.0.1:{port}/v2/")
        with step(f"Filling the lab hub with {len(served)} images"):
            for image in served:
                repository = f"127.0.0.1:{port}/library/{image.name}"
                for tag in image.tags:
                    client.images.get(image.local).tag(repository, tag)
                    try:
                        pushed[f"library/{image.name}:{tag}"] = _push(client, repository, tag)
                    finally:
                        client.images.remove(f"{repository}:{tag}", noprune=True)
        seeder.stop(timeout=5)  # nothing can write to the storage from here on
        archive, _ = seeder.get_archive(TAGS_IN_STORAGE)
        check_seeded(pushed, tags_in_storage(b"".join(archive)))
        client.volumes.create(SEEDED_VOLUME, labels={**labels, ROLE_LABEL: "hub-seeded", SEEDED_LABEL: digest})
    finally:
        seeder.remove(force=True)


def kept_seed(client: docker.DockerClient) -> str:
    """The seed digest of a hub storage filled whole and kept (across `cluster down`); "" when there is none."""
    try:
        client.volumes.get(HUB_VOLUME)
        return client.volumes.get(SEEDED_VOLUME).attrs.get("Labels", {}).get(SEEDED_LABEL, "")
    except NotFound:
        return ""


def _remove_container(client: docker.DockerClient, name: str) -> None:
    with contextlib.suppress(NotFound):
        client.containers.get(name).remove(force=True)


def _config_archive(pki: LabPki) -> bytes:
    return files_archive({f"dcalab-hub/{name}": data for name, data in (
        ("config.yml", (HERE / "hub-config.yml").read_bytes()),
        ("hub.crt", pki.hub_cert.read_bytes()),
        ("hub.key", pki.hub_key.read_bytes()),
    )})


def create_hub(client: docker.DockerClient, pki: LabPki, labels: dict[str, str], network: str, ip: str,
               aliases: list[str], host_address: str = "") -> None:
    """The read-only hub: at ip on the lab network, or in the host's network on host_address:443 only."""
    api = client.api
    volumes = {HUB_VOLUME: {"bind": "/var/lib/registry", "mode": "ro"}}
    if host_address:
        placement = {"host_config": api.create_host_config(binds=volumes, network_mode="host"),
                     "environment": {"REGISTRY_HTTP_ADDR": f"{host_address}:443"}}
    else:
        placement = {"host_config": api.create_host_config(binds=volumes), "networking_config":
                     api.create_networking_config({network: api.create_endpoint_config(ipv4_address=ip,
                                                                                       aliases=aliases)})}
    container = api.create_container(REGISTRY_TAG, name=HUB_CONTAINER, command=["/etc/dcalab-hub/config.yml"],
                                     labels=labels, **placement)
    api.put_archive(container["Id"], "/etc", _config_archive(pki))
    api.start(container["Id"])


def hub_container(client: docker.DockerClient):  # -> Container | None
    try:
        return client.containers.get(HUB_CONTAINER)
    except NotFound:
        return None
