"""The pytest plugin: options that choose the cluster, and fixtures that hand tests its nodes."""

from __future__ import annotations

import pytest

from dcalab.backends import BACKENDS, Cluster, get_cluster


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dcalab")
    group.addoption(
        "--cluster",
        default="embedded",
        choices=sorted(BACKENDS),
        help="the lab cluster to grade or solve on (default: embedded)",
    )


@pytest.fixture(scope="session")
def lab_cluster(request: pytest.FixtureRequest) -> Cluster:
    """The lab cluster chosen by --cluster, as it is (grading never starts or changes it)."""
    return get_cluster(request.config.getoption("--cluster"))
