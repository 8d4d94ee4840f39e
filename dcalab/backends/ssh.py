"""A lab cluster of hosts reached over SSH (cloud VMs, a class's machines, VMs made elsewhere).

dcalab grades and solves them but does not create or remove them. The hosts are named in an ssh_config
file (`Host master`, `Host worker1`, ...), given with --lab-ssh-config FILE or $DCALAB_SSH_CONFIG;
`dcalab cluster ssh-config` prints one for the embedded cluster. Commands run as root through sudo.
"""

from __future__ import annotations

import os
from pathlib import Path

from dcalab.backends.base import Cluster, NodeStatus, swarm_note
from dcalab.errors import DcalabError, EnvironmentFault
from dcalab.topology import Node, topology

SSH_CONFIG_ENV = "DCALAB_SSH_CONFIG"
SWARM_MEMBERSHIP = "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'"


class SshCluster(Cluster):
    name = "ssh"

    def __init__(self, **options) -> None:  # see Cluster.__init__
        super().__init__(**options)
        path = os.environ.get(SSH_CONFIG_ENV)
        if not path or not Path(path).is_file():
            raise DcalabError(
                "The ssh cluster needs an ssh_config file with a Host entry for each lab node"
                + (f" ({path} is not a file)." if path else "."),
                f"Give it with --lab-ssh-config FILE (or {SSH_CONFIG_ENV}); for the embedded cluster: "
                "dcalab cluster ssh-config > lab.ssh",
            )
        self.config_file = Path(path).resolve()

    def ssh_host(self, node: str) -> str:
        """The Host name of a lab node in the ssh_config."""
        return topology().node(node).name

    def _ssh(self, node: str, *options: str) -> list[str]:
        return ["ssh", "-F", str(self.config_file), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
                "-o", "LogLevel=ERROR", *options, self.ssh_host(node)]

    def start_hint(self, node: str) -> str:
        return f"Check that it runs and answers: ssh -F {self.config_file} {self.ssh_host(node)} true"

    def pipe_command(self, node: str) -> list[str]:
        return [*self._ssh(node), "/bin/sh" if self.user else "sudo -n /bin/sh"]

    def shell_command(self, node: str) -> list[str]:
        return [*self._ssh(node, "-t"), "sudo -i"]

    def host_spec(self, node: str) -> str:
        sudo = "false" if self.user else "true"
        return f"ssh://{self.ssh_host(node)}?ssh_config={self.config_file}&sudo={sudo}"

    def ssh_config(self) -> str:
        return self.config_file.read_text()

    def up(self) -> None:
        """Nothing to create: check that every node answers and runs docker, naming the first that does not."""
        for report in self.status():
            if report.problems:
                raise DcalabError(f"{report.name}: {report.problems[0]}")

    def down(self) -> None:
        raise DcalabError("dcalab does not create or remove SSH hosts.", "Remove them where they were made.")

    reset = down

    def status(self) -> list[NodeStatus]:
        return [self.node_status(node) for node in topology().nodes]

    def node_status(self, node: Node) -> NodeStatus:
        """Reach the node over SSH and ask its docker for its swarm membership."""
        try:
            answer = self.host(node.name).run(SWARM_MEMBERSHIP)
        except EnvironmentFault as fault:
            return NodeStatus(node.name, "unreachable", [f"{fault.message} {fault.fix}"])
        if answer.rc:
            return NodeStatus(node.name, "running", [f"docker does not answer: {answer.stderr.strip()}"])
        state, is_manager = answer.stdout.split()
        return NodeStatus(node.name, "running", notes=[swarm_note(state, is_manager == "true")])
