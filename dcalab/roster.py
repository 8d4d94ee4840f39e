"""A class's roster: who the learners are and where each one's lab cluster is.

A roster is a TOML file (`class.toml`):

    lab = "registry"                 # optional: the lab of every learner who names none
    [[learners]]
    name = "alice"
    cluster = "embedded"             # this engine's cluster; cluster_name = "alice" for a named one
    [[learners]]
    name = "bob"
    ssh_config = "bob.ssh"           # an ssh cluster: Host master, worker1, worker2 and registry
    lab = "orchestration"            # optional: this learner's own lab

or an Ansible INI inventory with one group per learner, whose hosts are that learner's master, worker1, worker2 and
registry (named so, or ending in -master, _master, ...), each with ansible_host, ansible_user, ansible_port and
ansible_ssh_private_key_file; each group becomes an ssh_config in the learner's state folder.

A problem with one learner (a name that cannot name a container, a learner listed twice, a missing ssh_config, a lab
that does not exist) is a sentence in that learner's row: the other learners are still graded.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dcalab.errors import DcalabError
from dcalab.lab import Lab, find_lab
from dcalab.settings import CLUSTER_NAME, state_dir, write_whole
from dcalab.topology import topology

EMBEDDED, SSH = "embedded", "ssh"
# What docker accepts in a container's name (dcalab-NAME-master); a learner's name also names their files.
VALID_NAME = CLUSTER_NAME
LEARNER_KEYS = {"name", "cluster", "cluster_name", "ssh_config", "lab"}
# Ansible's connection variables and the ssh_config keyword each becomes
INVENTORY_KEYS = {"ansible_host": "HostName", "ansible_user": "User", "ansible_port": "Port",
                  "ansible_ssh_private_key_file": "IdentityFile"}


@dataclass(frozen=True)
class Learner:
    """One row of the class: a learner and their cluster, or why they cannot be graded (`problem`)."""

    name: str
    cluster: str = EMBEDDED  # embedded or ssh
    cluster_name: str = ""  # a named embedded cluster (dcalab-NAME-master); "" is this engine's default one
    ssh_config: Path | None = None
    lab: str = ""  # this learner's own lab; "" for the command's
    problem: str = ""  # a sentence with its fix: the learner is not graded

    def lab_of(self, default: str) -> str:
        return self.lab or default


@dataclass(frozen=True)
class Roster:
    path: Path
    lab: str  # the roster's lab for learners who name none; "" when it names none
    learners: tuple[Learner, ...]

    def learner(self, name: str) -> Learner:
        for learner in self.learners:
            if learner.name == name:
                return learner
        raise DcalabError(f"The roster {self.path} has no learner called {name!r}.",
                          f"Its learners are: {', '.join(learner.name for learner in self.learners)}.")


def read_roster(path: Path) -> Roster:
    """The roster in a TOML file or an Ansible INI inventory. DcalabError only for the file as a whole (missing,
    unreadable, no learner); each learner's own problem is in their row."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise DcalabError(f"The roster {path} cannot be read ({getattr(error, 'strerror', None) or error}).",
                          "Give the class's roster: dcalab class grade LAB --roster class.toml") from None
    if path.suffix == ".toml":
        lab, learners = _from_toml(path, text)
    else:
        lab, learners = "", _from_inventory(path, text)
    if not learners:
        raise DcalabError(f"The roster {path} lists no learner.",
                          "Add one [[learners]] table per learner (TOML), or one group per learner (an Ansible "
                          "inventory).")
    return Roster(path, lab, _checked(learners))


def _from_toml(path: Path, text: str) -> tuple[str, list[Learner]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DcalabError(f"The roster {path} is not valid TOML ({error}).", "Correct it at the place named.") from None
    entries = data.get("learners", [])
    lab = data.get("lab", "")
    if not isinstance(entries, list) or not isinstance(lab, str):
        raise DcalabError(f"The roster {path} must have lab = \"NAME\" and [[learners]] tables.",
                          "Each learner is a [[learners]] table with a name and cluster = \"embedded\" or "
                          "ssh_config = \"FILE\".")
    return lab, [_learner(path, number, entry) for number, entry in enumerate(entries, 1)]


def _learner(path: Path, number: int, entry: object) -> Learner:
    """One [[learners]] table; the learner's row with its problem when the table is wrong."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        return Learner(f"learner {number}", problem=f"The {_ordinal(number)} learner of {path} has no name: give "
                       "it name = \"NAME\".")
    name = entry["name"]
    fields = {key: value for key, value in entry.items() if key != "name"}
    unknown = sorted(set(fields) - LEARNER_KEYS)
    if unknown or not all(isinstance(value, str) for value in fields.values()):
        what = f"has the unknown key {unknown[0]!r}" if unknown else "has a value that is not a string"
        return Learner(name, problem=f"The learner {name} in {path} {what}: the keys are "
                       f"{', '.join(sorted(LEARNER_KEYS))}, each a string.")
    cluster = fields.get("cluster", SSH if "ssh_config" in fields else EMBEDDED)
    learner = Learner(name, cluster, fields.get("cluster_name", ""), None, fields.get("lab", ""))
    if cluster not in (EMBEDDED, SSH):
        return _with(learner, f"The learner {name} has cluster = {cluster!r}: a class runs on \"embedded\" clusters "
                     "of this engine or on \"ssh\" clusters (ssh_config = \"FILE\").")
    if cluster == EMBEDDED and "ssh_config" in fields:
        return _with(learner, f"The learner {name} names both an embedded cluster and an ssh_config: keep the "
                     "one their nodes are on.")
    if cluster == SSH:
        if "ssh_config" not in fields:
            return _with(learner, f"The learner {name} is on an ssh cluster but has no ssh_config: add "
                         "ssh_config = \"FILE\" naming their master, worker1, worker2 and registry.")
        config = (path.parent / Path(fields["ssh_config"]).expanduser()).resolve()
        learner = Learner(name, SSH, "", config, learner.lab)
        if not config.is_file():
            return _with(learner, f"The ssh_config of {name}, {config}, is not a file: write it (one Host entry for "
                         "each of master, worker1, worker2 and registry) or correct the path in the roster.")
    return learner


def _with(learner: Learner, problem: str) -> Learner:
    return Learner(learner.name, learner.cluster, learner.cluster_name, learner.ssh_config, learner.lab, problem)


def _ordinal(number: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(number, f"{number}th")


def _checked(learners: list[Learner]) -> tuple[Learner, ...]:
    """Each learner as read, with the problems that only the whole roster shows: an invalid name, a learner listed
    twice, two learners on one embedded cluster (their work would mix). The first of two keeps their row."""
    checked, names, embedded = [], {}, {}
    for learner in learners:
        problem = learner.problem
        if not problem and not VALID_NAME.fullmatch(learner.name):
            problem = (f"The learner name {learner.name!r} cannot name a container or a file: use letters, digits, "
                       "'.', '_' or '-', starting with a letter or a digit, at most 40 characters.")
        elif not problem and learner.cluster_name and not VALID_NAME.fullmatch(learner.cluster_name):
            problem = (f"The cluster_name {learner.cluster_name!r} of {learner.name} cannot name a container "
                       f"(dcalab-{learner.cluster_name}-master): use letters, digits, '.', '_' or '-', starting "
                       "with a letter or a digit, at most 40 characters.")
        elif not problem and learner.name in names:
            problem = (f"The roster lists the learner {learner.name} twice: only the first is graded. Give each "
                       "learner one entry with a name of their own.")
        elif not problem and learner.cluster == EMBEDDED and learner.cluster_name in embedded:
            which = f"cluster_name = \"{learner.cluster_name}\"" if learner.cluster_name else "the default cluster"
            problem = (f"The learner {learner.name} would share the embedded cluster of "
                       f"{embedded[learner.cluster_name]} ({which}): give each learner a cluster_name of their own.")
        if not problem:
            names[learner.name] = learner
            if learner.cluster == EMBEDDED:
                embedded[learner.cluster_name] = learner.name
        checked.append(_with(learner, problem) if problem != learner.problem else learner)
    return tuple(checked)


def load_labs(roster: Roster, default: str) -> tuple[dict[str, Lab], tuple[Learner, ...]]:
    """The labs the learners are graded in (each loaded once; `default` for those who name none), and the learners,
    with the problem of each whose lab does not exist (one sentence naming the labs that do)."""
    labs: dict[str, Lab] = {}
    learners = []
    for learner in roster.learners:
        name = learner.lab_of(default)
        if not learner.problem and name not in labs:
            try:
                labs[name] = find_lab(name)
            except DcalabError as error:
                learner = _with(learner, f"The learner {learner.name} cannot be graded in the lab {name!r}: {error}")
        learners.append(learner)
    return labs, tuple(learners)


# -- Ansible INI inventories ------------------------------------------------------------------------------------------
def inventory_groups(text: str) -> dict[str, dict[str, dict[str, str]]]:
    """An INI inventory's groups: group -> host -> its variables (the group's [NAME:vars] and [all:vars] under the
    host's own). [NAME:children] groups hold no host of their own and are left out."""
    groups: dict[str, dict[str, dict[str, str]]] = {}
    group_vars: dict[str, dict[str, str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            if ":" not in section:
                groups.setdefault(section, {})
            continue
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if section.endswith(":vars"):
            key, _, value = line.partition("=")
            group_vars.setdefault(section.removesuffix(":vars"), {})[key.strip()] = value.strip().strip("'\"")
        elif ":" not in section and section != "all":
            groups.setdefault(section or "ungrouped", {})[words[0]] = dict(
                word.split("=", 1) for word in words[1:] if "=" in word)
    everyone = group_vars.get("all", {})
    return {group: {host: {**everyone, **group_vars.get(group, {}), **values} for host, values in hosts.items()}
            for group, hosts in groups.items() if hosts and group != "ungrouped"}


def node_of(host: str) -> str:
    """The lab node an inventory host stands for (master, alice-master, alice_master.example...), or ""."""
    for node in topology().nodes:
        if re.fullmatch(rf"(?:.*[-_.])?{node.name}(?:[-_.].*)?", host):
            return node.name
    return ""


def inventory_ssh_config(group: str, hosts: dict[str, dict[str, str]], base: Path) -> str:
    """The ssh_config of one inventory group: a Host entry per lab node; DcalabError naming what is missing."""
    by_node: dict[str, tuple[str, dict[str, str]]] = {}
    for host, values in hosts.items():
        node = node_of(host)
        if not node:
            raise DcalabError(f"The inventory group {group} has the host {host}, which names no lab node: name its "
                              "hosts master, worker1, worker2 and registry (or ending in -master, ...).")
        if node in by_node:
            raise DcalabError(f"The inventory group {group} has two hosts for {node}: {by_node[node][0]} and {host}.")
        by_node[node] = (host, values)
    missing = [node.name for node in topology().nodes if node.name not in by_node]
    if missing:
        raise DcalabError(f"The inventory group {group} has no host for {', '.join(missing)}: add one line per lab "
                          "node with its ansible_host.")
    entries = []
    for node in topology().nodes:
        host, values = by_node[node.name]
        options = {"HostName": values.get("ansible_host", host)}
        for key, keyword in INVENTORY_KEYS.items():
            if key != "ansible_host" and values.get(key):
                value = values[key]
                options[keyword] = str((base / Path(value).expanduser()).resolve()) if keyword == "IdentityFile" \
                    else value
        lines = "".join(f"  {keyword} {value}\n" for keyword, value in options.items())
        entries.append(f"Host {node.name}\n{lines}  StrictHostKeyChecking accept-new\n")
    return "".join(entries)


def learner_state(name: str) -> Path:
    """A learner's own folder in dcalab's state (their ssh_config made from an inventory)."""
    folder = state_dir() / "class" / name
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _from_inventory(path: Path, text: str) -> list[Learner]:
    try:
        groups = inventory_groups(text)
    except ValueError as error:  # an unclosed quote
        raise DcalabError(f"The inventory {path} cannot be read as an Ansible INI inventory ({error}).",
                          "Correct it, or write the roster as TOML (class.toml).") from None
    learners = []
    for group, hosts in groups.items():
        if not VALID_NAME.fullmatch(group):
            learners.append(Learner(group, SSH))  # _checked names the problem
            continue
        try:
            config = inventory_ssh_config(group, hosts, path.parent)
        except DcalabError as error:
            learners.append(Learner(group, SSH, problem=str(error)))
            continue
        where = learner_state(group) / "ssh_config"
        write_whole(where, config)
        learners.append(Learner(group, SSH, ssh_config=where))
    return learners


def ssh_lines(config: Path) -> dict[str, str]:
    """Per lab node, the `ssh` line that reaches it without the ssh_config (HostName, User, Port, IdentityFile and
    ProxyJump of its Host entry, as ssh reads them: the first value wins): what a trainer hands a learner."""
    entries: list[tuple[list[str], dict[str, str]]] = []
    for raw in config.read_text().splitlines():
        words = raw.strip().replace("=", " ", 1).split(None, 1)
        if len(words) != 2 or words[0].startswith("#"):
            continue
        keyword, value = words[0].lower(), words[1].strip().strip('"')
        if keyword == "host":
            entries.append((value.split(), {}))
        elif entries:
            entries[-1][1].setdefault(keyword, value)
    lines = {}
    for node in topology().nodes:
        options: dict[str, str] = {}
        for patterns, values in entries:
            if node.name in patterns or "*" in patterns:
                options = {**values, **options}
        user = f"{options['user']}@" if "user" in options else ""
        flags = "".join(f"{flag} {shlex.quote(options[key])} " for flag, key in
                        (("-i", "identityfile"), ("-p", "port"), ("-J", "proxyjump")) if key in options)
        lines[node.name] = f"ssh {flags}{user}{options.get('hostname', node.name)}"
    return lines
