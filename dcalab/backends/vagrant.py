"""A lab cluster of Vagrant machines, made by the top-level Vagrantfile: VirtualBox or libvirt VMs, or the
docker provider's nodes (dcalab's node image with sshd, for machines without virtualization).

python-vagrant drives status, up, destroy and ssh-config. Each is a `vagrant` run of about 2 s, so the
ssh-config is kept until a machine is created or recreated; the nodes are then reached over SSH exactly
as the ssh backend reaches them, one persistent shell per node.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from pathlib import Path

import vagrant

from dcalab.backends.base import NodeStatus
from dcalab.backends.over_ssh import OverSsh
from dcalab.errors import DcalabError
from dcalab.images import node_tag
from dcalab.images.libvirt_box import ensure_box
from dcalab.labnet import LabNetwork, holds_lab_addresses
from dcalab.libvirt_host import ensure_libvirt
from dcalab.progress import step
from dcalab.settings import VAGRANT_PROVIDERS, image_source, state_dir, write_whole
from dcalab.topology import topology

MACHINES_ENV = "DCALAB_VAGRANT_MACHINES"  # node=machine,... for a Vagrantfile that names its machines otherwise


def vagrant_root() -> Path:
    """The folder of the Vagrantfile: $VAGRANT_CWD, else the dcalab checkout."""
    return Path(os.environ.get("VAGRANT_CWD") or Path(__file__).resolve().parents[2])


def machine_names() -> dict[str, str]:
    """Lab node -> Vagrant machine; the same names unless DCALAB_VAGRANT_MACHINES renames some."""
    names = {node.name: node.name for node in topology().nodes}
    for pair in filter(None, os.environ.get(MACHINES_ENV, "").split(",")):
        node, _, machine = pair.partition("=")
        if node.strip() not in names or not machine.strip():
            raise DcalabError(f"{MACHINES_ENV} has {pair!r}, which does not map a lab node to a machine.",
                              f"Write it as node=machine,... with nodes among {', '.join(names)}.")
        names[node.strip()] = machine.strip()
    return names


class VagrantCluster(OverSsh):
    name = "vagrant"

    def __init__(self, **options) -> None:  # see Cluster.__init__
        super().__init__(**options)
        self.root = vagrant_root()
        self.provider = os.environ.get("VAGRANT_DEFAULT_PROVIDER") or "docker"
        self.machines = machine_names()
        self.log = state_dir() / "vagrant.log"
        self.env: dict[str, str] | None = None  # the environment of `vagrant` runs; None: this process's
        self._states: dict[str, str] | None = None
        self._made_with: set[str] = set()  # the providers of the machines that exist
        self._config_read, self._config_error = False, None
        self._lock = threading.RLock()  # nodes are reached in parallel, and Vagrant locks a machine it is reading

    def ssh_host(self, node: str) -> str:
        return self.machines[node]

    # -- running vagrant ------------------------------------------------------------------------
    def _vagrant(self, action: str, *args, **kwargs):
        """One python-vagrant call in the Vagrantfile's folder; its output goes to the log, a failure
        becomes a sentence quoting vagrant's last words."""
        if vagrant.get_vagrant_executable() is None:
            raise DcalabError("Vagrant is not installed, so the vagrant cluster cannot run.",
                              "Install it (sudo apt-get install vagrant, or https://developer.hashicorp.com/vagrant"
                              "/install), or use the embedded cluster (--cluster=embedded).")
        if not (self.root / "Vagrantfile").is_file():
            raise DcalabError(f"There is no Vagrantfile in {self.root}.",
                              "Run dcalab from its checkout, or set VAGRANT_CWD to the folder of your Vagrantfile.")
        start = self.log.stat().st_size if self.log.exists() else 0
        machine = vagrant.Vagrant(root=str(self.root), out_cm=self._log_cm, err_cm=self._log_cm, env=self.env)
        try:
            return getattr(machine, action)(*args, **kwargs)
        except subprocess.CalledProcessError:
            with self.log.open() as log:
                log.seek(start)
                said = [line.strip() for line in log.read().splitlines() if line.strip()]
            raise DcalabError(f"`vagrant {action.replace('_', '-')}` failed in {self.root}: "
                              f"{' '.join(said[-3:]) or 'no output'}", f"Its whole output is in {self.log}.") from None

    @contextlib.contextmanager
    def _log_cm(self):
        with self.log.open("a") as log:
            yield log

    def states(self) -> dict[str, str]:
        """Each lab node's machine state (running, poweroff, not_created, ...), from one `vagrant status`."""
        with self._lock:
            if self._states is None:
                statuses = self._vagrant("status")
                listed = {status.name: status.state for status in statuses}
                self._made_with = {status.provider for status in statuses if status.state != "not_created"}
                missing = [node for node, machine in self.machines.items() if machine not in listed]
                if missing:
                    raise DcalabError(
                        f"The Vagrantfile in {self.root} defines no machine for the lab node "
                        f"{' and '.join(missing)} (it defines {', '.join(listed) or 'none'}).",
                        "Every lab node needs one: restore it (git checkout Vagrantfile), or name the machine in "
                        f"{MACHINES_ENV}=node=machine.")
                self._states = {node: listed[machine] for node, machine in self.machines.items()}
            return self._states

    # -- ssh ------------------------------------------------------------------------------------
    @property
    def config_file(self) -> Path:
        """`vagrant ssh-config` of the running machines, kept while the machines are the same ones."""
        with self._lock:
            return self._read_ssh_config()

    def _read_ssh_config(self) -> Path:
        path, stamp = state_dir() / "vagrant-ssh-config", state_dir() / "vagrant-ssh-config.machines"
        machines = self._machine_ids()
        if self._config_error is not None:
            raise self._config_error
        if self._config_read or (path.exists() and stamp.exists() and stamp.read_text() == machines):
            return path
        self._config_read = True  # once per session, even when some machine is not running
        stamp.unlink(missing_ok=True)  # trusted again once written anew; meanwhile the old file stays readable
        try:
            try:
                write_whole(path, self._vagrant("ssh_config"))  # whole: a watch's ssh never reads half of it
                write_whole(stamp, machines)
            except DcalabError:  # some machine is not running: the others are still graded
                running = [machine for node, machine in self.machines.items() if self.states()[node] == "running"]
                write_whole(path, "".join(self._vagrant("ssh_config", machine) for machine in running))
        except DcalabError as error:
            self._config_error = error
            raise
        return path

    def _machine_ids(self) -> str:
        """Vagrant's record of the machines it created; it changes when one is created or recreated."""
        dotfile = Path(os.environ.get("VAGRANT_DOTFILE_PATH") or self.root / ".vagrant")
        ids = sorted(dotfile.glob("machines/*/*/id"))
        return "".join(f"{path.relative_to(dotfile)} {path.read_text()}\n" for path in ids) + str(self.root)

    def reconnect(self) -> None:
        """After machines changed: forget their states and SSH settings too."""
        super().reconnect()
        self._states, self._config_read, self._config_error = None, False, None

    def start_hint(self, node: str) -> str:
        try:
            state = self.states()[node]
        except DcalabError as error:
            return str(error)
        machine = self.machines[node]
        if state == "running":
            return (f"Vagrant says {machine} is running, so its SSH is what fails: look with `vagrant ssh {machine}`"
                    f" in {self.root}; `vagrant reload {machine}` restarts it.")
        return f"Vagrant says {machine} is {state.replace('_', ' ')}: run `vagrant up {machine}` in {self.root}."

    # -- lifecycle ------------------------------------------------------------------------------
    def _libvirt_ready(self) -> None:
        """libvirtd and the vagrant-libvirt plugin: without it Vagrant cannot even list libvirt machines."""
        if self.provider == "libvirt":
            ensure_libvirt()

    def up(self) -> None:
        self._bring_up(self._prepare())

    def _prepare(self) -> LabNetwork:
        """Everything the machines need but themselves: libvirt, the provider, the images, the lab hub, the box."""
        self._libvirt_ready()
        self._states = None
        self.states()  # vagrant installed, every lab node defined
        if len(self._made_with) == 1 and not os.environ.get("VAGRANT_DEFAULT_PROVIDER"):
            self.provider = next(iter(self._made_with))  # machines made by hand with `vagrant up --provider=...`
        if self.provider not in VAGRANT_PROVIDERS:
            raise DcalabError(f"dcalab's Vagrantfile has no provider {self.provider!r}.",
                              f"Use one of: {', '.join(VAGRANT_PROVIDERS)} (VAGRANT_DEFAULT_PROVIDER or --provider).")
        net = LabNetwork()
        offline = image_source() == "offline"
        if self.provider == "docker":
            net.start_engine()
            if any(holds_lab_addresses(node.labels) for node in net.nodes_of("embedded")):
                raise DcalabError("The embedded cluster's nodes hold the lab's addresses.",
                                  "Remove them first: dcalab cluster down")
            net.prepare()  # the node image, the lab network and the hub the docker provider's nodes use
            self.env = {"DCALAB_NODE_IMAGE": node_tag(), **os.environ}  # the Vagrantfile's image, unless named
        else:
            self.env = {**os.environ, **self._vm_settings(net, offline)}
        return net

    def _bring_up(self, net: LabNetwork) -> None:
        with step(f"Bringing the Vagrant machines up (provider {self.provider})"):
            self._vagrant("up", provider=self.provider)
        if self.provider != "docker" and image_source() == "offline":
            net.serve_hub_to_vms()
        self.reconnect()

    def _vm_settings(self, net: LabNetwork, offline: bool) -> dict[str, str]:
        """The Vagrantfile's settings for VMs: offline, they reach the lab hub on the lab gateway address,
        trust the lab CA, and libvirt's come from a box built here (no box can be downloaded)."""
        if not offline:
            return {}
        settings = {"DCALAB_HUB_IP": topology().gateway, "DCALAB_LAB_CA": str(net.hub_ca_for_vms())}
        if self.provider == "libvirt" and not os.environ.get("DCALAB_BOX"):
            settings["DCALAB_BOX"] = ensure_box()
        return settings

    def down(self) -> None:
        self._libvirt_ready()
        self._destroy()

    def _destroy(self) -> None:
        with step("Destroying the Vagrant machines"):
            self._vagrant("destroy")
        self.reconnect()

    def reset(self) -> None:
        """Machines made anew; what they need is made first (the docker provider's node image, the hub, the box), so
        a build that fails leaves the machines as they were."""
        net = self._prepare()
        self._destroy()
        self._bring_up(net)

    def recreate_nodes(self) -> bool:
        """The docker provider's machines are made anew in seconds; VMs are too slow to remake for every lab."""
        if self.provider != "docker":
            return False
        self.reset()
        return True

    def restart_node(self, node: str, deadline: float) -> None:
        """A VM reboots (`systemctl reboot`); the docker provider's node is a container whose init ends with a
        reboot, so Vagrant restarts it (`vagrant reload`, one machine at a time: Vagrant locks its machines)."""
        self.states()  # the providers of the machines made
        if (self._made_with or {self.provider}) != {"docker"}:
            super().restart_node(node, deadline)
            return
        with self._lock:
            self._vagrant("reload", vm_name=self.machines[node])

    def status(self) -> list[NodeStatus]:
        reports = []
        for node in topology().nodes:
            state = self.states()[node.name]
            if state == "running":
                reports.append(self.node_status(node))
            else:
                reports.append(NodeStatus(node.name, state, [self.start_hint(node.name)]))
        return reports
