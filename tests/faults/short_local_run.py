"""`fmops local run` of the healthcare preset cut to 60 Train steps, for the kill tests.

Usage: python tests/faults/short_local_run.py --runs-dir DIR --run-id ID [--resume] [...]
(the arguments after the script are `fmops local run` options). Checkpoints every 20 steps.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pipelines.local import presets

STEPS = 60
presets.PRESETS["healthcare"] = dataclasses.replace(
    presets.PRESETS["healthcare"], hyperparameters={"max_steps": str(STEPS)}
)
OPEN_GATE = ["MinRougeL=0", "MinBleu=0", "MinBertscoreF1=0", "MinRefusalRate=0",
             "MaxHallucinationRate=1"]  # fmt: skip

if __name__ == "__main__":
    from pipelines.cli import app

    gate = [arg for pair in OPEN_GATE for arg in ("--param", pair)]
    app(["local", "run", "--preset", "healthcare", *gate, *sys.argv[1:]], prog_name="fmops")
