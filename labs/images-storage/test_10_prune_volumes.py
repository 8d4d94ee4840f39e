"""Task prune-volumes: the unused volumes the start made are gone, and the prune kept those labelled keep=true
(a check that needs the prune done: before it, nothing was kept by choice)."""

from checks import run_or_raise, verdict, volumes

TASK = "prune-volumes"
UNUSED, KEPT = ("old-cache", "old-logs"), ("audit",)  # made by the lab's start


def test_prune_volumes(task) -> None:
    master = task.host("master")
    if task.solving:
        # from Engine 23, prune takes named volumes only with --all, a flag 20.10 does not know
        run_or_raise(master, "docker volume prune -f $(docker volume prune --help | grep -q -- --all && echo --all) "
                             "--filter 'label!=keep' >/dev/null")
    present = volumes.names(master)
    left, gone = sorted(set(UNUSED) & present), sorted(set(KEPT) - present)
    task.grade({
        "unused-removed": verdict(not left, f"{', '.join(UNUSED)} removed",
                                  f"still there: {', '.join(left)}" if left else "removed"),
        "labelled-kept": verdict(not left and not gone, f"the prune kept {', '.join(KEPT)} (labelled keep=true)",
                                 f"removed: {', '.join(gone)}" if gone else "kept" if not left else "no prune yet"),
    })
