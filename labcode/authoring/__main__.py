"""``python -m labcode.authoring ...``: see :mod:`labcode.authoring.cli`."""

import sys

from labcode.authoring.cli import main

sys.exit(main())
