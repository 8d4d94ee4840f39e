"""Which nodes answer on a published port, asked from one node, and a learner's written answer about it.

>>> answer_names_nodes(["worker1"], "", answering(host("master"), {"worker1": "10.10.10.101"}, 8088), 8088, {})
"""

from __future__ import annotations

from checks import Verdict, verdict

TIMEOUT = 3  # seconds for one HTTP request: a published port in host mode answers at once, or refuses at once


def answering(client, addresses: dict[str, str], port: int) -> set[str]:
    """The nodes (name -> address) whose `port` answers an HTTP request from `client`, whatever the status."""
    return {node for node, address in addresses.items()
            if client.run("curl -s -m %s -o /dev/null http://%s:%s/", str(TIMEOUT), address, str(port)).rc == 0}


def answer_names_nodes(answer: list[str] | None, why: str, answered: set[str], port: int,
                       aliases: dict[str, str]) -> Verdict:
    """An answer file (its non-empty lines, or None and `why`) naming, one a line, exactly the nodes that answer
    on `port`; a node may be named by any of its `aliases` (alias -> node: its full name, its address)."""
    expected = f"the nodes that answer on port {port}, one a line"
    if answer is None:
        return verdict(False, expected, why)
    if not answered:
        return verdict(False, expected, f"no node answers on port {port}, so there is nothing to name yet")
    named = {aliases.get(line.lower(), line.lower()) for line in answer}
    unknown = sorted(named - set(aliases.values()))
    if unknown:
        return verdict(False, expected, f"the answer names {', '.join(unknown)}, which is no node of the lab")
    wrong, missing = sorted(named - answered), sorted(answered - named)
    if wrong:
        return verdict(False, expected, f"the answer names {', '.join(wrong)}, where nothing answers on port {port}")
    return verdict(not missing, expected, "it does" if not missing else
                   f"the answer leaves out {len(missing)} node(s) that answer on port {port}")
