"""runc wrapper for machines whose capability bounding set lacks some capabilities.

`docker run --privileged` asks runc for every capability; where the bounding set misses one
(CAP_SYS_RESOURCE in some sandboxes), runc fails with "unable to apply caps". dcalab registers this
script as the engine's default runtime only on such machines: it removes from the OCI spec the
capabilities the machine cannot grant, then runs the real runc with the same arguments.
"""

import json
import os
import sys

REAL_RUNC = "/usr/bin/runc"
CAPABILITY_NAMES = (
    "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
    "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO "
    "SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME "
    "SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG "
    "WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE"
).split()


def missing_capabilities(status_text: str) -> set[str]:
    """The capabilities named in CAPABILITY_NAMES that CapBnd in /proc/self/status lacks."""
    bounding = next(line.split()[1] for line in status_text.splitlines() if line.startswith("CapBnd:"))
    mask = int(bounding, 16)
    return {f"CAP_{name}" for bit, name in enumerate(CAPABILITY_NAMES) if not mask >> bit & 1}


def strip_capabilities(capabilities: dict, missing: set[str]) -> dict:
    return {kind: [cap for cap in caps if cap not in missing] for kind, caps in capabilities.items()}


def _patch(path: str, key_path: tuple[str, ...], missing: set[str]) -> None:
    with open(path) as spec_file:
        spec = json.load(spec_file)
    holder = spec
    for key in key_path[:-1]:
        holder = holder.get(key, {})
    capabilities = holder.get(key_path[-1])
    if capabilities:
        holder[key_path[-1]] = strip_capabilities(capabilities, missing)
        with open(path, "w") as spec_file:
            json.dump(spec, spec_file)


def _option(args: list[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def main() -> None:
    args = sys.argv[1:]
    with open("/proc/self/status") as status:
        missing = missing_capabilities(status.read())
    if missing:
        bundle = _option(args, "--bundle") or _option(args, "-b")
        if bundle and {"create", "run"} & set(args):
            _patch(os.path.join(bundle, "config.json"), ("process", "capabilities"), missing)
        process = _option(args, "--process")
        if process:
            _patch(process, ("capabilities",), missing)
    os.execv(REAL_RUNC, [REAL_RUNC, *args])


if __name__ == "__main__":
    main()
