"""Docker CLI contexts in a test's config folder, written where and as `docker context create` and
`docker context use` write them (docker/cli's context store)."""

from __future__ import annotations

import json
from pathlib import Path

from dcalab.endpoint import context_id


def context_meta(name: str, host: str, skip_tls_verify: bool = False) -> str:
    """meta.json as `docker context create NAME --docker host=HOST` (CLI 28.2) writes it, byte for byte."""
    return json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host,
                                                                                "SkipTLSVerify": skip_tls_verify}}},
                      separators=(",", ":"))


def add_context(config: Path, meta: str, tls_files: tuple[str, ...] = ()) -> Path:
    """A context in the store under `config`, where the CLI keeps it; returns its TLS folder."""
    name = json.loads(meta)["Name"]
    folder = config / "contexts" / "meta" / context_id(name)
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(meta)
    tls = config / "contexts" / "tls" / context_id(name) / "docker"
    for file in tls_files:
        tls.mkdir(parents=True, exist_ok=True)
        (tls / file).write_text(f"-----BEGIN {file}-----\n")
    return tls


def use_context(config: Path, name: str) -> None:
    """`docker context use NAME`: config.json's currentContext."""
    (config / "config.json").write_text(json.dumps({"auths": {}, "currentContext": name}, indent="\t"))
