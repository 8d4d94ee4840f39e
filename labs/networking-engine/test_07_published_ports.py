"""Task published-ports: web-fixed answers on worker1:8081 from master; web-random publishes all its ports (-P);
/root/answers/ports.txt holds what docker port says of web-random."""

import re

from checks import Verdict, containers, files, registry_api, run_or_raise, verdict
from checks.docker_cli import docker_output

TASK = "published-ports"
ANSWER = "/root/answers/ports.txt"
MAPPING = re.compile(r"^(\d+/(?:tcp|udp|sctp))\s*->\s*\S*:(\d+)$")  # 80/tcp -> 0.0.0.0:49153 (or [::]:49153)
RUNS = {"web-fixed": "docker run -d --name web-fixed -p 8081:80 nginx:1.25",
        "web-random": "docker run -d --name web-random -P nginx:1.25"}


def mappings(lines: list[str]) -> set[tuple[str, str]]:
    """(container port, host port) of each line docker port prints; other lines are ignored."""
    return {(match[1], match[2]) for line in lines if (match := MAPPING.match(line.strip()))}


def fixed_answers(master, info: dict | None) -> Verdict:
    expected = "web-fixed publishes 8081 and http://worker1.docker-dca.example:8081/ answers from master"
    if info is None:
        return containers.absent("web-fixed", expected)
    result = master.run("curl -sS -m 3 -o /dev/null -w '%%{http_code}' %s", "http://worker1.docker-dca.example:8081/")
    bound = ", ".join(f"{binding['HostIp'] or '0.0.0.0'}:{binding['HostPort']}"
                      for binding in (info["HostConfig"].get("PortBindings") or {}).get("80/tcp") or []) or "nothing"
    return verdict(containers.publishes(info, 8081).passed and result.stdout == "200", expected,
                   f"web-fixed publishes 80/tcp on {bound}; from master curl says "
                   + (f"HTTP {result.stdout}" if result.rc == 0 else registry_api.complaint(result.stderr)[:160]))


def published_all(info: dict | None) -> Verdict:
    expected = "web-random running with -P (every exposed port published)"
    if info is None:
        return containers.absent("web-random", expected)
    return verdict(info["HostConfig"].get("PublishAllPorts") and info["State"]["Running"], expected,
                   f"web-random is {info['State']['Status']}, " + ("with -P" if info["HostConfig"].get(
                       "PublishAllPorts") else "without -P"))


def port_answers(worker1, info: dict | None) -> Verdict:
    expected = f"{ANSWER} gives what docker port web-random says"
    lines, why = files.answer_lines(worker1, ANSWER)
    truth = mappings((docker_output(worker1, "docker port %s", info["Id"]) or "").splitlines()) if info else set()
    if lines is None:
        return verdict(False, expected, why)
    given = mappings(lines)
    shown = ", ".join(f"{port} -> {host}" for port, host in sorted(given)) or "no line like 80/tcp -> 0.0.0.0:49153"
    return verdict(bool(truth) and given == truth, expected, f"{ANSWER} says {shown}" + (
        "" if truth else "; web-random publishes nothing now"))


def test_published_ports(task) -> None:
    worker1, master = task.host("worker1"), task.host("master")
    if task.solving:
        containers.ensure(worker1, "web-fixed", RUNS["web-fixed"], lambda found: fixed_answers(master, found).passed)
        containers.ensure(worker1, "web-random", RUNS["web-random"], lambda found: published_all(found).passed)
        if not port_answers(worker1, containers.named(worker1, "web-random")).passed:
            run_or_raise(worker1, "docker port web-random > %s", ANSWER)
    random = containers.named(worker1, "web-random")
    task.grade({
        "fixed-port-answers": fixed_answers(master, containers.named(worker1, "web-fixed")),
        "publish-all": published_all(random),
        "port-answers": port_answers(worker1, random),
    })
