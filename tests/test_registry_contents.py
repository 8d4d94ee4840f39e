"""The registry's contents in the HTML report: parsed from what curl printed (registry:2's answers recorded on the real
cluster), bounded, escaped; read in one round trip by the real shell script, here in a local shell against a fake
registry that answers as registry:2 did; and only a grade that writes the page reads it."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dcalab import plugin, registry_contents
from dcalab.backends.shell import GRADE_TIMEOUT, shell_host
from dcalab.errors import NodeTimeout
from dcalab.grade_plan import load_plan, plan_file
from dcalab.lab import ReportRegistry, load_lab
from dcalab.registry_contents import RegistryContents, Tag, parse_contents, read_contents
from dcalab.report import render_html
from dcalab.topology import topology
from tests.labrun import LAB
from tests.replay import RECORDINGS
from tests.test_new_lab import make_lab

MARKER = "@@dcalab-0123456789abcdef"
REGISTRY = "registry.docker-dca.example:5000"
SOURCE = ReportRegistry(REGISTRY, "master")
HOSTILE = "<img src=x onerror=alert(1)>"


def recorded() -> dict[str, str]:
    """What `curl -sS -i` printed for each path the solved registry lab's grade asked (registry:2's answers)."""
    answers = {}
    for node in json.loads((RECORDINGS / "registry-solved.json").read_text())["answers"].values():
        for command, (_, printed, _) in node.items():
            if command.startswith("curl") and "/v2/" in command:
                answers[command.rpartition("/v2/")[2]] = printed
    return answers


RECORDED = recorded()
# alpine as the recording's registry served it: the digest it named and the bytes its manifest lists (made anew with
# each recording, since the stand-in image is built on the recording machine)
ALPINE_HEADERS, _, ALPINE_BODY = RECORDED["alpine/manifests/latest"].partition("\r\n\r\n")
ALPINE_DIGEST = ALPINE_HEADERS.split("Docker-Content-Digest: ")[1].split("\r")[0]
ALPINE_SIZE = sum(part["size"] for part in [json.loads(ALPINE_BODY)["config"], *json.loads(ALPINE_BODY)["layers"]])


def answer(body: object, status: str = "200 OK") -> str:
    """An answer as registry:2 prints it (its headers as recorded), with this body."""
    text = json.dumps(body, separators=(",", ":")) + "\n"
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\nDocker-Distribution-Api-Version: "
            f"registry/2.0\r\nX-Content-Type-Options: nosniff\r\nContent-Length: {len(text)}\r\n\r\n{text}")


def registry_answers(**changes: str) -> dict[str, str]:
    """The solved lab's registry, by path below /v2/: the recorded answers and, as registry:2 would give them, those
    the recording lacks (alpine's tag list; mysql, traefik and wordpress answer with nginx's manifest)."""
    answers = {**RECORDED, "alpine/tags/list": answer({"name": "alpine", "tags": ["latest"]})}
    for name in ("mysql/manifests/5.7", "traefik/manifests/latest", "wordpress/manifests/latest"):
        answers[name] = RECORDED["nginx/manifests/latest"]
    return {**answers, **changes}


def printed(answers: dict[str, str], base: str = f"http://{REGISTRY}/v2") -> str:
    """What the read prints when each path answers so: each answer followed by curl's marker line."""
    return "".join(f"{text}\n{MARKER} {text.split()[1]} {base}/{path}\n" for path, text in answers.items())


def test_recorded_answers_are_repositories_tags_digests_and_sizes() -> None:
    contents = parse_contents(printed(registry_answers()), MARKER, SOURCE)
    assert not contents.problem and contents.more_repositories == 0
    assert [repository.name for repository in contents.repositories] == [
        "alpine", "mysql", "nginx", "traefik", "wordpress"]
    alpine = contents.repositories[0].tags
    assert alpine == (Tag("latest", ALPINE_DIGEST, ALPINE_SIZE),)
    assert alpine[0].short_digest == ALPINE_DIGEST[:19]
    assert contents.repositories[1].tags[0].name == "5.7"
    assert contents.commands[0] == f"curl -s http://{REGISTRY}/v2/_catalog"


def test_an_index_shows_its_images_and_a_tagless_repository_says_so() -> None:
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"digest": "sha256:aa", "size": 1}, {"digest": "sha256:bb", "size": 1}]}
    answers = registry_answers(**{"alpine/manifests/latest": answer(index).replace(
        "Content-Type:", "Docker-Content-Digest: sha256:cc\r\nContent-Type:"),
        "nginx/tags/list": answer({"name": "nginx", "tags": None})})
    contents = parse_contents(printed(answers), MARKER, SOURCE)
    assert contents.repositories[0].tags == (Tag("latest", "sha256:cc", platforms=2),)
    assert contents.repositories[2].tags == () and not contents.repositories[2].problem


@pytest.mark.parametrize(("path", "status", "where", "said"), [
    ("_catalog", "500 Internal Server Error", lambda contents: contents.problem,
     "The registry did not list its repositories: HTTP 500: the registry failed inside (often its storage: see docker "
     "logs on the registry node)."),
    ("_catalog", "401 Unauthorized", lambda contents: contents.problem,
     "The registry did not list its repositories: HTTP 401: the registry wants a user name and password."),
    ("nginx/tags/list", "404 Not Found", lambda contents: contents.repositories[2].problem,
     "its tags could not be listed: HTTP 404: not found"),
    ("nginx/manifests/latest", "404 Not Found", lambda contents: contents.repositories[2].tags[0].problem,
     "its manifest could not be read: HTTP 404: not found"),
])
def test_an_error_answer_is_a_sentence_where_it_happened(path: str, status: str, where, said: str) -> None:
    answers = registry_answers(**{path: answer({"errors": [{"code": "UNKNOWN", "message": "error"}]}, status)})
    contents = parse_contents(printed(answers), MARKER, SOURCE)
    assert where(contents) == said
    assert all(not repository.problem and repository.tags[0].digest  # the other repositories are still shown
               for repository in contents.repositories if repository.name != "nginx")


def test_what_is_not_a_registry_answer_is_a_sentence() -> None:
    refused = f"curl: (7) Failed to connect to registry.docker-dca.example port 5000 after 3 ms: Connection refused\n" \
              f"{MARKER} 000 http://{REGISTRY}/v2/_catalog\n"
    assert parse_contents(refused, MARKER, SOURCE).problem == (
        "The registry did not list its repositories: no answer (nothing answers on that port: (7) Failed to connect to "
        "registry.docker-dca.example port 5000: Connection refused).")
    assert parse_contents("sh: 1: curl: not found\n", MARKER, SOURCE).problem == (
        "master could not run curl (sh: 1: curl: not found).")
    html = answer({}).replace('{}', '<html>a proxy page</html>')
    assert "not the JSON list" in parse_contents(printed({"_catalog": html}), MARKER, SOURCE).problem
    cut = printed(registry_answers())[:-300]  # the budget ended the read during wordpress's manifest
    assert parse_contents(cut, MARKER, SOURCE).repositories[4].tags[0].problem == "not read in time"


def test_long_lists_are_cut_and_counted() -> None:
    names = [f"team/app{number:02}" for number in range(53)]
    tags = [f"1.{number}" for number in range(25)]
    answers = {"_catalog": answer({"repositories": names}), "team/app00/tags/list": answer({"name": "x", "tags": tags})}
    contents = parse_contents(printed(answers), MARKER, SOURCE)
    assert len(contents.repositories) == registry_contents.REPOSITORY_LIMIT == 50 and contents.more_repositories == 3
    first = contents.repositories[0]
    assert len(first.tags) == registry_contents.TAG_LIMIT == 20 and first.more_tags == 5


def test_a_hostile_name_is_listed_as_text_and_never_asked_for() -> None:
    answers = registry_answers(**{
        "_catalog": answer({"repositories": ["alpine", HOSTILE, "nginx\x1b[2J"]}),
        "alpine/tags/list": answer({"name": "alpine", "tags": ["latest", "<b>bold</b>"]})})
    contents = parse_contents(printed(answers), MARKER, SOURCE)
    assert [repository.problem for repository in contents.repositories[1:]] == [
        "not read: not a valid repository name"] * 2
    assert contents.repositories[2].name == "nginx\\x1b[2J"  # a terminal control written out
    assert contents.repositories[0].tags[1].problem == "not read: not a valid tag name"
    page = render_html(load_lab(LAB), {}, "grade", "embedded", registry=contents)
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>bold" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


# -- the read itself: the shell script in a local shell, against a fake registry ----------------------------------
class FakeRegistry(BaseHTTPRequestHandler):
    """Answers each path below /v2/ with the server's `answers` (as curl printed them); records what was asked."""

    def do_GET(self) -> None:
        server = self.server
        server.asked.append(self.path)
        time.sleep(server.delay)
        if server.password and self.headers.get("Authorization") != server.password:
            text = answer({"errors": [{"code": "UNAUTHORIZED"}]}, "401 Unauthorized")
        else:
            text = server.answers.get(self.path.removeprefix("/v2/"), answer({"errors": []}, "404 Not Found"))
        head, _, body = text.partition("\r\n\r\n")
        status, *headers = head.split("\r\n")
        self.send_response(int(status.split()[1]))
        for header in headers:
            name, _, value = header.partition(": ")
            if name.lower() not in ("content-length", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def fake_registry(answers: dict[str, str], password: str = "", delay: float = 0.0,
                  certificate: Path | None = None) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRegistry)
    server.answers, server.asked, server.delay = answers, [], delay
    server.password = "Basic " + base64.b64encode(password.encode()).decode() if password else ""
    if certificate:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(certificate, certificate.with_suffix(".key"))
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class LocalCluster:
    """A cluster whose nodes are local shells: all the plugin and the read ask of one; each node keeps what it ran."""

    name = identity = "local"
    cluster_name = ""
    user, topology = "", topology()

    def __init__(self, timeout: float = GRADE_TIMEOUT) -> None:
        self.timeout, self.hosts = timeout, {}

    def host(self, node: str):
        return self.hosts.setdefault(node, shell_host(["/bin/sh"], node, timeout=self.timeout))

    def prefetch(self, plan: dict[str, list[str]]) -> None:
        pass

    def asked(self) -> dict[str, list[str]]:
        return {node: list(host.backend.asked) for node, host in self.hosts.items()}


def local(server: ThreadingHTTPServer, **options: str) -> ReportRegistry:
    return ReportRegistry(f"127.0.0.1:{server.server_port}", "master", **options)


def test_the_read_is_one_command_that_asks_only_valid_names_within_the_limits(monkeypatch) -> None:
    answers = registry_answers(**{
        "_catalog": answer({"repositories": [HOSTILE, "alpine", "mysql", "nginx"]}),
        "alpine/tags/list": answer({"name": "alpine", "tags": ["<b>bold</b>", "latest", "3.19"]})})
    monkeypatch.setattr(registry_contents, "REPOSITORY_LIMIT", 3)
    monkeypatch.setattr(registry_contents, "TAG_LIMIT", 2)
    cluster = LocalCluster()
    with fake_registry(answers) as server:
        contents = read_contents(cluster, local(server))
    assert server.asked == ["/v2/_catalog", "/v2/alpine/tags/list", "/v2/alpine/manifests/latest",
                            "/v2/mysql/tags/list", "/v2/mysql/manifests/5.7"]
    assert len(cluster.asked()["master"]) == 1  # one round trip
    assert [repository.name for repository in contents.repositories] == [HOSTILE, "alpine", "mysql"]
    assert contents.more_repositories == 1 and contents.repositories[1].more_tags == 1
    assert contents.repositories[1].tags[1] == Tag("latest", ALPINE_DIGEST, ALPINE_SIZE)


def test_a_registry_down_a_node_that_times_out_and_a_slow_registry_are_sentences() -> None:
    with fake_registry({}) as server:
        port = server.server_port  # nothing listens there once it is closed
    down = read_contents(LocalCluster(), ReportRegistry(f"127.0.0.1:{port}", "master")).problem
    assert down == (f"The registry did not list its repositories: no answer (nothing answers on that port: (7) Failed "
                    f"to connect to 127.0.0.1 port {port}: Couldn't connect to server).")

    class Frozen(LocalCluster):
        def host(self, node: str):
            raise NodeTimeout(f"{node} did not answer within 10 s.", "Check with: dcalab cluster status")

    assert read_contents(Frozen(), SOURCE).problem == ("The registry could not be read from master: master did not "
                                                       "answer within 10 s. Check with: dcalab cluster status")
    with fake_registry(registry_answers(), delay=0.3) as server:  # a 6 s timeout: 2 s for the repositories, 1 to 2
        slow = read_contents(LocalCluster(timeout=6), local(server))  # by the clock's whole seconds; all 5 need 3
    assert slow.repositories[0].tags and slow.repositories[-1].problem == "not read in time"  # cut at its budget


def test_credentials_are_read_on_the_node_and_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "registry auth"
    secret.write_text("learner:s3cret-Pa55\n")
    with fake_registry(registry_answers(), password="learner:s3cret-Pa55") as server:
        without = read_contents(LocalCluster(), local(server))
        contents = read_contents(LocalCluster(), local(server, auth_file=str(secret)))
        unreadable = read_contents(LocalCluster(), local(server, auth_file=str(tmp_path / "missing")))
    assert "HTTP 401: the registry wants a user name and password" in without.problem
    assert not contents.problem and contents.repositories[0].tags[0].digest
    assert f'-u "$(cat \'{secret}\')"' in contents.commands[0]
    assert unreadable.problem == f"The registry was not asked: master cannot read the credentials file " \
                                 f"{tmp_path / 'missing'}."
    page = render_html(load_lab(LAB), {}, "grade", "embedded", registry=contents)
    assert "s3cret" not in page and "s3cret" not in repr(contents)


def test_https_is_read_with_the_ca_the_lab_names(tmp_path: Path) -> None:
    certificate = tmp_path / "registry.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=registry",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", certificate.with_suffix(".key"),
                    "-out", certificate], check=True, capture_output=True)
    with fake_registry(registry_answers(), certificate=certificate) as server:
        untrusted = read_contents(LocalCluster(), local(server, scheme="https"))
        trusted = read_contents(LocalCluster(), local(server, scheme="https", ca=str(certificate)))
    assert "The registry did not list its repositories: no answer ((60) SSL certificate problem" in untrusted.problem
    assert not trusted.problem and len(trusted.repositories) == 5
    assert trusted.commands[0] == f"curl -s --cacert {certificate} https://127.0.0.1:{server.server_port}/v2/_catalog"


def test_only_a_grade_that_writes_the_html_report_reads_the_registry(pytester, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DCALAB_HISTORY", str(tmp_path / "history.sqlite3"))
    monkeypatch.setenv("DCALAB_STATE", str(tmp_path / "state"))
    make_lab(pytester)
    cluster = LocalCluster()
    monkeypatch.setattr(plugin, "get_cluster", lambda name, **options: cluster)
    page = tmp_path / "report.html"
    with fake_registry(registry_answers()) as server:
        with (pytester.path / "toy" / "lab.toml").open("a") as lab:
            lab.write(f'[report]\nregistry = "127.0.0.1:{server.server_port}"\nfrom = "master"\n')
        pytester.runpytest_inprocess("toy", "-p", "no:cacheprovider").assert_outcomes(passed=1, failed=1)
        assert server.asked == [] and cluster.asked() == {}
        pytester.runpytest_inprocess("toy", "-p", "no:cacheprovider", f"--lab-report-html={page}")
    assert len(cluster.asked()["master"]) == 1 and server.asked[0] == "/v2/_catalog"
    assert load_plan(plan_file("local", ["toy"], "")) == {}  # the next grade's prefetch does not read it either
    html = page.read_text()
    assert "Registry contents: 127.0.0.1:" in html and ALPINE_DIGEST[:19] in html and "registry:2 has no web" in html


def fake_contents() -> RegistryContents:
    """The solved registry lab's contents, from recorded answers, with a hostile repository and an error."""
    answers = registry_answers(**{"_catalog": answer({"repositories": [
        "alpine", "mysql", "nginx", "traefik", "wordpress", HOSTILE]}),
        "traefik/tags/list": answer({"errors": [{"code": "NAME_UNKNOWN"}]}, "404 Not Found")})
    return parse_contents(printed(answers), MARKER, SOURCE)
