"""The Vagrant cluster against the embedded one, in the same run: the registry lab's grade time over
SSH on Vagrant machines vs over the embedded backend, and `vagrant up` / `vagrant destroy` per provider.

    python bench/vagrant_cluster.py [--repeat 5] [--providers docker,libvirt]

The docker provider runs anywhere the embedded cluster runs. libvirt needs real VMs: on this machine
kind they run under QEMU TCG (DCALAB_LIBVIRT_DRIVER=qemu) from a box built offline; expect minutes.
The embedded nodes and the Vagrant machines share the lab's addresses, so each takes its turn.
"""

from __future__ import annotations

import argparse
import os
import time

from grading import LAB, medians, row

from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.vagrant import VagrantCluster
from dcalab.lab import find_lab
from dcalab.labrun import run_lab
from dcalab.start import apply_start, start_lab

REGISTRY = find_lab("registry")


def timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def bench_provider(provider: str, repeat: int, embedded_grade: tuple[float, float, list[str]]) -> None:
    os.environ["VAGRANT_DEFAULT_PROVIDER"] = provider
    cluster = VagrantCluster()
    cluster.down()
    row(f"{provider}: vagrant up, 4 machines from nothing", timed(cluster.up), note="includes provisioning")
    row(f"{provider}: the registry lab's start (swarm over SSH)", timed(lambda: apply_start(cluster, REGISTRY)))
    row(f"{provider}: vagrant up again (nothing to do)", timed(cluster.up))
    solve = run_lab(LAB, "--lab-mode=solve", "--cluster=vagrant")
    row(f"{provider}: solve the lab", solve.report["execution_time"], solve.wall)
    first = run_lab(LAB, "--cluster=vagrant")
    row(f"{provider}: first grade (reads vagrant ssh-config)", first.report["execution_time"], first.wall)
    graded = medians(repeat, "--cluster=vagrant")
    assert graded[2] == embedded_grade[2] == ["PASS"] * 8, (graded[2], embedded_grade[2])
    row(f"{provider}: grade over SSH", graded[0], graded[1])
    print(f"{'ratio ' + provider + ' SSH / embedded':<46} {graded[0] / embedded_grade[0]:>7.1f} x "
          f"{graded[1] / embedded_grade[1]:>7.1f} x")
    row(f"{provider}: vagrant destroy", timed(cluster.down))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--providers", default="docker", help="comma-separated: docker, libvirt")
    args = parser.parse_args()
    embedded = EmbeddedCluster()
    start_lab(embedded, REGISTRY)
    run_lab(LAB, "--lab-mode=solve")
    print(f"{'figure (grades: median of ' + str(args.repeat) + ')':<46} {'time':>9} {'wall':>9}")
    embedded_grade = medians(args.repeat)
    row("embedded: grade (docker exec shells)", embedded_grade[0], embedded_grade[1])
    try:
        for provider in args.providers.split(","):
            if provider == "docker":
                embedded.remove_nodes()
            else:
                embedded.down()  # the VMs' lab network takes the same addresses on the host
            bench_provider(provider, args.repeat, embedded_grade)
    finally:
        embedded.up()


if __name__ == "__main__":
    main()
