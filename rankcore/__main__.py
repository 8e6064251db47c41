"""``python -m rankcore`` runs the command line."""

import sys

from rankcore.cli import main

sys.exit(main())
