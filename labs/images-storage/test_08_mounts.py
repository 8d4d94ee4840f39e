"""Task mounts: the container store has the volume data at /data, /root/app/config read-only at /config and a
64 MB tmpfs at /scratch."""

from checks import containers, run_or_raise, verdict

TASK = "mounts"
RUN = ("docker run -d --name store -v data:/data -v /root/app/config:/config:ro --tmpfs /scratch:size=64m "
       "busybox sleep 1d")
WANTED = {  # check -> (destination, what the mount must be)
    "named-volume": ("/data", lambda mount: mount["type"] == "volume" and mount["name"] == "data"),
    "read-only-bind": ("/config", lambda mount: mount["type"] == "bind" and mount["source"] == "/root/app/config"
                       and mount["read_only"]),
    "tmpfs-64m": ("/scratch", lambda mount: mount["type"] == "tmpfs" and mount.get("size") == 64 << 20),
}
SHOULD = {"named-volume": "the volume data at /data", "read-only-bind": "/root/app/config at /config, read-only",
          "tmpfs-64m": "a tmpfs of 64 MB at /scratch"}


def test_mounts(task) -> None:
    master = task.host("master")
    if task.solving and containers.named(master, "store") is None:
        run_or_raise(master, RUN)
    store = containers.named(master, "store")
    mounts = containers.mounts_of(store)
    task.grade({check: verdict(store is not None and destination in mounts and right(mounts[destination]),
                               SHOULD[check], containers.describe_mount(destination, mounts.get(destination))
                               if store else "there is no container store (docker ps -a)")
                for check, (destination, right) in WANTED.items()})
