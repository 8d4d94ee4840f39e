"""Task hardened: the container hardened is read-only with a tmpfs, keeps only NET_BIND_SERVICE, cannot gain
privileges, runs as 1000:1000 and has memory, CPU and pids limits (units normalised: 256m, 0.5 CPUs)."""

from checks import containers, images, run_or_raise, verdict

TASK = "hardened"
RUN = ("docker run -d --name hardened --read-only --tmpfs /tmp --cap-drop ALL --cap-add NET_BIND_SERVICE "
       "--security-opt no-new-privileges --user 1000:1000 --memory 256m --cpus 0.5 --pids-limit 100 busybox sleep 1d")
MEMORY, NANO_CPUS, PIDS = 256 << 20, 500_000_000, 100


def _capabilities(names: list[str] | None) -> list[str]:
    return sorted(name.upper().removeprefix("CAP_") for name in names or [])


def _cpus(host_config: dict) -> float:
    """--cpus is NanoCpus; --cpu-quota/--cpu-period give the same limit another way."""
    if host_config.get("NanoCpus"):
        return host_config["NanoCpus"] / 1e9
    period = host_config.get("CpuPeriod") or 100_000
    return host_config["CpuQuota"] / period if host_config.get("CpuQuota") else 0


def test_hardened(task) -> None:
    master = task.host("master")
    if task.solving and containers.named(master, "hardened") is None:
        run_or_raise(master, RUN)
    info = containers.named(master, "hardened")
    if info is None:
        task.grade(dict.fromkeys(("read-only-root", "capabilities", "no-new-privileges", "non-root-user", "limits"),
                                 containers.absent("hardened", "the container hardened, locked down")))
        return
    config, writable = info["HostConfig"], containers.mounts_of(info)
    dropped, added = _capabilities(config.get("CapDrop")), _capabilities(config.get("CapAdd"))
    options = [option.replace("=", ":") for option in config.get("SecurityOpt") or []]
    cpus, memory, pids = _cpus(config), config.get("Memory") or 0, config.get("PidsLimit") or 0
    task.grade({
        "read-only-root": verdict(config.get("ReadonlyRootfs") and any(m["type"] == "tmpfs" for m in writable.values()),
                                  "a read-only root file system and a tmpfs",
                                  f"read-only {bool(config.get('ReadonlyRootfs'))}, tmpfs at "
                                  f"{', '.join(d for d, m in writable.items() if m['type'] == 'tmpfs') or 'none'}"),
        "capabilities": verdict(dropped == ["ALL"] and added == ["NET_BIND_SERVICE"],
                                "every capability dropped but NET_BIND_SERVICE",
                                f"dropped {', '.join(dropped) or 'none'}, added {', '.join(added) or 'none'}"),
        "no-new-privileges": verdict(any(option in ("no-new-privileges", "no-new-privileges:true")
                                         for option in options),
                                     "--security-opt no-new-privileges",
                                     f"security options: {', '.join(options) or 'none'}"),
        "non-root-user": verdict(images.non_root(info["Config"].get("User")), "user 1000:1000, not root",
                                 f"user {info['Config'].get('User') or 'root (the default)'}"),
        "limits": verdict(memory == MEMORY and abs(cpus - 0.5) < 1e-9 and pids == PIDS,
                          "256 MB of memory, 0.5 CPUs, 100 processes",
                          f"memory {memory} bytes, {cpus:g} CPUs, pids limit {pids or 'none'}"),
    })
