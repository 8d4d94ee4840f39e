"""Fixtures for the project's own tests: a real embedded cluster, brought up once per session."""

from __future__ import annotations

import os

import pytest

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.lab import load_lab
from dcalab.start import start_lab
from tests.pristine import start_registry

pytest_plugins = ["pytester"]
CLUSTER_FIXTURES = {"embedded", "pristine", "solved", "machines", "vms", "started"}


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core. The fast subset waits more than it computes (terminals driven by pexpect,
    the timeouts it provokes): on this 2-core machine it took 63.6 s with 2 workers, 48.6 s with 4 (docs/figures.md)."""
    return 2 * (os.cpu_count() or 1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real cluster is marked `cluster`: `pytest -m "not cluster"` is the fast subset. The
    cluster tests share the one cluster, each leaving it at the registry lab's start (or at the start the next
    test makes itself), so pytest-xdist's workers (`-n`) skip them: each worker would bring it up and change it
    under the other's feet."""
    parallel = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    for item in items:
        if CLUSTER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.cluster)
            if parallel:
                item.add_marker(pytest.mark.skip(reason="the cluster tests run in one process: pytest -m cluster, "
                                                        "without -n"))


@pytest.fixture(autouse=True)
def own_state(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test records into a history of its own, never the learner's; a test off the cluster also keeps its
    dcalab state (plans, CA, daemon records) in a folder of its own, so that pytest-xdist's workers share none.
    A cluster test keeps the real state folder, where the engine and the lab CA it started are recorded."""
    folder = tmp_path_factory.mktemp("dcalab")
    monkeypatch.setenv("DCALAB_HISTORY", str(folder / "history.sqlite3"))
    if not request.node.get_closest_marker("cluster"):
        monkeypatch.setenv("DCALAB_STATE", str(folder / "state"))


NEXT_TEST: dict[str, pytest.Item | None] = {}  # the test that runs after the one tearing down, as pytest knows it


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    NEXT_TEST["item"] = nextitem


def restore_registry_start(cluster: EmbeddedCluster, leaving: pytest.Item) -> None:
    """The registry lab's start again after a test that changed the cluster, unless the next test makes a lab's start
    itself first (a `pristine` test, or the first test of another module on `started`): a start it would undo."""
    after = NEXT_TEST.get("item")
    names = set(getattr(after, "fixturenames", ()))
    if "pristine" in names or ("started" in names and after.module is not leaving.module):
        return
    start_registry(cluster)


@pytest.fixture(scope="session")
def embedded() -> EmbeddedCluster:
    """The embedded cluster, up, healthy and at the registry lab's start at the start of the session."""
    cluster = EmbeddedCluster()
    start_registry(cluster)
    return cluster


@pytest.fixture
def pristine(embedded: EmbeddedCluster, request: pytest.FixtureRequest) -> EmbeddedCluster:
    """The embedded cluster at the registry lab's start (the seed's pristine state), and again after the test
    (restore_registry_start)."""
    start_registry(embedded)
    yield embedded
    restore_registry_start(embedded, request.node)


@pytest.fixture(scope="module")
def started(embedded: EmbeddedCluster, request: pytest.FixtureRequest) -> EmbeddedCluster:
    """The embedded cluster at the start of the test module's LAB (a lab folder); the registry lab's after
    (restore_registry_start)."""
    start_lab(embedded, load_lab(request.module.LAB))
    yield embedded
    restore_registry_start(embedded, request.node)
