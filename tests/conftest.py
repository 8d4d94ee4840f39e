"""Fixtures for the project's own tests: a real embedded cluster, brought up once per session."""

from __future__ import annotations

import pytest

from dcalab.backends.embedded import EmbeddedCluster


@pytest.fixture(scope="session")
def embedded() -> EmbeddedCluster:
    """The embedded cluster, up and healthy (started if needed)."""
    cluster = EmbeddedCluster()
    cluster.up()
    return cluster


@pytest.fixture
def pristine(embedded: EmbeddedCluster) -> EmbeddedCluster:
    """The embedded cluster in its pristine state, and reset again after a test that dirties it."""
    embedded.reset()
    yield embedded
    embedded.reset()
