"""Two torchrun processes on gloo train one model: both finish with identical weights."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.training.jobs import REPO, make_job, sft_records, summary
from training_scripts.contract import ROOT_ENV


def test_two_gloo_ranks_finish_with_identical_parameters(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    root = make_job(tmp_path, sft_records(), links={"model": tiny_model_dir})
    env = {**os.environ, ROOT_ENV: str(root), "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "training_scripts.train", "--method", "sft", "--max_steps", "4",
        "--batch_size", "2", "--max_seq_length", "32", "--backend", "gloo",
    ]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    result = summary(root)
    assert result["world_size"] == 2 and result["backend"] == "gloo" and result["steps"] == 4
    first, second = result["rank_parameter_checksums"]
    assert first == second
