"""Sphinx configuration of dcalab's documentation site: MyST Markdown pages, the Furo theme, and the pages made
from the code (the lab.toml reference, each lab's tasks) by _ext/generated_pages.py.

Build it strictly, as .ci/run does: sphinx-build -E -W --keep-going -n -b html docs build/docs
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "dcalab"
author = "the dcalab engineers"
copyright = "dcalab's authors, MIT licence"
extensions = ["myst_parser", "generated_pages"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_ext", "_build"]
myst_heading_anchors = 3  # links to a section: verdicts.md#faults-and-guarantees
nitpicky = True
smartquotes = False  # quotes as typed: a command copied from a page runs
html_theme = "furo"
html_title = "dcalab"
html_show_sourcelink = False
