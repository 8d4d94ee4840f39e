"""Task save-load: worker2 has app:1.0 with master's image ID, carried as a tar stream."""

from checks import SolveError, images, retried, run_or_raise, verdict

TASK = "save-load"
PORT = "9000"


def test_save_load(task) -> None:
    master, worker2 = task.host("master"), task.host("worker2")
    if task.solving and not images.same_image(worker2, "app:1.0", (images.image(master, "app:1.0") or {}).get("Id"),
                                              "app:1.0 on worker2").passed:
        run_or_raise(worker2, f"nohup sh -c 'nc -l -p {PORT} | docker load' >/dev/null 2>&1 &")
        sent = master.run(retried(f"docker save app:1.0 | nc -N {task.fqdn('worker2')} {PORT}", 20, pause=0.5))
        if sent.rc != 0:
            raise SolveError(f"worker2 did not take the image on port {PORT}: {sent.stderr.strip()[-200:]}")
        task.until(lambda: verdict(images.image(worker2, "app:1.0") is not None, "loaded", "loading"), 30)
    on_master = images.image(master, "app:1.0")
    task.grade({"same-id-on-worker2": images.same_image(worker2, "app:1.0", on_master["Id"],
                                                        "app:1.0 on worker2 (compared with master's)")
                if on_master else images.absent("app:1.0", "master")})
