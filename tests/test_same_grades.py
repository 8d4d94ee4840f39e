"""tests.same_grades, on reports written here: timings and random IDs aside, a task graded otherwise is a
difference."""

from __future__ import annotations

import json
from pathlib import Path

from tests.same_grades import main


def report(folder: Path, name: str, verdict: str, output: str) -> str:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"tests": [{"task": "daemon-tls", "verdict": verdict, "output": output}]}))
    return str(path)


def test_curl_s_milliseconds_are_no_difference_and_a_verdict_or_a_finding_is(tmp_path: Path, capsys) -> None:
    replayed = report(tmp_path, "replayed", "FAIL", "found: connection refused after 2 ms")
    assert main([replayed, report(tmp_path, "timing", "FAIL", "found: connection refused after 1 ms")]) == 0
    assert main([replayed, report(tmp_path, "verdict", "PASS", "found: connection refused after 2 ms")]) == 1
    volume = "note: the registry's data is in /var/lib/docker/volumes/{}/_data"
    assert main([report(tmp_path, "one", "PASS", volume.format("b9" * 32)),
                 report(tmp_path, "other", "PASS", volume.format("ca" * 32))]) == 0  # an anonymous volume's name
    assert main([replayed, report(tmp_path, "found", "FAIL", "found: swarm pending")]) == 1
    assert "daemon-tls" in capsys.readouterr().err
