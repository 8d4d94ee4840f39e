"""Task flatten: app:flat has one layer, made by export and import."""

from checks import images, run_or_raise

TASK = "flatten"


def test_flatten(task) -> None:
    master = task.host("master")
    if task.solving and images.image(master, "app:flat") is None:
        run_or_raise(master, "docker create --name flat-src app:1.0 >/dev/null && docker export flat-src | "
                             "docker import --change 'ENTRYPOINT [\"/usr/local/bin/app\"]' - app:flat >/dev/null; "
                             "status=$?; docker rm flat-src >/dev/null; exit $status")
    task.grade({
        "one-layer": images.one_layer(images.image(master, "app:flat")),
        "imported": images.imported(images.history(master, "app:flat")),
    })
