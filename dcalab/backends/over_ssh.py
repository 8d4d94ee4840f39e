"""Nodes reached over SSH, named in an ssh_config: what the ssh and Vagrant backends share (not a backend).

Each node gets one persistent `ssh -F CONFIG NODE sudo -n /bin/sh` for a whole grade.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from dcalab.backends.base import ENGINE_FORMAT, Cluster, NodeStatus, engine_notes
from dcalab.errors import DcalabError, EnvironmentFault
from dcalab.topology import Node, topology

BOOT_ID = "cat /proc/sys/kernel/random/boot_id"  # changes at every boot of a host
SSH_FAILED = 255  # ssh's exit status when the connection fails or drops (as a reboot drops it)


class OverSsh(Cluster):
    """A cluster whose nodes are Host entries of an ssh_config (`config_file`); commands run as root via sudo."""

    config_file: Path

    def ssh_host(self, node: str) -> str:
        """The Host name of a lab node in the ssh_config."""
        return topology().node(node).name

    def _ssh(self, node: str, *options: str) -> list[str]:
        return ["ssh", "-F", str(self.config_file), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
                "-o", "LogLevel=ERROR", *options, self.ssh_host(node)]

    def start_hint(self, node: str) -> str:
        return f"Check that it runs and answers: ssh -F {self.config_file} {self.ssh_host(node)} true"

    def restart_node(self, node: str, deadline: float) -> None:
        """`systemctl reboot` over SSH, then until the node answers from a new boot (its boot id changed). A host that
        is a container is refused: its init ending stops it for good (its own backend restarts it)."""
        from dcalab.backends.reboot import POLL, ask

        inside = ask(self, node, "systemd-detect-virt --container || true", 10)
        if inside not in ("", "none"):
            raise DcalabError(f"The node {node} is a {inside} container: systemctl reboot would stop it, not restart "
                              "it.", "Grade after a reboot through the backend that made it: --cluster embedded, or "
                              "--cluster vagrant.")
        sudo = "" if self.user else "sudo -n "
        booted = ask(self, node, BOOT_ID, 10)
        try:
            done = subprocess.run([*self._ssh(node), f"{sudo}systemctl reboot"], capture_output=True, text=True,
                                  timeout=30, check=False)
        except subprocess.TimeoutExpired:  # the connection hung as the node went down
            done = None
        if done is not None and done.returncode not in (0, SSH_FAILED):  # refused: a grading user without the right
            raise DcalabError(f"The node {node} refused to reboot: {done.stderr.strip()[:200]}",
                              "Grade after a reboot as root (without --lab-user).")
        now = booted
        while time.monotonic() < deadline and (now := ask(self, node, BOOT_ID, 10)) in ("", booted):
            time.sleep(POLL)
        if booted and now == booted:  # a node that does not answer is left to the grade, which says so
            raise DcalabError(f"The node {node} still runs its old boot after systemctl reboot.",
                              f"Look at it: ssh -F {self.config_file} {self.ssh_host(node)}")

    def pipe_command(self, node: str) -> list[str]:
        return [*self._ssh(node), "/bin/sh" if self.user else "sudo -n /bin/sh"]

    def shell_command(self, node: str) -> list[str]:
        return [*self._ssh(node, "-t"), "sudo -i"]

    def host_spec(self, node: str) -> str:
        sudo = "false" if self.user else "true"
        return f"ssh://{self.ssh_host(node)}?ssh_config={self.config_file}&sudo={sudo}"

    def ssh_config(self) -> str:
        return self.config_file.read_text()

    def node_status(self, node: Node) -> NodeStatus:
        """Reach the node over SSH and ask its docker for its version and swarm membership."""
        try:
            answer = self.host(node.name).run(f"docker info --format '{ENGINE_FORMAT}'")
        except EnvironmentFault as fault:
            return NodeStatus(node.name, "unreachable", [f"{fault.message} {fault.fix}"])
        notes = engine_notes(answer.rc, answer.stdout)
        if notes is None:
            return NodeStatus(node.name, "running", [f"docker does not answer: {answer.stderr.strip()}"])
        return NodeStatus(node.name, "running", notes=notes)
