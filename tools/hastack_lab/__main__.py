"""python -m hastack_lab: the same as tools/lab."""

import sys

from .cli import main

sys.exit(main())
