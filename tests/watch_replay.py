"""`dcalab watch` as a learner runs it, but on recorded answers instead of a cluster, for the tests in a pty:

    python -m tests.watch_replay STATE_FILE [dcalab watch's arguments]

STATE_FILE holds one line the test rewrites while the watch runs: a recorded state of the registry lab, then
optionally NODE=STATE for nodes that answer from another state or are away (`start registry=solved`,
`solved worker2=away`). The watch reads it anew before each grade. Only `get_cluster` is replaced here: the
arguments, the watch and its exit status are dcalab's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dcalab import cli
from tests.pristine import REGISTRY_LAB
from tests.replay import ReplayCluster, mix


def read_state(path: Path) -> dict:
    state, *nodes = path.read_text().split()
    return mix(REGISTRY_LAB, state, **dict(node.split("=") for node in nodes))


class StateFileCluster(ReplayCluster):
    """Answers as the state the file names when the grade starts (read again after each grade)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(read_state(path))

    def forget_answers(self) -> None:
        self.answer_from(read_state(self.path))

    reconnect = forget_answers


def main() -> int:
    state_file, *arguments = sys.argv[1:]
    cli.get_cluster = lambda name, **options: StateFileCluster(Path(state_file))
    return cli.main(["watch", *arguments])


if __name__ == "__main__":
    sys.exit(main())
