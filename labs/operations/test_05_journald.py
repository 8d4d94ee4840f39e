"""Task journald: on worker1, the error line of the failed container billing (planted by the lab's start, with a
word made up then) in an answer file, and a container heartbeat whose lines the journal holds.

Read with journalctl and docker inspect only: the journal is the evidence, whichever way heartbeat got its driver
(the daemon's default log-driver or its own --log-driver)."""

from checks import containers, files, journald, run_or_raise

TASK = "journald"
ANSWER = "/root/answers/billing-failure.txt"
FAILED, HEARTBEAT = "billing", "heartbeat"
RUN_HEARTBEAT = ("docker run -d --name heartbeat --log-driver journald busybox "
                 "sh -c 'while true; do echo \"heartbeat $(date)\"; sleep 10; done'")
LOGGED_SECONDS = 10  # a container just started has its first line in the journal within a second


def failure_found(worker1, lines: list[journald.Line]):
    answer, why = files.answer_lines(worker1, ANSWER)
    return journald.answer_is_failure(answer, lines, why, FAILED)


def heartbeat_logged(worker1):
    info = containers.named(worker1, HEARTBEAT)
    lines = journald.container_lines(worker1, f"CONTAINER_ID_FULL={info['Id']}") if info else []
    return journald.logs_to_journal(info, lines, HEARTBEAT)


def test_journald(task) -> None:
    worker1 = task.host("worker1")
    failed = journald.container_lines(worker1, f"CONTAINER_NAME={FAILED}")
    if task.solving:
        if not failure_found(worker1, failed).passed:
            error = next((line.message for line in failed if line.stderr), None)
            if error is not None:
                files.ensure_answer(worker1, ANSWER, [error])
        info = containers.named(worker1, HEARTBEAT)
        if info is not None and info["HostConfig"]["LogConfig"]["Type"] != "journald":  # kept, with its logs
            run_or_raise(worker1, "docker rename %s %s-before-solve-$(date +%%Y%%m%%d-%%H%%M%%S)", HEARTBEAT,
                         HEARTBEAT)
        containers.ensure(worker1, HEARTBEAT, RUN_HEARTBEAT)
        task.until(lambda: heartbeat_logged(worker1), LOGGED_SECONDS)
    task.grade({"failure-found": failure_found(worker1, failed), "heartbeat-in-journal": heartbeat_logged(worker1)})
