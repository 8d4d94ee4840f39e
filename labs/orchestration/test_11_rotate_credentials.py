"""Task rotate-credentials: the worker token's secret and the root CA differ from the start's; 720 h certificates."""

from checks import Verdict, run_or_raise, swarm, swarm_security

TASK = "rotate-credentials"
TOKEN_RECORD, TRUST_ROOT_RECORD = "/etc/dcalab/worker-token.sha256", "/etc/dcalab/trust-root.sha256"  # from the start
ROTATE = {"token-rotated": "docker swarm join-token --rotate -q worker", "ca-rotated": "docker swarm ca --rotate -q",
          "cert-expiry-30-days": "docker swarm update --cert-expiry 720h"}


def _look(manager) -> dict[str, Verdict]:
    return {
        "token-rotated": swarm_security.changed_since_start(manager, swarm_security.TOKEN_SECRET, TOKEN_RECORD,
                                                            "worker join token"),
        "ca-rotated": swarm_security.changed_since_start(manager, swarm_security.TRUST_ROOT, TRUST_ROOT_RECORD,
                                                         "root CA"),
        "cert-expiry-30-days": swarm_security.cert_expiry(swarm.local_swarm(manager), 720),
    }


def test_rotate_credentials(task) -> None:
    manager = task.host("master")
    if task.solving:
        for check, found in _look(manager).items():
            if not found.passed:
                run_or_raise(manager, f"{ROTATE[check]} >/dev/null")
    task.grade(_look(manager))
