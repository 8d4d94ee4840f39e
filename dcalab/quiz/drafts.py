"""Check draft items (dcalab/bank/drafts/<domain>-<name>.toml) before a reviewer moves them into the bank.

    python -m dcalab.quiz.drafts dcalab/bank/drafts/orchestration-quorum.toml [MORE.toml ...]

Every rule of the bank applies except `reviewed`, including near-duplicate stems against the live bank. A draft
whose key repeats a key of another item, without the same `fact`, is warned about (it may ask the same thing).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dcalab.dca import DOMAINS
from dcalab.quiz.bank import (
    BANK_DIR,
    Question,
    duplicate_problems,
    load_bank,
    load_objectives,
    read_questions,
    shared_key_warnings,
)

DRAFTS_DIR = BANK_DIR / "drafts"


def draft_domain(path: Path) -> str | None:
    """The domain a drafts file is for, from its name <domain>-<name>.toml (None if the name has none)."""
    return next((domain for domain in DOMAINS if path.stem.startswith(f"{domain}-")), None)


def validate_drafts(paths: list[Path], bank_dir: Path = BANK_DIR) -> tuple[list[Question], list[str], list[str]]:
    """The drafts' valid items, every problem and every warning, the live bank (which must load) taken as known."""
    objectives = load_objectives(bank_dir)
    bank = load_bank(bank_dir)
    drafts: list[Question] = []
    problems: list[str] = []
    for path in paths:
        domain = draft_domain(path)
        if domain is None:
            problems.append(f"{path.name}: a drafts file is named <domain>-<name>.toml, domain one of "
                            f"{', '.join(DOMAINS)}")
            continue
        found, file_problems = read_questions(path, domain, objectives, draft=True)
        drafts += found
        problems += file_problems
    return drafts, problems + duplicate_problems(drafts, bank), shared_key_warnings(drafts, bank)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dcalab.quiz.drafts", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help=f"drafts files (default: every .toml in {DRAFTS_DIR})")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(DRAFTS_DIR.glob("*.toml"))
    drafts, problems, warnings = validate_drafts(paths)
    for problem in problems:
        print(problem)
    for warning in warnings:
        print(f"warning: {warning}")
    print(f"{len(drafts)} draft item(s) pass every rule but `reviewed`; {len(problems)} problem(s) "
          f"in {len(paths)} file(s).")
    return 1 if problems or not paths else 0


if __name__ == "__main__":
    sys.exit(main())
