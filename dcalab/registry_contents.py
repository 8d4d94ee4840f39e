"""What a lab's registry holds, as its HTML report shows it: repositories, tags, digests and sizes.

registry:2 has no web interface, so the report reads the registry's HTTP API as a learner would, with curl on the
node lab.toml's [report] names, in one round trip; only a grade that writes an HTML report asks. A registry or node
that does not answer is a sentence in the contents, never an error: the report is still written.
"""

from __future__ import annotations

import re
import secrets
import shlex
from dataclasses import dataclass

from checks.registry_api import MANIFEST_TYPES, Response, base_url, complaint, manifest_digest, parse_answer
from dcalab.backends.base import Cluster
from dcalab.backends.shell import GRADE_TIMEOUT
from dcalab.lab import ReportRegistry
from dcalab.shown import shown

REPOSITORY_LIMIT, TAG_LIMIT = 50, 20  # what one page shows; the rest is counted
CURL_SECONDS = 2  # per request: a registry on the lab network answers in milliseconds
# The names the API defines (distribution's grammar): only those are put in a URL, so a name the registry makes up
# can neither reach another path nor the node's shell. Extended regular expressions, for grep -E and Python alike.
REPOSITORY_NAME = r"[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*"
TAG_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"

# Run by sh on the node: the catalog, then for each of its first repositories whose name is valid, the tag list and,
# in one curl, the manifests of its first valid tags. curl follows each answer with a line "MARKER CODE URL" (code
# 000: no HTTP answer); the marker is new for each read, so nothing the registry sends can forge one. Repositories
# are read until the budget is spent. The credentials file is read here, on the node: it never reaches dcalab.
BROWSE = r"""set -f
marker=$1 base=$2 repositories=$3 tags=$4 budget=$5 curl_seconds=$6 accept=$7 name=$8 tag=$9 ca=${10} auth=${11}
set -- -sS -i -m "$curl_seconds" -w "\n$marker %{http_code} %{url_effective}\n"
[ -z "$ca" ] || set -- "$@" --cacert "$ca"
if [ -n "$auth" ]; then
  [ -r "$auth" ] || { echo "$marker unreadable"; exit 0; }
  set -- "$@" -u "$(cat "$auth")"
fi
listed() {  # the first $2 strings of the JSON list "$1": [...] (as registry:2 writes it) that match $3
  sed -n "s/.*\"$1\": *\[\([^]]*\)\].*/\1/p" | tr , '\n' | head -n "$2" | sed -n 's/^ *"\(.*\)" *$/\1/p' |
    grep -E "^($3)\$"
}
in_time() { left=$(( end - $(date +%s) )); [ "$left" -gt 0 ]; }
catalog=$(curl "$@" "$base/_catalog" 2>&1)
printf '%s\n' "$catalog"
end=$(( $(date +%s) + budget ))
for repository in $(printf '%s\n' "$catalog" | listed repositories "$repositories" "$name"); do
  in_time || break
  answer=$(timeout "$left" curl "$@" "$base/$repository/tags/list" 2>&1)
  printf '%s\n' "$answer"
  urls=$(printf '%s\n' "$answer" | listed tags "$tags" "$tag" | sed "s|^|$base/$repository/manifests/|")
  [ -n "$urls" ] || continue
  in_time || break
  timeout "$left" curl "$@" -H "Accept: $accept" $urls 2>/dev/null
done
"""


@dataclass(frozen=True)
class Tag:
    name: str
    digest: str = ""  # the manifest's, as docker push prints it
    size: int | None = None  # config and layers, compressed (as pushed); None for an index or a manifest not read
    platforms: int = 0  # an index (multi-platform image): how many images it lists
    problem: str = ""  # why the manifest is not shown

    @property
    def short_digest(self) -> str:
        algorithm, _, hexadecimal = self.digest.partition(":")
        return f"{algorithm}:{hexadecimal[:12]}"


@dataclass(frozen=True)
class Repository:
    name: str
    tags: tuple[Tag, ...] = ()
    more_tags: int = 0  # listed by the registry beyond TAG_LIMIT
    problem: str = ""  # why its tags are not shown


@dataclass(frozen=True)
class RegistryContents:
    source: ReportRegistry
    repositories: tuple[Repository, ...] = ()
    more_repositories: int = 0  # listed by the registry beyond REPOSITORY_LIMIT
    problem: str = ""  # a sentence when the catalog could not be read

    @property
    def commands(self) -> tuple[str, ...]:
        """The curl commands a learner types on the node to read the same; credentials named by their file."""
        source = self.source
        options = (f" --cacert {shlex.quote(source.ca)}" if source.ca else "") + (
            f' -u "$(cat {shlex.quote(source.auth_file)})"' if source.auth_file else "")
        base = base_url(source.registry, source.scheme)
        return (f"curl -s{options} {base}/_catalog", f"curl -s{options} {base}/<name>/tags/list",
                f"curl -sI{options} -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "
                f"{base}/<name>/manifests/<tag>")


def read_contents(cluster: Cluster, source: ReportRegistry) -> RegistryContents:
    """Read the registry from source.node in one round trip, within the node's command timeout."""
    marker = f"@@dcalab-{secrets.token_hex(8)}"
    # The repositories' budget comes after the catalog's request, and the margin covers date's whole seconds: the read
    # ends before the harness gives up on the node.
    budget = max(1, int(min(cluster.timeout, GRADE_TIMEOUT)) - CURL_SECONDS - 2)
    arguments = [marker, base_url(source.registry, source.scheme), str(REPOSITORY_LIMIT), str(TAG_LIMIT), str(budget),
                 str(CURL_SECONDS), MANIFEST_TYPES, REPOSITORY_NAME, TAG_NAME, source.ca, source.auth_file]
    try:
        result = cluster.host(source.node).run("sh -c %s sh" + " %s" * len(arguments) + " 2>&1", BROWSE, *arguments)
    except Exception as error:  # a node down, timed out or unreachable: the report says so and is still written
        return RegistryContents(source, problem=shown(f"The registry could not be read from {source.node}: {error}"))
    return parse_contents(result.stdout, marker, source)


def parse_contents(printed: str, marker: str, source: ReportRegistry) -> RegistryContents:
    """The contents from what BROWSE printed with this marker."""
    answers, unreadable = _answers(printed, marker)
    if unreadable:
        return RegistryContents(source, problem=f"The registry was not asked: {source.node} cannot read the "
                                f"credentials file {source.auth_file}.")
    catalog = answers.get("_catalog")
    if catalog is None:
        said = printed.strip().splitlines()[-1] if printed.strip() else "no output"
        return RegistryContents(source, problem=shown(f"{source.node} could not run curl ({said[:200]})."))
    if catalog.status != 200:
        return RegistryContents(source, problem=shown(f"The registry did not list its repositories: "
                                                      f"{catalog.describe()}."))
    names = _strings(catalog, "repositories")
    if names is None:
        return RegistryContents(source, problem="The registry's catalog is not the JSON list of repositories "
                                "the API defines.")
    return RegistryContents(source, tuple(_repository(name, answers) for name in names[:REPOSITORY_LIMIT]),
                            max(0, len(names) - REPOSITORY_LIMIT))


def _answers(printed: str, marker: str) -> tuple[dict[str, Response], bool]:
    """Each answer by its path below /v2/ (`_catalog`, `alpine/tags/list`, ...); whether the credentials were
    unreadable. Text after the last marker line (a request cut short by the budget) is no answer."""
    answers: dict[str, Response] = {}
    text: list[str] = []
    for line in printed.splitlines(keepends=True):
        if not line.startswith(f"{marker} "):
            text.append(line)
            continue
        code, _, url = line.removeprefix(f"{marker} ").strip().partition(" ")
        if code == "unreadable":
            return {}, True
        answers[url.partition("/v2/")[2]] = _response("".join(text).removesuffix("\n"), code)
        text = []
    return answers, False


def _response(printed: str, code: str) -> Response:
    """One request's answer from what curl printed before its marker line (its complaint too, if kept)."""
    start = printed.find("HTTP/")
    if code == "000" or start < 0:
        said = re.search(r"curl: \(\d+\).*", printed)
        return Response(None, error=complaint(said.group()) if said else "no answer")
    return parse_answer(printed[start:])


def _strings(answer: Response, key: str) -> list[str] | None:
    """The JSON answer's list under key, each entry as text; None when the answer holds no such list."""
    body = answer.json()
    if not isinstance(body, dict) or key not in body:
        return None
    listed = [] if body[key] is None else body[key]  # null: registry:2's tags of a repository whose tags were deleted
    return [str(entry) for entry in listed] if isinstance(listed, list) else None


def _not_read(name: str, pattern: str, what: str) -> str:
    return "not read in time" if re.fullmatch(pattern, name) else f"not read: not a valid {what} name"


def _repository(name: str, answers: dict[str, Response]) -> Repository:
    answer = answers.get(f"{name}/tags/list")
    if answer is None:
        return Repository(shown(name), problem=_not_read(name, REPOSITORY_NAME, "repository"))
    if answer.status != 200:
        return Repository(shown(name), problem=shown(f"its tags could not be listed: {answer.describe()}"))
    tags = _strings(answer, "tags")
    if tags is None:
        return Repository(shown(name), problem="its tag list is not the JSON the API defines")
    return Repository(shown(name), tuple(_tag(name, tag, answers) for tag in tags[:TAG_LIMIT]),
                      max(0, len(tags) - TAG_LIMIT))


def _tag(repository: str, name: str, answers: dict[str, Response]) -> Tag:
    answer = answers.get(f"{repository}/manifests/{name}")
    if answer is None:
        return Tag(shown(name), problem=_not_read(name, TAG_NAME, "tag"))
    if answer.status != 200:
        return Tag(shown(name), problem=shown(f"its manifest could not be read: {answer.describe()}"))
    digest, manifest = shown(manifest_digest(answer) or ""), answer.json()
    if isinstance(manifest, dict) and isinstance(manifest.get("manifests"), list):
        return Tag(shown(name), digest, platforms=len(manifest["manifests"]))
    return Tag(shown(name), digest, _image_size(manifest))


def _image_size(manifest: object) -> int | None:
    """What pulling the image downloads: its config and layers, as the manifest gives their sizes."""
    try:
        sizes = [manifest["config"]["size"], *(layer["size"] for layer in manifest["layers"])]
    except (KeyError, TypeError):  # not an image manifest as the API defines it (schema 1, or made up)
        return None
    return sum(sizes) if all(isinstance(size, int) and not isinstance(size, bool) for size in sizes) else None
