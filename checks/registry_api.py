"""The registry's HTTP API (/v2/_catalog, /v2/<name>/tags/list, manifests), fetched with curl on a node.

>>> catalog = get(host("master"), "http://registry.docker-dca.example:5000/v2/_catalog"); catalog.status
200
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

from checks import Verdict, verdict

MANIFEST_TYPES = ",".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])
CURL_ELAPSED = re.compile(r" after \d+ ms")  # curl's timing, which would make two grades of one state differ
HTTP_MEANINGS = {
    401: "the registry wants a user name and password",
    403: "the registry refuses this user",
    404: "not found",
    500: "the registry failed inside (often its storage: see docker logs on the registry node)",
    503: "the registry is unavailable",
}
DOCKER_CONFIG = "/root/.docker/config.json"  # where `docker login` as root keeps its credentials
CURL_MEANINGS = {  # what a learner should read into a few of curl's complaints
    "wrong version number": "it speaks plain HTTP there, not TLS",
    "Failed to connect": "nothing answers on that port",
}


@dataclass(frozen=True)
class Response:
    status: int | None  # None when no HTTP answer came
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    error: str = ""  # curl's message when there was no answer

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def field(self, *keys: str):
        """The value at these keys of a JSON object body; None when the body, or a level of it, is not an object with
        the key (a learner's server may answer anything)."""
        value = self.json() if self.status == 200 else None
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def without(self, key: str) -> str:
        """An HTTP 200 answer that lacks `key`, quoting what it said instead."""
        return f"{self.describe()} without {json.dumps(key)}: {self.body.strip()[:160]}"

    def describe(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        meaning = HTTP_MEANINGS.get(self.status, "")
        return f"HTTP {self.status}" + (f": {meaning}" if meaning else "")


def get(host, url: str, accept: str = "", timeout: int = 5, options: str = "", ca_pem: str = "") -> Response:
    """GET a URL from a node with curl; the answer as status, headers and body. `options`: curl options the lab
    itself writes (a credentials file read on the node: -u "$(cat FILE)"); `ca_pem`: a CA to trust, given on
    curl's standard input so that no file is left on the node."""
    header = ["-H", f"Accept: {accept}"] if accept else []
    trust = ("printf %%s %s | ", [ca_pem]) if ca_pem else ("", [])
    extra = " ".join(filter(None, ["--cacert /dev/stdin" if ca_pem else "", options]))
    result = host.run(trust[0] + "curl -sS -i -m %s " + (f"{extra} " if extra else "") + "%s " * len(header) + "%s",
                      *trust[1], str(timeout), *header, url)
    if result.rc != 0:
        return Response(None, error=complaint(result.stderr) or f"curl exit {result.rc}")
    return parse_answer(result.stdout)


def as_user(auth_file: str) -> str:
    """curl's option to ask as the user in `auth_file` (user:password), read on the node: the password never
    passes through dcalab."""
    return f'-u "$(cat {shlex.quote(auth_file)})"'


def complaint(stderr: str) -> str:
    """curl's message for a request that got no HTTP answer, without its timing (a grade's text is its state's)."""
    said = CURL_ELAPSED.sub("", stderr.strip().removeprefix("curl: "))
    meaning = next((meaning for clue, meaning in CURL_MEANINGS.items() if clue in said), "")
    return f"{meaning}: {said}" if meaning else said


def parse_answer(printed: str) -> Response:
    """The status, headers and body of what `curl -i` printed for a request that got an HTTP answer."""
    head, _, body = printed.replace("\r\n", "\n").partition("\n\n")
    lines = head.splitlines()
    status = lines[0].split()[1:2] if lines and lines[0].startswith("HTTP/") else []
    if not (status and status[0].isdigit()):  # another program on the registry's port
        return Response(None, error=f"not an HTTP answer: {printed.strip()[:80]!r}")
    headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    return Response(int(status[0]), {k.strip().lower(): v.strip() for k, v in headers.items()}, body)


def base_url(registry: str, scheme: str = "http") -> str:
    return f"{scheme}://{registry}/v2"


def catalog(host, registry: str) -> Response:
    return get(host, f"{base_url(registry)}/_catalog")


def tags(host, registry: str, name: str) -> Response:
    return get(host, f"{base_url(registry)}/{name}/tags/list")


def manifest(host, registry: str, name: str, tag: str) -> Response:
    return get(host, f"{base_url(registry)}/{name}/manifests/{tag}", accept=MANIFEST_TYPES)


def answers(response: Response, what: str) -> Verdict:
    return verdict(response.status == 200, f"{what} answers HTTP 200", response.describe())


def lists_repository(response: Response, name: str) -> Verdict:
    expected = f"the catalog lists {name}"
    listed = response.field("repositories")
    if not isinstance(listed, list):
        return verdict(False, expected, response.without("repositories") if response.status == 200 else
                       response.describe())
    return verdict(name in listed, expected, f"repositories: {json.dumps(listed)}")


def has_exact_tags(response: Response, name: str, expected_tags: list[str]) -> Verdict:
    expected = f"{name} with tags {json.dumps(expected_tags)}"
    if response.status == 404:
        return verdict(False, expected, f"{name} is not in the registry")
    listed = response.field("tags")
    if response.status != 200:
        return verdict(False, expected, f"{name}: {response.describe()}")
    if not isinstance(listed, list | None):
        return verdict(False, expected, f"{name}: {response.without('tags')}")
    return verdict(sorted(map(str, listed or [])) == sorted(expected_tags), expected,
                   f"{name} with tags {json.dumps(listed)}")


def manifest_digest(response: Response) -> str | None:
    return response.headers.get("docker-content-digest") if response.status == 200 else None


def config_digest(response: Response) -> str | None:
    """The image ID the manifest describes (its config blob's digest)."""
    digest = response.field("config", "digest")
    return digest if isinstance(digest, str) else None


def has_manifest(response: Response, reference: str, catalog_response: Response | None = None) -> Verdict:
    """The manifest is served; when it is not, say what the catalog does hold (a push to the wrong name)."""
    digest = manifest_digest(response)
    found = f"digest {digest}" if digest else f"{reference}: {response.describe()}"
    listed = catalog_response.field("repositories") if catalog_response is not None else None
    if not digest and isinstance(listed, list):
        found += f"; the catalog lists {json.dumps(listed)}"
    return verdict(digest is not None, f"{reference} in the registry", found)



def logged_in(host, registry: str) -> bool:
    """root on the node has credentials for the registry (an "auths" entry; the credential itself is not read)."""
    return host.run("jq -e --arg r %s '.auths[$r]' %s >/dev/null", registry, DOCKER_CONFIG).rc == 0
