"""`dcalab images save FILE` and `dcalab images load FILE`: the image bundle of an air-gapped class or a machine that
cannot make the images (no root, no Debian packages)."""

from __future__ import annotations

import argparse
from pathlib import Path


def images_command(args: argparse.Namespace) -> int:
    # the engine and the Docker SDK only when asked: every other command starts without them
    from dcalab.engine import ensure_engine
    from dcalab.images.bundle import load_bundle, save_bundle

    path = Path(args.file)
    client = ensure_engine()
    if args.action == "save":
        tags = save_bundle(client, path)
        print(f"Wrote {len(tags)} images to {path} ({path.stat().st_size / 2**20:.0f} MiB). On another machine: "
              f"dcalab images load {path.name}, then dcalab lab start registry.")
    else:
        tags = load_bundle(client, path)
        print(f"Loaded {len(tags)} images from {path}: dcalab lab start registry now makes its cluster from them, "
              "with no Debian package, network or root needed for the images.")
    return 0


def add_images_parser(commands: argparse._SubParsersAction) -> None:
    images = commands.add_parser("images", help="the images dcalab needs in one file: save them where they are "
                                 "made, load them on a machine offline or without root")
    images.add_argument("action", choices=["save", "load"], help="save: write every image to FILE (it must not "
                        "exist yet); load: load FILE's images into the engine")
    images.add_argument("file", metavar="FILE", help="the image bundle, e.g. dcalab-images.tar")
    images.set_defaults(handler=images_command)
