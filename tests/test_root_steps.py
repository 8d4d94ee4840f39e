"""A step that needs root, taken by a learner who is not root, is one sentence with the command to run (never a
traceback), and a lab's start that cannot build its images removes no node. The engine is faked (an engine with
no image), everything else is dcalab's own code; the user is real where the machine lets a test make one."""

from __future__ import annotations

import grp
import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from docker.errors import APIError, ImageNotFound

from dcalab import host_limits
from dcalab.backends.embedded import EmbeddedCluster
from dcalab.errors import DcalabError, as_root
from dcalab.images import bases
from dcalab.lab import find_lab
from dcalab.start import start_lab

ROOT = Path(__file__).resolve().parents[1]
LEARNER = "dcalab-learner"  # a user the test makes, in no group that matters: not root, not in `docker`


def engine_without_images() -> SimpleNamespace:
    """An engine with no image whose registries give nothing (no Docker Hub, no mirror)."""
    def missing(tag: str) -> None:
        raise ImageNotFound(f"No such image: {tag}")

    def unreachable(name: str, tag: str, platform: str | None = None) -> None:
        raise APIError(f"Get https://registry-1.docker.io/v2/library/{name}/manifests/{tag}: no route to host")

    return SimpleNamespace(images=SimpleNamespace(get=missing, pull=unreachable), info=lambda: {})


@pytest.mark.parametrize(("suite", "other_way"), [("bookworm", ""), ("trixie", ", or keep the default nodes: unset "
                                                                                "DCALAB_NODE_SUITE")])
def test_a_base_a_user_cannot_get_is_one_sentence_with_every_way_to_get_it(monkeypatch, suite: str,
                                                                           other_way: str) -> None:
    monkeypatch.setattr(bases.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(bases, "ensure_packages", lambda binaries: pytest.fail("apt asked for a user"))
    with pytest.raises(DcalabError) as raised:
        bases.ensure_debian(engine_without_images(), suite)
    assert raised.value.message == (
        f"Making the Debian {suite} base image dcalab/debian:{suite} needs an image bundle, a registry that serves "
        f"debian:{suite} (Docker Hub or the engine's mirror), or debootstrap, which runs only as root on Debian.")
    fix = (f"Load a bundle (dcalab images load FILE, written by dcalab images save FILE where the images are), or make "
           f"it once as root ({as_root('cluster up')}), then run your command again{other_way}.")
    assert raised.value.fix == fix


class BrokenBuild:
    """The lab network whose images cannot be built (as debootstrap without root)."""

    def prepare(self) -> None:
        raise DcalabError("Making the Debian trixie base image dcalab/debian:trixie needs debootstrap, which runs "
                          "only as root.")

    def nodes_of(self, cluster: str) -> list:
        return []


def test_a_lab_start_whose_images_fail_removes_no_node(monkeypatch) -> None:
    removed = []
    monkeypatch.setattr(EmbeddedCluster, "_remove_node", lambda self, node: removed.append(node.name))
    monkeypatch.setattr(EmbeddedCluster, "_ensure_node", lambda self, node: True)
    monkeypatch.setattr(EmbeddedCluster, "node_container", lambda self, node: None)
    monkeypatch.setattr(host_limits, "ensure_room_for_nodes", lambda count: None)  # no host limit changed here
    cluster = EmbeddedCluster()
    cluster.__dict__["net"] = BrokenBuild()  # the cached property, as made
    with pytest.raises(DcalabError, match="needs debootstrap"):
        start_lab(cluster, find_lab("registry"))
    assert removed == []
    cluster.__dict__["net"] = SimpleNamespace(prepare=lambda: None, nodes_of=lambda cluster: ["dcalab-vagrant-master"])
    with pytest.raises(DcalabError, match="Vagrant cluster's machines"):
        cluster.reset()  # the addresses are taken: checked before anything goes
    assert removed == []
    cluster.__dict__["net"] = SimpleNamespace(prepare=lambda: None, nodes_of=lambda cluster: [])
    cluster.reset()  # once the images are ready, the nodes are made anew
    assert removed == ["master", "worker1", "worker2", "registry"]


def test_a_vagrant_reset_whose_images_fail_destroys_no_machine(monkeypatch, tmp_path: Path) -> None:
    from dcalab.backends.vagrant import VagrantCluster

    monkeypatch.setenv("DCALAB_STATE", str(tmp_path))
    ran = []
    monkeypatch.setattr(VagrantCluster, "_vagrant", lambda self, action, *args, **kwargs: ran.append(action))
    monkeypatch.setattr(VagrantCluster, "_prepare", lambda self: BrokenBuild().prepare())
    with pytest.raises(DcalabError, match="needs debootstrap"):
        VagrantCluster().reset()
    assert ran == []
    monkeypatch.setattr(VagrantCluster, "_prepare", lambda self: None)
    VagrantCluster().reset()
    assert ran == ["destroy", "up"]


# -- as a real user who is not root --------------------------------------------------------------------------

LAB_START_AS_LEARNER = """
from types import SimpleNamespace
from docker.errors import APIError, ImageNotFound
from dcalab import cli, labnet
from dcalab.backends.embedded import EmbeddedCluster

def missing(tag):
    raise ImageNotFound(f"No such image: {tag}")

def unreachable(name, tag, platform=None):
    raise APIError(f"Get https://registry-1.docker.io/v2/library/{name}/manifests/{tag}: no route to host")

labnet.ensure_engine = lambda: SimpleNamespace(images=SimpleNamespace(get=missing, pull=unreachable), info=dict)
removed = []
EmbeddedCluster._remove_node = lambda self, node: removed.append(node.name)
code = cli.main(["lab", "start", "registry"])
print(f"removed {removed}, exit status {code}")
"""


def learner_python() -> list[str] | None:
    """A Python with dcalab and its dependencies that the learner may run: this one where its files are open to
    others, else the system's of the same version over this venv's packages; None where there is neither."""
    packages = os.pathsep.join([str(ROOT), *site.getsitepackages()])
    for python, path in ((sys.executable, ""), ("/usr/bin/python3", packages)):
        answer = subprocess.run(["runuser", "-u", LEARNER, "--", "env", f"PYTHONPATH={path}", python, "-c",
                                 "import sys, dcalab, docker; print(sys.version_info[:2])"],
                                capture_output=True, text=True, cwd=ROOT)
        if answer.returncode == 0 and answer.stdout.strip() == str(sys.version_info[:2]):
            return ["env", f"PYTHONPATH={path}", python]
    return None


@pytest.fixture(scope="module")
def learner() -> list[str]:
    if os.geteuid() != 0 or not shutil.which("runuser") or not shutil.which("useradd"):
        pytest.skip("making a user and running as them needs root, runuser and useradd")
    if subprocess.run(["id", LEARNER], capture_output=True).returncode:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", LEARNER],
                       check=True)
    python = learner_python()
    if python is None:
        pytest.skip(f"no Python with dcalab's packages that {LEARNER} may run (this venv's is in a closed folder)")
    return python


def test_a_learner_whose_image_needs_root_gets_one_sentence_and_keeps_the_nodes(learner: list[str]) -> None:
    """The issue's case: `DCALAB_NODE_SUITE=trixie dcalab lab start registry` as a user, with /usr/sbin off PATH."""
    home = Path(tempfile.mkdtemp(prefix="dcalab-learner-"))
    try:
        shutil.chown(home, LEARNER)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "DCALAB_STATE": str(home / "state"),
               "DCALAB_NODE_SUITE": "trixie"}
        done = subprocess.run(["runuser", "-u", LEARNER, "--", "env", *(f"{k}={v}" for k, v in env.items()),
                               *learner, "-c", LAB_START_AS_LEARNER], capture_output=True, text=True, cwd=ROOT,
                              timeout=120)
    finally:
        shutil.rmtree(home)
    assert done.stdout.strip().splitlines()[-1] == "removed [], exit status 1", done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith(("dcalab:", "  "))]
    assert said[0] == ("dcalab: Making the Debian trixie base image dcalab/debian:trixie needs an image bundle, a "
                       "registry that serves debian:trixie (Docker Hub or the engine's mirror), or debootstrap, which "
                       "runs only as root on Debian.")
    assert said[1].startswith("  Load a bundle (dcalab images load FILE, written by dcalab images save FILE where the "
                              "images are), or make it once as root (sudo env DCALAB_NODE_SUITE=trixie ")


class ClosedFolder(type(Path())):
    """A folder a user may not make (root may make any, so the machine's own cannot show it here)."""

    def mkdir(self, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))


def test_libvirts_image_folder_that_only_root_can_make_is_one_sentence(monkeypatch) -> None:
    from dcalab import libvirt_host

    monkeypatch.setattr(libvirt_host, "virsh", lambda *args, check=True: SimpleNamespace(returncode=1, stdout=""))
    monkeypatch.setattr(libvirt_host, "IMAGES_DIR", ClosedFolder("/var/lib/libvirt/images"))
    with pytest.raises(DcalabError) as raised:
        libvirt_host._ensure_pool()
    assert str(raised.value) == ("libvirt has no `default` storage pool, and only root can make its folder "
                                 "/var/lib/libvirt/images. Make it once: sudo mkdir -m 711 -p /var/lib/libvirt/images")


def test_a_learner_outside_the_sockets_group_is_told_to_join_it(learner: list[str]) -> None:
    """Not "no engine answers": the engine is there, and the socket's group is what the learner lacks."""
    folder = Path(tempfile.mkdtemp(prefix="dcalab-engine-"))
    try:
        folder.chmod(0o755)
        socket = folder / "docker.sock"
        socket.write_text("")
        socket.chmod(0o660)  # root's and its group's, as dockerd makes /var/run/docker.sock
        script = ("from dcalab.engine import unanswered; from dcalab.endpoint import resolve_endpoint; "
                  f"print(unanswered(resolve_endpoint({{'DOCKER_HOST': 'unix://{socket}'}})))")
        done = subprocess.run(["runuser", "-u", LEARNER, "--", *learner, "-c", script], capture_output=True, text=True,
                              cwd=ROOT, timeout=60)
    finally:
        shutil.rmtree(folder)
    group = grp.getgrgid(0).gr_name
    assert done.stdout.strip() == (
        f"The Docker engine at unix://{socket} (DOCKER_HOST) lets in only root and the members of its group ({group}), "
        f"and you are neither. Join that group (sudo usermod -aG {group} $USER, then log in again) or run dcalab as "
        "root."), done.stderr
