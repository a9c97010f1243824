"""Lets `python -m crosswire` behave like the console script."""

import sys

from crosswire.cli import main

sys.exit(main())
