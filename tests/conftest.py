"""Fixtures for the project's own tests: a real embedded cluster, brought up once per session."""

from __future__ import annotations

import pytest

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import load_lab
from dcalab.start import start_lab
from tests.pristine import start_registry

pytest_plugins = ["pytester"]
CLUSTER_FIXTURES = {"embedded", "pristine", "solved", "machines", "vms", "started"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real cluster is marked `cluster`: `pytest -m "not cluster"` is the fast subset."""
    for item in items:
        if CLUSTER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def embedded() -> EmbeddedCluster:
    """The embedded cluster, up, healthy and at the registry lab's start at the start of the session."""
    cluster = EmbeddedCluster()
    start_registry(cluster)
    return cluster


@pytest.fixture
def pristine(embedded: EmbeddedCluster) -> EmbeddedCluster:
    """The embedded cluster at the registry lab's start (the seed's pristine state), and again after the test."""
    start_registry(embedded)
    yield embedded
    start_registry(embedded)


@pytest.fixture(scope="module")
def started(embedded: EmbeddedCluster, request: pytest.FixtureRequest) -> EmbeddedCluster:
    """The embedded cluster at the start of the test module's LAB (a lab folder); the registry lab's after."""
    start_lab(embedded, load_lab(request.module.LAB))
    yield embedded
    start_registry(embedded)
