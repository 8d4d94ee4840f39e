"""Benchmark of the embedded cluster lifecycle on this machine; prints figures beside their targets.

    python bench/cluster.py            # from nothing (images rebuilt), cold up (images cached), reset, lab start
    python bench/cluster.py --cached   # skip the from-nothing run
    python bench/cluster.py --starts   # each lab's start: replayed, recorded, restored, restored elsewhere

The starts are measured on the cluster DCALAB_CLUSTER (or --cluster-name) names, the default one without: a
replay with no snapshot at all, then `lab start --fresh` (the replay and the recording of its start snapshot),
then a start that restores that snapshot, then a start of another cluster (NAME-moved) that restores it on
its own lab network.

The cold up is measured twice: after `down --purge` (the lab hub filled again) and after `down` (its storage kept).
A named cluster (--cluster-name) started beside the default one gives what one more learner's cluster costs.

Peak memory is the sum over the cluster's containers of their cgroup's maximum usage, read after a
pull and a run of alpine on every node.
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.engine import ensure_engine
from dcalab.images import ensure_hub_images
from dcalab.images.build import OWNER_LABEL
from dcalab.lab import find_lab, lab_names
from dcalab.labnet import CLUSTER_LABEL, NAME_LABEL
from dcalab.labrun import run_lab
from dcalab.start import start_lab


def timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def peak_bytes(container) -> int:
    """The container's peak memory: from the engine's stats, else from its cgroup v1 or v2 files."""
    stats = container.stats(stream=False)["memory_stats"]
    if stats.get("max_usage"):
        return stats["max_usage"]
    for path in (f"/sys/fs/cgroup/memory/docker/{container.id}/memory.max_usage_in_bytes",
                 f"/sys/fs/cgroup/system.slice/docker-{container.id}.scope/memory.peak"):
        if Path(path).exists():
            return int(Path(path).read_text())
    return 0


def peak_memory_mib(cluster: EmbeddedCluster) -> float:
    """The cluster's own containers (its nodes; the hub with the default cluster, which holds it)."""
    containers = cluster.client.containers.list(filters={"label": CLUSTER_LABEL})
    mine = [c for c in containers if c.labels.get(NAME_LABEL, "") == cluster.cluster_name]
    return sum(peak_bytes(container) for container in mine) / 2**20


def remove_images(cluster: EmbeddedCluster) -> None:
    for image in cluster.client.images.list(filters={"label": f"{OWNER_LABEL}=dcalab"}):
        cluster.client.images.remove(image.id, force=True)


def start_figures(cluster: EmbeddedCluster) -> None:
    """Each lab's start, replayed (no snapshot), replayed and recorded (--fresh), restored, and restored on another
    cluster's lab network (a class's learners); with the goals and the ratio restored / replayed."""
    print(f"{'lab start':<18} {'replayed':>9} {'+record':>9} {'restored':>9} {'moved':>9} {'ratio':>6}"
          "   goals: replayed 10 s, restored 5 s; moved: restored on another cluster's network")
    elsewhere = EmbeddedCluster(cluster_name=f"{cluster.cluster_name or 'default'}-moved")
    try:
        for name in lab_names():
            lab = find_lab(name)
            without = EmbeddedCluster(cluster_name=cluster.cluster_name)
            without.snapshots = lambda: None  # the start as it was before snapshots
            replayed = timed(partial(start_lab, without, lab))
            recorded = start_lab(cluster, lab, fresh=True)
            restored, moved = start_lab(cluster, lab), start_lab(elsewhere, lab)
            assert not recorded.restored, name
            if not restored.restored:  # a start that cannot be recorded (dcalab.backends.snapshot_store.record)
                print(f"{name:<18} {replayed:>7.1f} s {recorded.seconds:>7.1f} s   replayed every time: "
                      f"{restored.seconds:.1f} s, {moved.seconds:.1f} s")
                continue
            print(f"{name:<18} {replayed:>7.1f} s {recorded.seconds:>7.1f} s {restored.seconds:>7.1f} s "
                  f"{moved.seconds:>7.1f} s {restored.seconds / replayed:>6.2f}" + ("" if moved.restored else
                                                                                   " (moved: replayed)"))
    finally:
        elsewhere.down()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cached", action="store_true", help="skip the run that rebuilds every image")
    parser.add_argument("--starts", action="store_true", help="only each lab's start: replayed and restored")
    args = parser.parse_args()
    ensure_engine()
    if args.starts:
        start_figures(EmbeddedCluster())
        return
    cluster = EmbeddedCluster()
    rows = []
    if not args.cached:
        cluster.down()
        remove_images(cluster)
        rows.append(("up from nothing (all images built)", timed(cluster.up), 180.0, "s"))
    cluster.down(purge=True)
    rows.append(("cold up after down --purge (hub filled)", timed(cluster.up), 30.0, "s"))
    cluster.down()
    rows.append(("cold up after down (hub storage kept)", timed(cluster.up), 20.0, "s"))
    cluster.host("worker2").check_output("docker pull -q alpine")
    rows.append(("reset of a used cluster (bare nodes)", timed(cluster.reset), 10.0, "s"))
    registry = find_lab("registry")
    start_lab(cluster, registry)
    run_lab(registry.folder, "--lab-mode=solve")  # a used cluster: the registry lab solved
    rows.append(("dcalab lab start registry, used cluster", timed(lambda: start_lab(cluster, registry)), 10.0, "s"))
    for node in ("master", "worker1", "worker2", "registry"):  # some lab work before reading the peak
        cluster.host(node).check_output("docker pull -q alpine && docker run --rm alpine true")
    rows.append(("peak memory of the cluster", peak_memory_mib(cluster), 1536.0, "MiB"))
    learner = EmbeddedCluster(cluster_name="bench-learner")
    try:
        rows.append(("a named cluster beside it: lab start registry", timed(lambda: start_lab(learner, registry)),
                     20.0, "s"))
        learner.host("worker2").check_output("docker pull -q alpine && docker run --rm alpine true")
        rows.append(("peak memory of the named cluster", peak_memory_mib(learner), 1536.0, "MiB"))
    finally:
        learner.down()
    print(f"{'figure':<42} {'measured':>10} {'target':>10} {'ratio':>7}")
    for name, value, target, unit in rows:
        print(f"{name:<42} {value:>8.1f} {unit:<3} {target:>6.0f} {unit:<3} {value / target:>6.2f}")
    print("\nImages the lab hub serves (size on this engine):")
    for image in ensure_hub_images(cluster.client):
        size = cluster.client.images.get(image.local).attrs["Size"] / 1e6
        print(f"  {image.name + ':' + ','.join(image.tags):<28} {size:>7.1f} MB  ({image.local})")


if __name__ == "__main__":
    main()
