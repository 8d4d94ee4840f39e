"""What a learner's SSH ports cost (issue 29, `dcalab class access`), on a named cluster that is up.

    python bench/access.py [--cluster-name NAME] [--runs 10]

Prints: `dcalab class access --open` for the cluster with no forwarder (made) and with its forwarder running
(nothing to do), wall time; the forwarder's memory, from its memory cgroup; and `ssh ... hostname` to master through
the forwarder's port against ssh straight to master's lab address from this server, the median of --runs. The
forwarder is left open on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dcalab.access import forwarded, forwarder_name
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.pki import cluster_ssh_key
from dcalab.settings import cluster_name

ROOT = Path(__file__).resolve().parent.parent
QUIET = ["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]


def wall(command: list[str]) -> float:
    began = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    return time.monotonic() - began


def memory_mib(container) -> float:
    """The container's memory as its cgroup counts it (v2 memory.current, else v1 memory.usage_in_bytes)."""
    pid = container.attrs["State"]["Pid"]
    lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    v2 = next(line.split(":", 2)[2] for line in lines if line.startswith("0::"))
    v1 = next((line.split(":", 2)[2] for line in lines if ":memory:" in line), None)
    for path in (Path(f"/sys/fs/cgroup{v2}/memory.current"),
                 Path(f"/sys/fs/cgroup/memory{v1}/memory.usage_in_bytes") if v1 else None):
        if path is not None and path.exists():
            return int(path.read_text()) / 2**20
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster-name", default=None, help="the named cluster (default: $DCALAB_CLUSTER)")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    cluster = EmbeddedCluster(cluster_name=cluster_name(args.cluster_name))
    with tempfile.TemporaryDirectory() as folder:
        roster = Path(folder) / "class.toml"
        roster.write_text(f'[[learners]]\nname = "bench"\ncluster_name = "{cluster.cluster_name}"\n')
        open_ports = [sys.executable, "-m", "dcalab", "class", "access", "--open", "--bind", "127.0.0.1",
                      "--roster", str(roster)]
        existing = cluster.client.containers.list(all=True, filters={"name": forwarder_name(cluster)})
        for container in existing:
            container.remove(force=True)
        made, again = wall(open_ports), wall(open_ports)
    access = forwarded(cluster)
    key = ["-i", str(cluster_ssh_key(cluster.cluster_name))]
    through = [wall(["ssh", *QUIET, *key, "-p", str(access.ports["master"]), "root@127.0.0.1", "hostname"])
               for _ in range(args.runs)]
    direct = [wall(["ssh", *QUIET, *key, f"root@{cluster.topology.node('master').ip}", "hostname"])
              for _ in range(args.runs)]
    container = cluster.client.containers.get(forwarder_name(cluster))
    print(f"cluster {cluster.cluster_name}: class access --open {made:.2f} s (forwarder made), {again:.2f} s "
          f"(running already); forwarder memory {memory_mib(container):.2f} MiB")
    print(f"ssh master hostname, median of {args.runs}: {1000 * statistics.median(through):.0f} ms through port "
          f"{access.ports['master']}, {1000 * statistics.median(direct):.0f} ms straight to its lab address")


if __name__ == "__main__":
    main()
