"""The images-storage lab on the real cluster: equivalent solutions pass; learner mistakes, applied together to one
solved cluster, each fail the right check with a hint naming the mistake. That every check fails at the lab's start
and passes after solve, that grade is read-only and a second solve changes nothing, .ci/check-the-checkers checks."""

from __future__ import annotations

import pytest

from dcalab.backends.embedded import EmbeddedCluster
from tests.labrun import ROOT, assert_equivalents_pass_and_mistakes_fail, check_lines, run_lab

pytestmark = pytest.mark.any_cluster  # its lab's start on the session's cluster, named or not (.ci/cluster-session)

LAB = ROOT / "labs" / "images-storage"
SINGLE_STAGE = """FROM gcc:12
COPY app.c .
RUN gcc -O2 -o /usr/local/bin/app app.c
EXPOSE 8080
ENTRYPOINT /usr/local/bin/app
"""


EQUIVALENTS = [  # other ways to the same state, on master
    "docker rm -f store hardened",
    "docker run -d --name store --mount source=data,target=/data "
    "--mount type=bind,source=/root/app/config,target=/config,readonly "
    "--mount type=tmpfs,target=/scratch,tmpfs-size=67108864 busybox sleep 1d",
    "docker run -d --name hardened --read-only --mount type=tmpfs,target=/tmp --cap-drop all "
    "--cap-add CAP_NET_BIND_SERVICE --security-opt no-new-privileges:true --user 1000 --memory 268435456 "
    "--cpu-period 100000 --cpu-quota 50000 --pids-limit 100 busybox sleep 1d",
    "docker tag app:1.0 app:latest",
    "cut -c8-19 /root/answers/id.txt > /tmp/id && mv /tmp/id /root/answers/id.txt",  # the ID as docker ls shows it
]

MISTAKES = [  # (command on master, task, check that fails, words its finding must show)
    (f"cd /root/app && printf '%s' '{SINGLE_STAGE}' > Dockerfile && docker build -q -t app:1.0 . >/dev/null",
     "multi-stage", "no-build-tools", "the build stage's tools are in it"),
    ("true", "multi-stage", "non-root", "USER (root, the default)"),
    ("true", "multi-stage", "exec-form-entrypoint", "(shell form)"),
    ("true", "tags", "one-image-three-tags", "app:1 "),
    ("docker image rm app:flat >/dev/null && docker commit $(docker create app:1.0) app:flat >/dev/null",
     "flatten", "one-layer", "layers"),
    ("docker rm -f store >/dev/null && docker run -d --name store -v data:/data -v /root/app/config:/config "
     "--tmpfs /scratch busybox sleep 1d", "mounts", "read-only-bind", ", writable"),
    ("true", "mounts", "tmpfs-64m", "tmpfs without a size"),
    ("docker rm -f hardened >/dev/null && docker run -d --name hardened --read-only --tmpfs /tmp --cap-drop ALL "
     "--cap-add NET_BIND_SERVICE --cap-add CHOWN --security-opt no-new-privileges --memory 256m --cpus 1 "
     "--pids-limit 100 busybox sleep 1d", "hardened", "capabilities", "added CHOWN, NET_BIND_SERVICE"),
    ("true", "hardened", "non-root-user", "root (the default)"),
    ("true", "hardened", "limits", "1 CPUs"),
    ("echo 3 > /root/answers/layers.txt", "answers", "layer-count", "layers.txt says 3"),
    ("head -c 6000 /dev/urandom > /root/answers/base.txt", "answers", "labelled-images", "is not an answer"),
    ("docker image prune -af --filter label=keep=true >/dev/null", "prune-images", "kept-labelled", "removed: "),
    ("docker volume prune -f >/dev/null", "prune-volumes", "labelled-kept", "removed: audit"),
    ("docker stop -t 1 app >/dev/null", "healthcheck", "healthy", "app is exited"),
]


def test_equivalent_solutions_pass_and_each_mistake_fails_its_own_check(started: EmbeddedCluster) -> None:
    assert_equivalents_pass_and_mistakes_fail(started, LAB, EQUIVALENTS, MISTAKES)


def test_a_removed_image_is_said_missing_not_described(started: EmbeddedCluster) -> None:
    """With app:1.0 gone from master, the checks about it say so first, not the properties an absent image lacks."""
    run_lab("solve", "multi_stage", lab=LAB)
    started.host("master").check_output("docker image rm -f app:1.0 >/dev/null")
    graded = run_lab("grade", "multi_stage or healthcheck or save_load", lab=LAB)
    for task, check in (("multi-stage", "non-root"), ("multi-stage", "exposes-8080"),
                        ("healthcheck", "has-healthcheck"), ("save-load", "same-id-on-worker2")):
        own = check_lines(graded[task]["output"], check)
        assert "app:1.0 does not exist on master (removed?)" in own, own
    shown = "\n".join(entry["output"] for entry in graded.values())
    assert "(root, the default)" not in shown and "exposes nothing" not in shown and "not in the registry" not in shown
