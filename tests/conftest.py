"""Fixtures for the project's own tests: a real embedded cluster, brought up once per session."""

from __future__ import annotations

import pytest

from dcalab.backends.embedded import EmbeddedCluster

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def embedded() -> EmbeddedCluster:
    """The embedded cluster, up, healthy and pristine at the start of the session."""
    cluster = EmbeddedCluster()
    cluster.up()
    cluster.reset()
    return cluster


@pytest.fixture
def pristine(embedded: EmbeddedCluster) -> EmbeddedCluster:
    """The embedded cluster in its pristine state, and reset again after a test that dirties it."""
    embedded.reset()
    yield embedded
    embedded.reset()
