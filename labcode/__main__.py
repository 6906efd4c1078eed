"""``python -m labcode ...`` is the authoring tools' command line: see :mod:`labcode.authoring`."""

import sys

from labcode.authoring.cli import main

sys.exit(main())
