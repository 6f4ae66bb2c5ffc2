"""`python -m sharpeyes.switches.sim DIR`: the simulator daemon (the lab starts it)."""

import sys

from sharpeyes.switches.sim.server import main

sys.exit(main())
