"""The registry-secure lab on the real cluster: the start's own findings (the registry lab solved); equivalent
solutions pass (a config file and --mount instead of -e and -v); learner mistakes, applied together to one solved
cluster, each fail the right check with a finding or hint naming the mistake; a stopped registry is FAIL in bounded
time; no password, hash, key or login credential reaches a report or the history. That every check fails at the
lab's start and passes after solve, that grade is read-only and a second solve changes nothing,
.ci/check-the-checkers checks."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

import pytest

from checks import retried, services
from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import (
    ROOT,
    assert_equivalents_pass_and_mistakes_fail,
    check_lines,
    on_nodes,
    outputs,
    run_lab,
    verdicts,
)
from tests.test_reports import chromium, headless  # noqa: F401 (chromium is a fixture)

pytestmark = pytest.mark.any_cluster  # its lab's start on the session's cluster, named or not (.ci/cluster-session)

LAB = ROOT / "labs" / "registry-secure"
REGISTRY = "registry.docker-dca.example:5000"
LOGIN = f"cut -d: -f2- /etc/dcalab/registry-auth | docker login -u dca --password-stdin {REGISTRY} >/dev/null"
CONFIG = """version: 0.1
storage:
  filesystem: {rootdirectory: /var/lib/registry}
  delete: {enabled: true}
http:
  addr: :5000
  tls: {certificate: /certs/registry.crt, key: /certs/registry.key}
auth:
  htpasswd: {realm: dca-lab, path: /auth/htpasswd}
"""
# what must never be shown: the password, its base64 login form, a private key, an htpasswd hash
SECRETS = ("dca-lab-2026", "ZGNhOmRjYS1sYWItMjAyNg", "PRIVATE KEY-----\nMII", "$2y$05$")


def test_the_start_fails_each_task_with_its_own_finding(started: EmbeddedCluster) -> None:
    graded = run_lab("grade", lab=LAB)
    assert "nothing serves TLS on 5000 (no answer (it speaks plain HTTP there, not TLS" in check_lines(
        graded["serve-tls"]["output"], "images-kept")
    assert "x509" not in graded["trust"]["output"] or "certs.d" in graded["trust"]["output"]


EQUIVALENTS = [  # other ways to the same state
    # the registry from a config file, everything given with --mount
    ("registry", f"printf '{CONFIG}' > /root/registry.yml && volume=$(docker inspect --format "
                 "'{{range .Mounts}}{{if eq .Destination \"/var/lib/registry\"}}{{.Name}}{{end}}{{end}}' registry) && "
                 "docker rm -f registry && docker run -d --restart=always --name registry -p 5000:5000 "
                 "--mount source=$volume,target=/var/lib/registry "
                 "--mount type=bind,src=/root/certs,dst=/certs,readonly "
                 "--mount type=bind,src=/root/auth,dst=/auth,readonly "
                 "--mount type=bind,src=/root/registry.yml,dst=/etc/docker/registry/config.yml,readonly registry:2 "
                 "&& sleep 2"),
    # insecure-registries emptied rather than removed (the running docker has none left already)
    ("master", "jq '.\"insecure-registries\" = []' /etc/docker/daemon.json > /tmp/d && cat /tmp/d > "
               "/etc/docker/daemon.json"),
    # the mirror written with a trailing slash
    ("worker1", "jq '.\"registry-mirrors\" = [\"http://registry.docker-dca.example:5001/\"]' /etc/docker/daemon.json "
                "> /tmp/d && cat /tmp/d > /etc/docker/daemon.json && systemctl reload docker && sleep 1"),
]

MISTAKES = [  # (command, task, check that fails, words its finding or hint must show); applied in this order
    # the CA in a folder named without the port: docker does not trust the registry there
    (("worker1", f"mv /etc/docker/certs.d/{REGISTRY} /etc/docker/certs.d/registry.docker-dca.example"),
     "trust", "ca-in-certs-d", f"found on worker1: there is no /etc/docker/certs.d/{REGISTRY}/ca.crt"),
    ("true", "trust", "tls-trusted", "found on worker1: docker says: failed to configure transport: error pinging v2 "
     "registry: Get \"https://registry.docker-dca.example:5000/v2/\": x509: certificate signed by unknown authority"),
    # insecure-registries left in worker2's file (the mirror mistake below reloads it into the running docker)
    (("worker2", f"jq '.\"insecure-registries\" = [\"{REGISTRY}\"]' /etc/docker/daemon.json > /tmp/d && cat /tmp/d > "
                 "/etc/docker/daemon.json"), "trust", "insecure-gone", "found on worker2: daemon.json"),
    (("worker2", f"docker logout {REGISTRY} >/dev/null"), "login", "logged-in",
     f"found on worker2: no \"auths\" entry for {REGISTRY}"),
    # the service made without --with-registry-auth, on a worker1 that has not pulled the image yet
    ("docker service rm private-web >/dev/null && sleep 2", "with-registry-auth", "running-on-worker1",
     "No such image: registry.docker-dca.example:5000/nginx:latest"),
    (("worker1", f"docker rmi -f $(docker images -q {REGISTRY}/nginx) >/dev/null"), "with-registry-auth",
     "running-on-worker1", "--with-registry-auth"),
    ("docker service create -d -q --name private-web --constraint node.hostname==worker1.docker-dca.example "
     f"{REGISTRY}/nginx >/dev/null 2>&1", "with-registry-auth", "running-on-worker1", "found: none; the last task "
     "error: "),
    # wordpress pushed again, then garbage-collect run without a DELETE first (a restart clears the registry's
    # cache of blobs, which would otherwise still claim the collected ones)
    (("registry", f"docker restart registry >/dev/null && sleep 2 && {LOGIN} && docker push -q {REGISTRY}/wordpress "
                  f">/dev/null && docker logout {REGISTRY} >/dev/null && docker exec registry registry garbage-collect "
                  "/etc/docker/registry/config.yml >/dev/null"), "delete-gc", "manifest-gone", "found: HTTP 200"),
    ("true", "delete-gc", "blobs-reclaimed", "2 of them still there"),
    # the mirror set on worker2 instead of worker1
    (("worker1", "jq 'del(.\"registry-mirrors\")' /etc/docker/daemon.json > /tmp/d && cat /tmp/d > "
                 "/etc/docker/daemon.json && systemctl reload docker"), "pull-through-cache", "mirror-configured",
     "found: the running docker uses it, but neither daemon.json nor dockerd's flags name it"),
    (("worker2", "jq '.\"registry-mirrors\" = [\"http://registry.docker-dca.example:5001\"]' /etc/docker/daemon.json "
                 "> /tmp/d && cat /tmp/d > /etc/docker/daemon.json && systemctl reload docker"), "pull-through-cache",
     "mirror-configured", "docker info shows Registry Mirrors"),
    # the certificate signed again without the SAN (the running registry serves the old one until it restarts)
    (("registry", "cd /root/certs && openssl x509 -req -in registry.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
                  "-days 365 -out registry.crt 2>/dev/null"), "certificates", "san", "it has no subjectAltName"),
]
# dca's password stored as MD5, which registry:2 refuses: a round of its own, since it locks out the user the
# grade itself reads the registry as
MD5 = ("registry", "htpasswd -bm /root/auth/htpasswd dca \"$(cut -d: -f2- /etc/dcalab/registry-auth)\" 2>/dev/null")


def never_shown(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} shown in: {text[max(0, text.find(secret) - 200):][:400]}"


def test_equivalents_pass_mistakes_fail_a_stopped_registry_fails_and_no_secret_is_shown(
        started: EmbeddedCluster, chromium: str, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    history = tmp_path / "history.sqlite3"
    graded = assert_equivalents_pass_and_mistakes_fail(started, LAB, EQUIVALENTS, MISTAKES)
    never_shown(*(entry["output"] for entry in graded.values()))
    on_nodes(started, [MD5])
    locked_out = check_lines(run_lab("grade", "htpasswd", lab=LAB)["htpasswd"]["output"], "user-accepted")
    assert "HTTP 401: the registry wants a user name and password; the htpasswd file holds dca's password as MD5 " \
           "(htpasswd -m)" in locked_out, locked_out
    on_nodes(started, [("registry", "docker stop registry >/dev/null")])
    began = time.monotonic()
    stopped = run_lab("grade", "", f"--lab-report-html={tmp_path / 'stopped.html'}", history=history, lab=LAB)
    took = time.monotonic() - began
    for task in ("serve-tls", "htpasswd", "delete-gc"):  # the learner's registry down: FAIL, never ENV-ERROR
        assert stopped[task]["verdict"] in ("FAIL", "BLOCKED"), stopped[task]["output"]
    assert "nothing answers on that port" in stopped["serve-tls"]["output"], stopped["serve-tls"]["output"]
    # private-web is left in a restart loop (no such image on worker1): a grade waits that out, within the settle
    # deadline, as it waits out any task failed and about to be replaced
    assert took < 30 + services.SETTLE_SECONDS, f"a grade with the registry stopped took {took:.1f} s"
    solved = run_lab("solve", "", f"--lab-report-html={tmp_path / 'solved.html'}", history=history, lab=LAB)
    assert set(verdicts(solved).values()) == {"PASS"}, outputs(solved, "PASS")
    dom = headless(chromium, "--dump-dom", (tmp_path / "solved.html").as_uri())
    assert f"Registry contents: {REGISTRY}" in dom and "alpine" in dom and "sha256:" in dom, dom[-3000:]
    with sqlite3.connect(history) as rows:
        tables = [name for (name,) in rows.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        kept = "\n".join(str(row) for table in tables for row in rows.execute(f"SELECT * FROM {table}"))
    assert "delete-gc" in kept, tables
    never_shown(dom, (tmp_path / "stopped.html").read_text(), kept,
                *(entry["output"] for entry in [*stopped.values(), *solved.values()]))


def learner_registry(cluster: EmbeddedCluster, env: dict[str, str], binds: list[str]) -> dict:
    """The registry run again as a learner might have run it (odd -e values, bind mounts with odd paths), keeping its
    data volume; its docker inspect."""
    registry = cluster.host("registry")
    data = registry.check_output("docker inspect registry --format '{{range .Mounts}}{{if eq .Destination "
                                 "\"/var/lib/registry\"}}{{.Name}}{{end}}{{end}}'")
    for bind in binds:
        registry.run("mkdir -p %s", bind.split(":")[0])
    options = [part for key, value in env.items() for part in ("-e", f"{key}={value}")] + [
        part for bind in binds for part in ("-v", bind)]
    registry.check_output("docker rm -f registry >/dev/null && docker run -d --restart=always --name registry "
                          "-p 5000:5000 -v %s:/var/lib/registry " + " ".join(["%s"] * len(options)) + " registry:2",
                          data, *options)
    registry.check_output(retried("curl -sf -o /dev/null http://localhost:5000/v2/", 20, pause=0.5))  # it runs
    return json.loads(registry.check_output("docker inspect registry"))[0]


def odd_values(seed: int) -> dict[str, str]:
    """Settings a learner may give a registry: values with spaces, quotes, $, backquotes, backslashes, shell
    operators and a newline (registry:2 reads each as YAML, so each starts with a letter to stay a valid one)."""
    rng = random.Random(seed)
    return {"REGISTRY_LOG_FIELDS_REALM": "Registry Realm",  # a value with a space, as Docker documents the realm
            "REGISTRY_HTTP_SECRET": "line one\nline $two",
            **{f"REGISTRY_LOG_FIELDS_ODD{number}": "v" + "".join(rng.choice("abZ9 '\"$`\\;&|()<>%=")
                                                               for _ in range(rng.randint(6, 20)))
               for number in range(6)}}


def test_a_solve_keeps_a_registry_run_with_odd_values_and_never_loses_it(started: EmbeddedCluster) -> None:
    """The learner's registry, run with -e values holding spaces, quotes, $ and a newline and bind mounts whose
    paths hold a space, $ and quotes, is run again by the solve with every value as it was; a replacement that
    fails (TLS asked before the certificates exist) leaves the learner's container as it was, running."""
    registry = started.host("registry")
    env, binds = odd_values(2026), ["/root/my conf:/extra:ro", "/root/a$b 'c':/odd"]
    before = learner_registry(started, env, binds)
    registry.check_output("rm -rf /root/certs")  # the serve-tls solve then asks for certificates that are not there
    failed = run_lab("solve", "serve_tls", lab=LAB)["serve-tls"]
    assert failed["verdict"] in ("FAIL", "BLOCKED") and "Solving it failed" in failed["output"], failed["output"]
    after_failure = json.loads(registry.check_output("docker inspect registry"))[0]
    assert (after_failure["Id"], after_failure["State"]["Running"]) == (before["Id"], True)
    assert registry.run("docker inspect registry-dcalab-new").rc != 0  # no replacement left behind
    solved = run_lab("solve", "certificates or serve_tls", lab=LAB)
    assert verdicts(solved) == {"certificates": "PASS", "serve-tls": "PASS"}, outputs(solved, "PASS")
    again = json.loads(registry.check_output("docker inspect registry"))[0]
    kept = dict(entry.split("=", 1) for entry in again["Config"]["Env"])
    assert {key: kept.get(key) for key in env} == env
    assert {"/root/my conf", "/root/a$b 'c'"} <= {mount["Source"] for mount in again["Mounts"]}
