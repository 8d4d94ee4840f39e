"""Task tags: app:1.0, app:1 and app:latest are one image."""

from checks import images, run_or_raise

TASK = "tags"
TAGS = ["app:1.0", "app:1", "app:latest"]


def test_tags(task) -> None:
    master = task.host("master")
    if task.solving and not images.same_id(master, TAGS).passed:
        for tag in TAGS[1:]:
            run_or_raise(master, "docker image tag app:1.0 %s", tag)
    task.grade({"one-image-three-tags": images.same_id(master, TAGS)})
