#!/usr/bin/env python3
"""Write docs/fidelity.md: the reference server replays the recorded Confluent exchanges (issue 11).

    .venv/bin/python scripts/fidelity.py           # replay, print the figures, rewrite docs/fidelity.md
    .venv/bin/python scripts/fidelity.py --check   # exit 1 when docs/fidelity.md is out of date

The work is in conformance/replay.py, shared with tests/replay/test_replay.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.replay import main

if __name__ == "__main__":
    sys.exit(main())
