"""Opt-in: the registry lab on real VMs, with Vagrant's libvirt provider, from a box built offline.

    DCALAB_TEST_LIBVIRT=1 pytest tests/test_vagrant_libvirt.py -s

Slow where KVM cannot boot a guest and QEMU emulates (DCALAB_LIBVIRT_DRIVER=qemu, the default here):
about 15 minutes on 2 cores. The test prints its timings. The embedded cluster steps aside: the VMs'
lab network takes the same addresses on this machine.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from dcalab import labrun
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.backends.vagrant import VagrantCluster
from dcalab.start import apply_start
from tests.labrun import LAB
from tests.pristine import REGISTRY_LAB

pytestmark = pytest.mark.skipif(not os.environ.get("DCALAB_TEST_LIBVIRT"), reason="opt-in: DCALAB_TEST_LIBVIRT=1")

VMS = ("--cluster=vagrant", "--lab-timeout=120")  # emulated VMs answer slowly


@pytest.fixture(scope="module")
def vms(embedded: EmbeddedCluster) -> Iterator[VagrantCluster]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAGRANT_DEFAULT_PROVIDER", "libvirt")
        patch.setenv("DCALAB_LIBVIRT_DRIVER", os.environ.get("DCALAB_LIBVIRT_DRIVER", "qemu"))
        embedded.down()
        cluster = VagrantCluster()
        started = time.monotonic()
        cluster.up()
        apply_start(cluster, REGISTRY_LAB)
        print(f"\nvagrant up --provider=libvirt, 4 VMs (box built if missing), and the lab's start: "
              f"{time.monotonic() - started:.0f} s")
        yield cluster
        started = time.monotonic()
        cluster.down()
        print(f"vagrant destroy: {time.monotonic() - started:.0f} s")
    embedded.up()


def test_the_registry_lab_on_libvirt_vms(vms: VagrantCluster) -> None:
    reports = {report.name: report for report in vms.status()}
    assert all(report.healthy for report in reports.values()), reports
    for mode, expected in (("grade", {"FAIL", "BLOCKED"}), ("solve", {"PASS"}), ("grade", {"PASS"})):
        run = labrun.run_lab(LAB, f"--lab-mode={mode}", *VMS)
        print(f"{mode} on the VMs: {run.wall:.1f} s")
        assert {entry["verdict"] for entry in run.tasks.values()} == expected, run.output
