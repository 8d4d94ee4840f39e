"""The images the lab hub serves, built by the real functions on the engine: labelled, distinct, working, cached."""

from __future__ import annotations

import time

import docker
import pytest

from dcalab.engine import ensure_engine
from dcalab.images import REGISTRY_TAG, ensure_hub_images

pytestmark = [pytest.mark.cluster, pytest.mark.engine_wide]  # the hub's images: run alone (.ci/cluster-session)

Served = dict[tuple[str, str], str]  # (name, tag) the hub serves -> local image


def served_images(client: docker.DockerClient) -> Served:
    return {(image.name, tag): image.local for image in ensure_hub_images(client) for tag in image.tags}


def run(client: docker.DockerClient, image: str, script: str) -> str:
    """Output (stdout and stderr) of a shell script in a throwaway container; a failing script fails the test."""
    container = client.containers.run(image, ["sh", "-c", script], detach=True)
    try:
        status = container.wait()["StatusCode"]
        output = container.logs().decode()
    finally:
        container.remove(v=True)  # run(remove=True) would leave registry:2's anonymous volume behind
    assert status == 0, output
    return output


@pytest.fixture(scope="module")
def client() -> docker.DockerClient:
    return ensure_engine()


@pytest.fixture(scope="module")
def served(client: docker.DockerClient) -> Served:
    return served_images(client)


@pytest.mark.parametrize("name, tag", [("nginx", "latest"), ("nginx", "1.25"), ("nginx", "1.24"), ("nginx", "1.22"),
                                       ("gcc", "12")])
def test_image_is_served_and_labelled_as_a_stand_in(client: docker.DockerClient, served: Served, name: str,
                                                    tag: str) -> None:
    assert client.images.get(served[name, tag]).labels["org.dcalab.stand-in"] == f"{name}:{tag}"


def test_the_nginx_stand_in_tags_are_different_images(client: docker.DockerClient, served: Served) -> None:
    latest, older = (client.images.get(served["nginx", tag]).id for tag in ("latest", "1.25"))
    assert latest != older
    assert "nginx 1.25" in run(client, served["nginx", "1.25"], "cat /usr/share/nginx/html/index.html")


def test_a_web_server_stand_in_serves_and_stops_at_once_on_sigterm(client: docker.DockerClient,
                                                                     served: Served) -> None:
    """As the real nginx does: a swarm rolling update then waits for no stop grace period."""
    container = client.containers.run(served["nginx", "1.24"], detach=True)
    try:
        assert "nginx 1.24" in container.exec_run("wget -qO- http://127.0.0.1/").output.decode()
        began = time.monotonic()
        container.stop(timeout=10)
        assert time.monotonic() - began < 3
        assert container.wait()["StatusCode"] == 0  # it exited on TERM, not killed after the grace period
    finally:
        container.remove(force=True)


def test_nginx_1_22_is_debians_nginx_with_a_valid_config(client: docker.DockerClient, served: Served) -> None:
    output = run(client, served["nginx", "1.22"], "nginx -v && nginx -t")
    assert "nginx/1.22." in output
    assert "test is successful" in output


def test_gcc_12_compiles_a_static_hello_world(client: docker.DockerClient, served: Served) -> None:
    program = "#include <stdio.h>\nint main(void) { puts(\"hello, static\"); return 0; }\n"
    script = f"gcc --version && printf '{program}' > hello.c && gcc -static -o hello hello.c && ./hello"
    output = run(client, served["gcc", "12"], script)
    assert "12.2" in output.splitlines()[0]
    assert output.splitlines()[-1] == "hello, static"


def test_registry_image_carries_a_ca_bundle(client: docker.DockerClient, served: Served) -> None:
    assert served["registry", "2"] == REGISTRY_TAG
    certificates = run(client, REGISTRY_TAG, "grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt")
    assert int(certificates) > 100


def test_a_second_run_rebuilds_nothing(client: docker.DockerClient, served: Served) -> None:
    # Only changed inputs rebuild an image, and they change its inputs label, so its ID too.
    def ids(images: Served) -> dict[tuple[str, str], str]:
        return {key: client.images.get(local).id for key, local in images.items()}

    before = ids(served)
    assert ids(served_images(client)) == before
