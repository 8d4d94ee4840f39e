"""Files a learner writes on a node, read carefully: an answer file is short text, anything else is said so."""

from __future__ import annotations

from checks import run_or_raise

ANSWER_LIMIT = 4096  # bytes: an answer is a few lines


def answer_lines(host, path: str) -> tuple[list[str] | None, str]:
    """The non-empty lines of an answer file, or None and why it is not an answer."""
    result = host.run("[ -f %s ] || { echo missing; exit 3; }; head -c %s %s | od -An -c | grep -q '\\\\0' "
                      "&& { echo binary; exit 4; }; head -c %s %s", path, str(ANSWER_LIMIT + 1), path,
                      str(ANSWER_LIMIT + 1), path)
    if result.rc == 3:
        return None, f"there is no file {path}"
    if result.rc == 4:
        return None, f"{path} is not an answer (binary content)"
    if result.rc != 0:
        return None, f"{path} could not be read: {result.stderr.strip()[:200]}"
    if len(result.stdout.encode()) > ANSWER_LIMIT:
        return None, f"{path} is not an answer (over {ANSWER_LIMIT} bytes)"
    return [line.strip() for line in result.stdout.splitlines() if line.strip()], ""


def ensure_answer(host, path: str, lines: list[str]) -> None:
    """Solve mode: write the answer file, one item a line; a learner's other answer is kept beside it with a date."""
    run_or_raise(host, "mkdir -p %s && { [ ! -e %s ] || mv %s %s.before-solve-$(date +%%Y%%m%%d-%%H%%M%%S); } && "
                       "printf '%%s\\n'" + " %s" * len(lines) + " > %s", path.rpartition("/")[0], path, path, path,
                 *lines, path)
