"""A Vagrant box for the libvirt provider, built offline from Debian's mirror (no box can be downloaded here).

The box is Debian 12 with Docker, a `vagrant` user that Vagrant's insecure key logs in as, DHCP on eth0 (the
interface vagrant-libvirt finds the VM on), and nothing that phones home: a VM's traffic stays on this machine.

    >>> ensure_box()
    'dcalab/debian12'
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

from dcalab.engine import ensure_packages
from dcalab.errors import DcalabError
from dcalab.images.build import inputs_digest
from dcalab.progress import step
from dcalab.settings import state_dir

MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"
DISK_GIB = 8
PART_START = 1024 * 1024  # the root partition starts 1 MiB in, after the MBR
PACKAGES = (
    "linux-image-amd64 systemd-sysv dbus openssh-server openssh-sftp-server sudo ifupdown isc-dhcp-client "
    "docker.io apparmor python3 iptables iproute2 procps curl ca-certificates "
    "jq tree less vim-tiny iputils-ping netcat-openbsd"
).split()  # apparmor: without it every `docker run` fails to load the docker-default profile
# Units that would reach the internet; masked so that a VM never tries
MASKED = (
    "systemd-timesyncd.service apt-daily.timer apt-daily.service apt-daily-upgrade.timer apt-daily-upgrade.service"
).split()
# Drivers a VM never needs (graphics, sound, radio, ...): about a quarter of the disk
PRUNED = (
    "usr/share/doc usr/share/man usr/share/locale var/lib/apt/lists "
    "{mod}/drivers/gpu {mod}/drivers/media {mod}/sound {mod}/drivers/infiniband {mod}/drivers/iio "
    "{mod}/drivers/staging {mod}/drivers/net/wireless {mod}/drivers/bluetooth {mod}/drivers/isdn {mod}/drivers/comedi "
    "{mod}/net/wireless {mod}/net/mac80211 {mod}/net/bluetooth"
).split()
BUILD_TOOLS = {
    "/usr/sbin/debootstrap": "debootstrap",
    "/usr/bin/extlinux": "extlinux",
    "/usr/lib/syslinux/mbr/mbr.bin": "syslinux-common",
    "/usr/bin/qemu-img": "qemu-utils",
    "/usr/sbin/mkfs.ext4": "e2fsprogs",
    "/usr/sbin/sfdisk": "fdisk",
    "/usr/bin/vagrant": "vagrant",
}
INSECURE_KEYS = (  # Vagrant's public insecure key: Debian's vagrant, then HashiCorp's package
    "/usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub",
    "/opt/vagrant/embedded/gems/**/vagrant-*/keys/vagrant.pub",
)
INTERFACES = """\
auto lo
iface lo inet loopback

# vagrant-libvirt finds the VM by the DHCP lease of its first interface
auto eth0
iface eth0 inet dhcp
"""
# No name servers from DHCP: libvirt's dnsmasq would forward the VM's lookups off this machine
DHCLIENT = "request subnet-mask, broadcast-address, time-offset, routers, interface-mtu;\n"
RESOLV_CONF = "# No name server: a VM's traffic stays on this machine.\n"  # debootstrap copied the host's
# When it sets the hostname, Vagrant restarts ifup@ of every interface, also of those ifupdown does not
# configure (docker0, eth1 before its turn): skip those instead of leaving failed units
IFUP_DROPIN = "[Service]\nExecCondition=/sbin/ifquery %I\n"
HOST_KEYS_UNIT = """\
[Unit]
Description=SSH host keys of this VM, made at its first boot (the box ships none)
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
RequiredBy=ssh.service
"""
EXTLINUX = """\
DEFAULT debian
TIMEOUT 1
LABEL debian
  LINUX /boot/{kernel}
  INITRD /boot/{initrd}
  APPEND root=UUID={uuid} ro net.ifnames=0 biosdevname=0 console=tty0 console=ttyS0,115200
"""
BOX_VAGRANTFILE = """\
Vagrant.configure("2") do |config|
  config.vm.synced_folder ".", "/vagrant", disabled: true  # libvirt's default is NFS from the host
end
"""


def _run(*command: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode:
        last = (done.stderr or done.stdout).strip().splitlines()[-3:] or ["no output"]
        raise DcalabError(
            f"`{' '.join(command[:2])} ...` failed while building the Vagrant box: {' / '.join(last)}",
            f"Fix the cause, then run: {sys.executable} -m dcalab.images.libvirt_box",
        )
    return done


def insecure_key() -> Path:
    """Vagrant's public insecure key, which Vagrant logs in with before it puts a key of its own."""
    for pattern in INSECURE_KEYS:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return Path(found[-1])
    raise DcalabError("Vagrant's insecure public key (keys/vagrant.pub) was not found.", "Install Vagrant.")


def _configure(root: Path, root_uuid: str) -> None:
    """Make the debootstrapped tree a Vagrant box: user, network, units, boot loader config."""
    (root / "etc/hostname").write_text("dcalab\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 dcalab\n")
    (root / "etc/fstab").write_text(f"UUID={root_uuid} / ext4 errors=remount-ro 0 1\n")
    (root / "etc/network/interfaces").write_text(INTERFACES)
    (root / "etc/dhcp/dhclient.conf").write_text(DHCLIENT)
    (root / "etc/resolv.conf").write_text(RESOLV_CONF)
    (root / "etc/systemd/system/ifup@.service.d").mkdir()
    (root / "etc/systemd/system/ifup@.service.d/vagrant.conf").write_text(IFUP_DROPIN)
    _run("useradd", "--root", str(root), "-m", "-s", "/bin/bash", "-G", "docker", "vagrant")
    _run("chpasswd", "--root", str(root), input="vagrant:vagrant\n")
    (root / "etc/sudoers.d/vagrant").write_text("vagrant ALL=(ALL) NOPASSWD: ALL\n")
    ssh_dir = root / "home/vagrant/.ssh"
    ssh_dir.mkdir(mode=0o700)
    (ssh_dir / "authorized_keys").write_bytes(insecure_key().read_bytes())
    _run("chroot", str(root), "chown", "-R", "vagrant:vagrant", "/home/vagrant/.ssh")
    # Each VM makes its own host keys and machine-id at first boot, not one shared by every VM of the box
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/machine-id").write_text("")
    (root / "etc/systemd/system/ssh-host-keys.service").write_text(HOST_KEYS_UNIT)
    _run("systemctl", f"--root={root}", "enable", "ssh-host-keys.service", "ssh.service", "docker.service")
    _run("systemctl", f"--root={root}", "mask", *MASKED)
    kernel = sorted(p.name for p in (root / "boot").glob("vmlinuz-*"))[-1]
    initrd = sorted(p.name for p in (root / "boot").glob("initrd.img-*"))[-1]
    (root / "boot/extlinux").mkdir()
    (root / "boot/extlinux/extlinux.conf").write_text(EXTLINUX.format(kernel=kernel, initrd=initrd, uuid=root_uuid))
    version = kernel.removeprefix("vmlinuz-")
    for path in PRUNED:
        shutil.rmtree(root / path.format(mod=f"usr/lib/modules/{version}/kernel"), ignore_errors=True)
    _run("chroot", str(root), "depmod", version)  # forget the pruned modules
    for deb in (root / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()


def build_image(raw: Path) -> None:
    """A bootable raw disk: MBR + one ext4 partition holding Debian and extlinux."""
    root_uuid = str(uuid.uuid4())
    with raw.open("wb") as disk:
        disk.truncate(DISK_GIB * 1024**3)
    _run("sfdisk", "-q", str(raw), input=f"start={PART_START // 512}, type=83, bootable\n")
    # syslinux's MBR code goes in the first 440 bytes, before the partition table
    with raw.open("r+b") as disk:
        disk.write(Path("/usr/lib/syslinux/mbr/mbr.bin").read_bytes()[:440])
    # The host kernel has no partition support (no losetup -P): a loop device at the partition's offset
    loop = _run("losetup", "--find", "--show", "--offset", str(PART_START), str(raw)).stdout.strip()
    mount = Path(tempfile.mkdtemp(prefix="dcalab-box-"))
    mounted = False
    try:
        # no 64bit/metadata_csum_seed: features extlinux cannot read
        _run("mkfs.ext4", "-q", "-U", root_uuid, "-L", "root", "-O", "^64bit,^metadata_csum_seed", loop)
        _run("mount", loop, str(mount))
        mounted = True
        with step(f"debootstrap {SUITE} with {len(PACKAGES)} packages"):
            _run("debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(mount), MIRROR)
        _configure(mount, root_uuid)
        _run("extlinux", "--install", str(mount / "boot/extlinux"))
        _run("fstrim", str(mount))  # punch the deleted files (.debs, pruned drivers) out of the disk file
    finally:
        if mounted:  # -R: a failed debootstrap can leave its /proc and /sys mounted inside
            subprocess.run(["umount", "-R", str(mount)], check=False)
        subprocess.run(["losetup", "-d", loop], check=False)
        with contextlib.suppress(OSError):  # still mounted: keep the directory rather than hide the first error
            mount.rmdir()


def build_box(box: Path) -> None:
    """Build the box file: metadata.json, Vagrantfile and the qcow2 disk box.img, in one tar."""
    with tempfile.TemporaryDirectory(dir=box.parent) as work:
        work_dir = Path(work)
        build_image(work_dir / "disk.raw")
        with step("Converting the disk to qcow2"):
            _run("qemu-img", "convert", "-c", "-O", "qcow2", str(work_dir / "disk.raw"), str(work_dir / "box.img"))
        metadata = {"provider": "libvirt", "format": "qcow2", "virtual_size": DISK_GIB}
        (work_dir / "metadata.json").write_text(json.dumps(metadata))
        (work_dir / "Vagrantfile").write_text(BOX_VAGRANTFILE)
        partial = box.with_suffix(".partial")
        with tarfile.open(partial, "w") as tar:
            for name in ("metadata.json", "Vagrantfile", "box.img"):
                tar.add(work_dir / name, arcname=name)
        partial.rename(box)  # a box file exists only once complete


def box_file() -> Path:
    """Where the box is kept; its name changes with this file (the recipe), so a changed recipe builds a new box."""
    return state_dir() / "boxes" / f"debian12-{inputs_digest(Path(__file__).read_bytes())}.box"


def ensure_box(name: str = "dcalab/debian12") -> str:
    """Build the box unless built, add it to Vagrant as `name` unless listed (again if rebuilt); return the name."""
    box = box_file()
    built = False
    if not box.exists():
        if os.geteuid() != 0:
            raise DcalabError(
                f"Building the Vagrant box {name} needs root (debootstrap, loop devices, mount).",
                f"Run as root: sudo {sys.executable} -m dcalab.images.libvirt_box",
            )
        ensure_packages(BUILD_TOOLS)
        box.parent.mkdir(parents=True, exist_ok=True)
        with step(f"Building the Vagrant box {name} (a few minutes)"):
            build_box(box)
        built = True
        for stale in box.parent.glob("debian12-*.box"):  # boxes of an older recipe
            if stale != box:
                stale.unlink()
    listed = _run("vagrant", "box", "list").stdout  # lines like: dcalab/debian12 (libvirt, 0)
    if built or f"{name} (libvirt," not in listed:
        with step(f"Adding the box {name} to Vagrant"):
            _run("vagrant", "box", "add", "--force", "--name", name, str(box))
    return name


if __name__ == "__main__":
    started = time.monotonic()
    name = ensure_box()
    box = box_file()
    print(f"box {name} ready in {time.monotonic() - started:.1f} s: {box} ({box.stat().st_size / 1e6:.0f} MB)")
