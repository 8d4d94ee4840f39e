"""The cluster's fingerprint (tests.labrun.fingerprint) kept in a file, then compared: a grade is read-only and a
second solve changes nothing. Used by .ci/check-the-checkers on the embedded cluster $DCALAB_CLUSTER names:

    python -m tests.unchanged keep FILE          # the fingerprint now, into FILE
    python -m tests.unchanged same FILE WHAT     # exit 1 and say what WHAT changed when it differs from FILE's
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import changed, fingerprint


def main(arguments: list[str]) -> int:
    action, kept, *what = arguments
    now = fingerprint(EmbeddedCluster())
    if action == "keep":
        Path(kept).write_text(json.dumps(now))
        return 0
    before = json.loads(Path(kept).read_text())
    if now == before:
        return 0
    print(f"{' '.join(what)} changed the cluster:\n{changed(before, now)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
