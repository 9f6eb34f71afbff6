"""`fmops local run` with Train cut to a few steps and the gate open (kill and network tests).

Usage: python tests/faults/short_local_run.py --preset NAME --runs-dir DIR [...]: the
arguments are `fmops local run` options. Train runs SHORT_RUN_STEPS steps (default 80, through
`--hp max_steps=N`) and checkpoints every 20 (the presets' setting); every gate rule is given a
threshold any model passes, so a run registers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from training_scripts.vocabulary.metrics import GATE_RULES

STEPS = int(os.environ.get("SHORT_RUN_STEPS", "80"))
# Built from the rules, not listed: a renamed or added gate parameter would otherwise fail the
# run before it starts (MaxHallucinationRate became MaxUnsupportedWordRate that way).
OPEN_GATE = [
    f"{rule.parameter}={('0' if rule.kind == 'size' else '-1e9') if rule.minimum else '1e9'}"
    for rule in GATE_RULES
]

if __name__ == "__main__":
    from pipelines.cli import app

    gate = [arg for pair in OPEN_GATE for arg in ("--param", pair)]
    app(["local", "run", *gate, "--hp", f"max_steps={STEPS}", *sys.argv[1:]], prog_name="fmops")
