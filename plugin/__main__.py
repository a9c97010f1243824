"""Lets `python -m crosswire` behave like the console script."""

import sys

from crosswire.console import main

sys.exit(main())
