"""Networks on a node, and what containers on them can resolve and reach (asked from inside the container).

>>> shaped(network(host("worker1"), "appnet"), "appnet", "bridge", "172.30.0.0/24", "10.10.10.0/24",
...        gateway="172.30.0.1").passed
"""

from __future__ import annotations

import ipaddress
import re

from checks import Verdict, verdict
from checks.docker_cli import docker_json

REQUEST_SECONDS = 3  # a request from inside a container: an answer or a clear no, well within a grade's timeout
# A new task's name reaches the other nodes' embedded DNS by gossip. Right after docker restarted on master, the
# nodes' gossip took about 45 s to form again here, and a network made meanwhile reached worker2's DNS over 60 s
# after it was made; a grade waits only while a dnsrr service is settling.
GOSSIP_SECONDS = 120
ADDRESS = re.compile(r"^Address(?: \d+)?:\s*([0-9a-fA-F.:]+)$")


def network(host, name: str) -> dict | None:
    """`docker network inspect` of the network of that name, or None. (Not `network ls --filter name=^x$`: on a
    manager, swarm-scope networks are filtered by name prefix, and the anchored name matches none of them.)"""
    found = docker_json(host, "docker network inspect %s", name)
    return found[0] if found else None


def shaped(info: dict | None, name: str, driver: str, subnet: str, lab_subnet: str, gateway: str = "",
           attachable: bool = False) -> Verdict:
    """The network has the driver, subnet (and gateway) asked for, and is attachable when that is asked; a subnet
    found overlapping lab_subnet (the cluster's lab network) is said to."""
    wanted = ([f"attachable {driver}"] if attachable else [driver]) + [f"subnet {subnet}"] + (
        [f"gateway {gateway}"] if gateway else [])
    expected = f"{name}: {', '.join(wanted)}"
    if info is None:
        return verdict(False, expected, f"there is no network {name} (docker network ls)")
    pools = (info.get("IPAM") or {}).get("Config") or []
    found = ([f"attachable {info['Driver']}"] if info.get("Attachable") else [info["Driver"]]) + [
        f"subnet {pool.get('Subnet', '?')}" + (f", gateway {pool['Gateway']}" if pool.get("Gateway") else "")
        + (f" (it overlaps the lab network {lab_subnet})" if overlaps(pool.get("Subnet", ""), lab_subnet) else "")
        for pool in pools]
    right = (info["Driver"] == driver and (info.get("Attachable") or not attachable)
             and any(pool.get("Subnet") == subnet and (not gateway or pool.get("Gateway") == gateway)
                     for pool in pools))
    return verdict(right, expected, f"{name}: {', '.join(found)}")


def overlaps(subnet: str, lab_subnet: str) -> bool:
    """The subnet shares addresses with the lab network the nodes talk over (their traffic may go astray)."""
    try:
        return ipaddress.ip_network(subnet, strict=False).overlaps(ipaddress.ip_network(lab_subnet))
    except ValueError:  # not an address range (an IPv6 one against the lab's IPv4 is simply False)
        return False


def addresses_on(info: dict | None, network_name: str) -> list[str]:
    """A container's addresses on the named network (from its `docker inspect`)."""
    attached = ((info or {}).get("NetworkSettings", {}).get("Networks") or {}).get(network_name) or {}
    return [address for address in (attached.get("IPAddress"), attached.get("GlobalIPv6Address")) if address]


def resolve(host, container: str, name: str) -> list[str] | None:
    """The addresses `name` resolves to inside the container (busybox nslookup); None when it cannot be asked.
    Asked as an absolute name (`name.`): busybox nslookup would first try the daemon's dns-search domains, whose
    servers may not answer, and report a timeout for a name Docker's embedded DNS knows."""
    result = host.run("docker exec %s nslookup %s", container, f"{name}.")
    if result.rc != 0 and "Name:" not in result.stdout:
        return None
    answers = result.stdout.split("Name:", 1)[1] if "Name:" in result.stdout else ""
    return sorted({match[1] for line in answers.splitlines() if (match := ADDRESS.match(line.strip()))})


def resolves(found: list[str] | None, container: str, name: str, wanted: list[str], among: bool = False) -> Verdict:
    """Inside `container`, `name` resolves to exactly the wanted addresses (`among`: to some of them only)."""
    expected = f"{name} resolves inside {container} to " + (
        f"{'one of ' if among else ''}{', '.join(sorted(wanted))}")
    if found is None:
        return verdict(False, expected, f"{container} is not running (docker ps -a)")
    shown = f"{name} resolves to {', '.join(found)}" if found else f"{name} does not resolve (bad address)"
    right = set(found) <= set(wanted) if among else sorted(found) == sorted(wanted)
    return verdict(bool(found) and right, expected, shown)


def request(host, container: str, url: str) -> tuple[bool, str]:
    """(answered, what came back or why not) for a GET of `url` from inside the container (busybox wget; its
    own -T option crashes busybox 1.35, so `timeout` bounds it)."""
    result = host.run("docker exec %s timeout %s wget -qO- %s", container, str(REQUEST_SECONDS), url)
    said = (result.stdout if result.rc == 0 else result.stderr).strip()
    if result.rc == 143 and not said:
        said = f"no answer within {REQUEST_SECONDS} s"
    return result.rc == 0, said[:200] or "an empty answer"


def answers(outcome: tuple[bool, str], container: str, url: str) -> Verdict:
    answered, said = outcome
    return verdict(answered, f"{url} answers inside {container}",
                   f"it answered: {said}" if answered else f"wget said: {said}")
