import sys

from dcalab.cli import main

sys.exit(main())
