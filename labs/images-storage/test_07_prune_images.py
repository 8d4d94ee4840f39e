"""Task prune-images: no dangling image without keep=true is left, and the prune kept every image the start
labelled keep=true (a check that needs the prune done)."""

from checks import images, run_or_raise, verdict

TASK = "prune-images"
KEPT = "/etc/dcalab/keep-images"  # the IDs of the keep=true images, recorded by the lab's start


def test_prune_images(task) -> None:
    master = task.host("master")
    if task.solving:
        run_or_raise(master, "docker image prune -f --filter 'label!=keep=true' >/dev/null")
    dangling = sorted(entry["ID"][:19] for entry in images.listed(master, "dangling=true")  # ls: no label!= filter
                      if (images.config_value(images.image(master, entry["ID"]), "Labels") or {}).get("keep") != "true")
    planted = master.run("cat %s", KEPT).stdout.split()
    present = {image["Id"] for image in [images.image(master, image_id) for image_id in planted] if image}
    gone = [image_id[:19] for image_id in planted if image_id not in present]
    task.grade({
        "no-dangling": verdict(not dangling, "no dangling image (except those labelled keep=true)",
                               f"dangling: {', '.join(dangling)}" if dangling else "none dangling"),
        "kept-labelled": verdict(bool(planted) and not gone and not dangling,
                                 "the prune kept the images labelled keep=true",
                                 f"removed: {', '.join(gone)}" if gone else f"{len(planted)} kept" if not dangling
                                 else "no prune yet"),
    })
