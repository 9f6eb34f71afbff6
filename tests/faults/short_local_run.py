"""`fmops local run` with every preset cut to a few Train steps (kill and network tests).

Usage: python tests/faults/short_local_run.py --preset NAME --runs-dir DIR [...]: the
arguments are `fmops local run` options; the gate is opened so a run registers. Train runs
SHORT_RUN_STEPS steps (default 80) and checkpoints every 20 (the presets' setting).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pipelines.local import presets

STEPS = int(os.environ.get("SHORT_RUN_STEPS", "80"))
for _name, _preset in list(presets.PRESETS.items()):
    presets.PRESETS[_name] = dataclasses.replace(
        _preset, hyperparameters={**_preset.hyperparameters, "max_steps": str(STEPS)}
    )
OPEN_GATE = ["MinRougeL=0", "MinBleu=0", "MinBertscoreF1=0", "MinRefusalRate=0",
             "MaxHallucinationRate=1"]  # fmt: skip

if __name__ == "__main__":
    from pipelines.cli import app

    gate = [arg for pair in OPEN_GATE for arg in ("--param", pair)]
    app(["local", "run", *gate, *sys.argv[1:]], prog_name="fmops")
