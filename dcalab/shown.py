"""Text dcalab did not write itself (a node's output, a command that carries a join token), made safe to show
a learner: no credential, no terminal control.

It is applied where such text enters what a learner sees: every DcalabError (the CLI's messages, vagrant's
last words, a grade's reasons), every graded finding (dcalab.grading), from which the terminal table, the
JSON and HTML reports and the exam are made, and `dcalab cluster status`'s lines.
"""

from __future__ import annotations

import re

SECRET = re.compile(r"(SWMTKN|SWMKEY)-[\w+/=-]+")  # swarm join tokens and autolock unlock keys
PRIVATE_KEY = re.compile(r"(-----BEGIN [A-Z ]*PRIVATE KEY-----).*?(-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL)
# htpasswd and shadow entries: bcrypt, Apache's MD5, sha256/512-crypt, md5crypt, yescrypt (Debian's), gost-yescrypt
PASSWORD_HASH = re.compile(r"\$(2[abxy]|apr1|5|6|1|y|gy|7)\$[./\w$]+")
SHA_HASH = re.compile(r"\{SHA\}[\w+/=]+")  # htpasswd -s
# a docker config.json credential: base64 of user:password, or a registry's identity token
DOCKER_AUTH = re.compile(r"(\"(?:auth|identitytoken)\"\s*:\s*\")[^\"]+")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0, DEL and C1; newline and tab are layout


def redact(text: str) -> str:
    """Hide swarm join tokens, unlock keys, private keys, password hashes and docker login credentials: reports,
    history and messages must never hold a credential."""
    text = PRIVATE_KEY.sub(r"\1 (hidden) \2", SECRET.sub(r"\1-(hidden)", text))
    text = SHA_HASH.sub("{SHA}(hidden)", PASSWORD_HASH.sub(r"$\1$(hidden)", text))
    return DOCKER_AUTH.sub(r"\1(hidden)", text)


def shown(text: str) -> str:
    """The text with credentials hidden and each terminal control character written out (ESC as \\x1b): a crafted
    file name can neither repaint the learner's terminal nor hide what it holds."""
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", redact(text))
