"""Task autolock: autolock on, master unlocked, and /root/unlock.key holds the current unlock key."""

from checks import run_or_raise, swarm, swarm_security

TASK = "autolock"
KEY_FILE = "/root/unlock.key"


def test_autolock(task) -> None:
    manager = task.host("master")
    if task.solving:
        swarm_security.ensure_unlocked(manager, KEY_FILE)  # a manager docker restarted is locked until unlocked
        if not swarm_security.autolock(swarm.local_swarm(manager)).passed:
            run_or_raise(manager, "docker swarm update --autolock=true >/dev/null")
            run_or_raise(manager, "docker swarm unlock-key -q > %s && systemctl restart docker", KEY_FILE)
        elif not swarm_security.key_saved(manager, KEY_FILE).passed:
            run_or_raise(manager, "docker swarm unlock-key -q > %s", KEY_FILE)
        swarm_security.ensure_unlocked(manager, KEY_FILE)
    task.grade({
        "autolock-on": swarm_security.autolock(swarm.local_swarm(manager)),
        "key-saved": swarm_security.key_saved(manager, KEY_FILE),
    })
