"""A lab cluster of hosts reached over SSH (cloud VMs, a class's machines, VMs made elsewhere).

dcalab grades and solves them but does not create or remove them. The hosts are named in an ssh_config
file (`Host master`, `Host worker1`, ...), given with --lab-ssh-config FILE or $DCALAB_SSH_CONFIG (a class's
learners each with their own: the `ssh_config` option); `dcalab cluster ssh-config` prints one for the embedded
cluster. Commands run as root through sudo.
"""

from __future__ import annotations

import os
from pathlib import Path

from dcalab.backends.base import NodeStatus
from dcalab.backends.over_ssh import OverSsh
from dcalab.errors import DcalabError
from dcalab.settings import SSH_CONFIG_ENV
from dcalab.topology import topology


class SshCluster(OverSsh):
    name = "ssh"

    def __init__(self, ssh_config: str | Path | None = None, **options) -> None:  # see Cluster.__init__
        super().__init__(**options)
        path = str(ssh_config or os.environ.get(SSH_CONFIG_ENV) or "")
        if not path or not Path(path).is_file():
            raise DcalabError(
                "The ssh cluster needs an ssh_config file with a Host entry for each lab node"
                + (f" ({path} is not a file)." if path else "."),
                f"Give it with --lab-ssh-config FILE (or {SSH_CONFIG_ENV}); for the embedded cluster: "
                "dcalab cluster ssh-config > lab.ssh",
            )
        self.config_file = Path(path).resolve()

    def up(self) -> None:
        """Nothing to create: check that every node answers, naming the first that does not. A node whose docker
        does not answer is left to the lab (often the learner's daemon.json, which a task grades and repairs)."""
        for report in self.status():
            if report.state == "unreachable":
                raise DcalabError(f"{report.name}: {report.problems[0]}")

    def down(self) -> None:
        raise DcalabError("dcalab does not create or remove SSH hosts.", "Remove them where they were made.")

    reset = down

    def status(self) -> list[NodeStatus]:
        return [self.node_status(node) for node in topology().nodes]
