"""`python -m dcalab`: the same as the `dcalab` command."""

import sys

from dcalab.cli import main

sys.exit(main())
