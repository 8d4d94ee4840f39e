"""Task swarm-backup: on master (a manager), an archive of /var/lib/docker/swarm taken while docker was stopped,
docker running again with master a manager, and a daily systemd timer whose service has run once.

At the lab's start the swarm has no quorum (the quorum task): master is then still a manager, its swarm state
"pending" after a restart, and nothing is scheduled until the quorum is back, so nothing is waited for."""

import time

from checks import Verdict, daemon, run_or_raise, services, swarm, swarm_backup, systemd, verdict

TASK = "swarm-backup"
ARCHIVE = "/root/backups/swarm.tar.gz"
SCRIPT = "/usr/local/sbin/swarm-backup"
TIMER, SERVICE = "swarm-backup.timer", "swarm-backup.service"
REJOIN_SECONDS = 30  # a manager whose docker restarted takes part in the raft again within seconds
RESTART_SETTLE = 60  # seconds the swarm tasks of a restarted docker take to run again
MEMBER = ("active", "pending")  # pending: a manager whose swarm has no leader (a lost quorum), or not yet
BACKUP = (f"mkdir -p /root/backups && systemctl stop docker && {{ tar -czf {ARCHIVE} -C / var/lib/docker/swarm; "
          "s=$?; systemctl start docker; exit $s; }")
UNITS = {  # the job as the task's instructions write it
    SCRIPT: "#!/bin/sh\nmkdir -p /root/backups\nsystemctl stop docker\n"
                              f"tar -czf {ARCHIVE} -C / var/lib/docker/swarm\n"
                              "status=$?\nsystemctl start docker\nexit $status\n",
    f"/etc/systemd/system/{SERVICE}": f"[Unit]\nDescription=Back up the swarm\n[Service]\nType=oneshot\n"
                                      f"ExecStart={SCRIPT}\n",
    f"/etc/systemd/system/{TIMER}": "[Unit]\nDescription=Back up the swarm daily\n[Timer]\nOnCalendar=daily\n"
                                    "Persistent=true\n[Install]\nWantedBy=timers.target\n",
}


def schedule(host) -> Verdict:
    return systemd.daily_timer(systemd.unit_state(host, TIMER), systemd.next_run(host, TIMER),
                               systemd.unit_state(host, SERVICE), systemd.last_run(host, SERVICE), (TIMER, SERVICE),
                               time.time())


def taken_while_stopped(host) -> Verdict:
    written = swarm_backup.written_at(host, ARCHIVE)
    if written is None:
        return verdict(False, "the archive written while docker.service was stopped", f"there is no file {ARCHIVE}")
    return systemd.within_a_span(written, systemd.stopped_spans(host, "docker.service"), ARCHIVE, "docker.service")


def running(host) -> bool:
    """docker.service runs (asked through systemd: a stopped docker is not started by the grade through its socket)."""
    return systemd.active(systemd.unit_state(host, "docker.service"), "docker.service").passed


def manager_back(host) -> Verdict:
    """docker runs again and the node is a manager of its swarm (active, or pending while its swarm has no quorum),
    once there is a backup to be back from."""
    expected = "after the backup, docker running on master and master a manager of the swarm"
    if swarm_backup.written_at(host, ARCHIVE) is None:
        return verdict(False, expected, f"there is no backup yet ({ARCHIVE})")
    if not running(host):
        return verdict(False, expected, "docker.service is not running on master")
    own = swarm.local_swarm(host)
    managing = own.get("LocalNodeState") in MEMBER and bool(own.get("ControlAvailable"))
    return verdict(managing, expected, "it is" if managing else
                   f"master's swarm state is {own.get('LocalNodeState')}, "
                   f"{'a manager' if own.get('ControlAvailable') else 'not a manager'}")


def ensure_job(host) -> None:
    """The job's script and units as the instructions write them; a learner's files that do not make a working
    schedule are kept beside them with a date."""
    for path, text in UNITS.items():
        run_or_raise(host, "[ ! -e %s ] || mv %s %s.before-solve-$(date +%%Y%%m%%d-%%H%%M%%S); "
                           "printf %%s %s > %s && chmod %s %s", path, path, path, text, path,
                     "755" if path == SCRIPT else "644", path)
    run_or_raise(host, f"systemctl daemon-reload && systemctl enable --now {TIMER}")


def test_swarm_backup(task) -> None:
    master = task.host("master")
    stopped_docker = False
    # without a quorum (the lab's start) nothing is scheduled: no task to wait for after docker restarts
    leading = task.solving and swarm.has_leader(master)
    if task.solving:
        if not schedule(master).passed:
            ensure_job(master)
            run_or_raise(master, f"systemctl reset-failed docker.service; systemctl start {SERVICE}")
            stopped_docker = True
        archive = swarm_backup.holds_swarm_state(swarm_backup.members(master, ARCHIVE), ARCHIVE)
        if not (archive.passed and taken_while_stopped(master).passed):
            run_or_raise(master, "systemctl reset-failed docker.service; " + BACKUP)
            stopped_docker = True
        if not running(master):
            daemon.restart_docker(master)
            stopped_docker = True
    if running(master) and swarm_backup.written_at(master, ARCHIVE) is not None:  # a manager whose docker just
        task.until(lambda: manager_back(master), REJOIN_SECONDS)                    # came back rejoins the raft
        if stopped_docker and leading:  # and starts its swarm tasks again: judged once they run
            task.until(lambda: services.tasks_running_on(master, master), RESTART_SETTLE)
    task.grade({
        "archive-content": swarm_backup.holds_swarm_state(swarm_backup.members(master, ARCHIVE), ARCHIVE),
        "taken-while-stopped": taken_while_stopped(master),
        "manager-back": manager_back(master),
        "daily-timer": schedule(master),
    })
