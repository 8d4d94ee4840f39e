"""The host libvirt daemon that Vagrant's libvirt provider drives: use the one that answers, or start Debian's.

There is no systemd on a lab machine: dcalab starts virtlogd and libvirtd itself, records them in the state
directory (dcalab.daemons), and stops only those.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import stat
import subprocess
import time
from pathlib import Path

from dcalab.daemons import record, recorded_pid, stop_recorded
from dcalab.engine import ensure_packages
from dcalab.errors import DcalabError, warn
from dcalab.progress import step
from dcalab.settings import state_dir, write_whole

URI = "qemu:///system"
POOL = "default"
# Not under the state directory: QEMU runs as libvirt-qemu, which cannot enter /root (mode 700) where a
# root learner's state lives. This is libvirt's own default pool directory (mode 711).
IMAGES_DIR = Path("/var/lib/libvirt/images")
START_TIMEOUT = 30
KVM, KVM_GROUP = Path("/dev/kvm"), "kvm"
# binary or file -> Debian package; vagrant-libvirt registers itself as a plugin through plugins.d
PACKAGES = {
    "/usr/bin/vagrant": "vagrant",
    "/usr/share/vagrant-plugins/plugins.d/vagrant-libvirt.json": "vagrant-libvirt",
    "/usr/sbin/libvirtd": "libvirt-daemon-system",
    "/usr/bin/virsh": "libvirt-clients",
    "/usr/bin/qemu-system-x86_64": "qemu-system-x86",
    "/usr/bin/qemu-img": "qemu-utils",
    "/usr/sbin/dnsmasq": "dnsmasq-base",  # DHCP on libvirt networks: how vagrant-libvirt learns a VM's address
    "/usr/sbin/iptables": "iptables",
}
DAEMONS = ("virtlogd", "libvirtd")  # in start order: libvirtd hands QEMU's console logs to virtlogd


def _pid_file(daemon: str) -> Path:
    """Where the daemon writes its own PID (-p); dcalab's record of it is dcalab.daemons'."""
    return state_dir() / f"{daemon}.pid"


def virsh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["virsh", "-c", URI, *args], capture_output=True, text=True)
    if check and done.returncode:
        raise DcalabError(
            f"`virsh {' '.join(args)}` failed: {(done.stderr or done.stdout).strip()}",
            f"Read {state_dir() / 'libvirtd.log'}, then run: virsh -c {URI} {' '.join(args)}",
        )
    return done


def answers() -> bool:
    """True when a libvirt daemon answers on qemu:///system."""
    try:
        return virsh("version", check=False).returncode == 0
    except FileNotFoundError:  # no virsh yet
        return False


def _start(daemon: str) -> None:
    # -d forks only once the daemon is set up, so a non-zero status means it could not start
    log = state_dir() / f"{daemon}.log"
    env = {**os.environ, "LIBVIRT_LOG_OUTPUTS": f"3:file:{log}"}
    done = subprocess.run([daemon, "-d", "-p", str(_pid_file(daemon))], env=env, capture_output=True, text=True)
    if done.returncode:
        raise DcalabError(
            f"{daemon} did not start: {(done.stderr or done.stdout).strip() or f'status {done.returncode}'}.",
            f"Read {log}, then run: dcalab cluster down --engine",
        )
    with contextlib.suppress(OSError, ValueError):  # no PID written: dcalab will not stop what it cannot name
        record(daemon, int(_pid_file(daemon).read_text()))


def _kvm_record() -> Path:
    return state_dir() / "kvm.before.json"


def _share_kvm() -> None:
    """Give /dev/kvm the group and mode udev gives it on a normal host (there is no udev here), recording what
    it had so that stopping libvirt gives that back.

    Else libvirt finds KVM usable when it probes QEMU but not by the qemu user afterwards, and probes QEMU
    again at almost every call: over a minute more per `vagrant up`, though the VMs do not even use KVM.
    """
    if not KVM.exists() or KVM.stat().st_gid != 0:
        return
    try:
        group = grp.getgrnam(KVM_GROUP).gr_gid
    except KeyError:  # no kvm group: nothing to give
        return
    before = KVM.stat()
    write_whole(_kvm_record(), json.dumps({"gid": before.st_gid, "mode": stat.S_IMODE(before.st_mode),
                                           "shared": group}))
    os.chown(KVM, -1, group)
    KVM.chmod(0o660)


def _restore_kvm() -> None:
    """Give /dev/kvm back the group and mode it had before _share_kvm, unless someone changed it since."""
    saved = _kvm_record()
    try:
        before = json.loads(saved.read_text())
        now = KVM.stat()
        if (now.st_gid, stat.S_IMODE(now.st_mode)) == (before["shared"], 0o660):
            os.chown(KVM, -1, before["gid"])
            KVM.chmod(before["mode"])
    except FileNotFoundError:  # nothing recorded, or no /dev/kvm any more
        pass
    except (OSError, ValueError, KeyError, TypeError) as error:
        warn(f"dcalab could not give /dev/kvm back the group and mode it had ({error}): they are in {saved}; "
             "set them with chgrp and chmod as root.")
        return
    saved.unlink(missing_ok=True)


def _ensure_pool() -> None:
    if virsh("pool-info", POOL, check=False).returncode:
        try:
            IMAGES_DIR.mkdir(mode=0o711, parents=True, exist_ok=True)
        except PermissionError:
            raise DcalabError(f"libvirt has no `{POOL}` storage pool, and only root can make its folder {IMAGES_DIR}.",
                              f"Make it once: sudo mkdir -m 711 -p {IMAGES_DIR}") from None
        virsh("pool-define-as", POOL, "dir", "--target", str(IMAGES_DIR))
    if "running" not in virsh("pool-info", POOL).stdout:
        virsh("pool-start", POOL)


def ensure_libvirt() -> None:
    """Make libvirt answer on qemu:///system with a `default` storage pool, installing and starting it if needed."""
    if not answers():
        if os.geteuid() != 0:
            raise DcalabError(
                "No libvirt daemon answers, and dcalab can start one only when run as root.",
                "Start libvirt (sudo systemctl start libvirtd) or run dcalab as root.",
            )
        ensure_packages(PACKAGES)
        _share_kvm()
        with step("Starting libvirt"):
            for daemon in DAEMONS:
                if not recorded_pid(daemon):
                    _start(daemon)
            deadline = time.monotonic() + START_TIMEOUT
            while not answers():
                if time.monotonic() > deadline:
                    raise DcalabError(
                        f"libvirtd did not answer within {START_TIMEOUT} s.",
                        f"Read {state_dir() / 'libvirtd.log'}, then run: dcalab cluster down --engine",
                    )
                time.sleep(0.3)
    _ensure_pool()


def stop_libvirt() -> bool:
    """Stop the libvirtd and virtlogd dcalab started; False when there is none (others are left alone)."""
    stopped = [stop_recorded(daemon, f"Stopping the {daemon} dcalab started")
               for daemon in reversed(DAEMONS)]
    _restore_kvm()
    return any(stopped)
