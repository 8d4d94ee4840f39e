"""Task daemon-dns: master's daemon gives containers on the default bridge DNS 10.10.10.53 and search
docker-dca.example; the new container dns-check shows both in its resolv.conf, not given by its own flags."""

from checks import Verdict, containers, daemon, verdict

TASK = "daemon-dns"
SETTINGS = {"dns": ["10.10.10.53"], "dns-search": ["docker-dca.example"]}
WANTED = {  # check -> (resolv.conf keyword, value, the container's own setting, its flag)
    "dns-server": ("nameserver", "10.10.10.53", "Dns", "--dns"),
    "dns-search": ("search", "docker-dca.example", "DnsSearch", "--dns-search"),
}


def resolv_conf(host, info: dict | None) -> dict[str, list[str]]:
    """Each resolv.conf keyword of the running container with its values ({} when it cannot be read)."""
    if info is None or not info["State"]["Running"]:
        return {}
    result = host.run("docker exec %s cat /etc/resolv.conf", info["Id"])
    found: dict[str, list[str]] = {}
    for line in result.stdout.splitlines() if result.rc == 0 else []:
        keyword, *values = line.split() or [""]
        found.setdefault(keyword, []).extend(values)
    return found


def daemon_gave(info: dict | None, seen: dict[str, list[str]], check: str) -> Verdict:
    keyword, value, setting, flag = WANTED[check]
    expected = f"dns-check's resolv.conf has {keyword} {value}, from the daemon's configuration"
    if info is None:
        return containers.absent("dns-check", expected)
    if not seen:
        return verdict(False, expected, f"dns-check is {info['State']['Status']}: its resolv.conf cannot be read")
    network = info["HostConfig"]["NetworkMode"]
    own = info["HostConfig"].get(setting) or []
    found = (f"{keyword} {' '.join(seen.get(keyword, [])) or 'missing'}" + (
        f"; dns-check is on {network}, not the default bridge" if network not in ("default", "bridge") else "") + (
        f"; dns-check was given {flag} itself" if own else ""))
    return verdict(value in seen.get(keyword, []) and network in ("default", "bridge") and not own, expected, found)


def test_daemon_dns(task) -> None:
    master = task.host("master")
    if task.solving:
        if daemon.ensure_settings(master, SETTINGS)[0]:
            daemon.restart_docker(master)
        containers.ensure(master, "dns-check", "docker run -d --name dns-check busybox sleep 1d",
                          lambda found: all(daemon_gave(found, resolv_conf(master, found), check).passed
                                            for check in WANTED))
    found = containers.named(master, "dns-check")
    seen = resolv_conf(master, found)
    task.grade({check: daemon_gave(found, seen, check) for check in WANTED})
