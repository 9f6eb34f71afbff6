"""SIGTERM (Spot interruption) checkpoints; the restarted job ends exactly where an
uninterrupted one with the same seed does."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.training.jobs import make_job, run_job, sft_records, summary
from training_scripts import training_loop
from training_scripts.train import EXIT_STOPPED

ARGS = (
    "--method", "sft", "--max_steps", "10", "--batch_size", "2", "--max_seq_length", "32",
    "--learning_rate", "3e-3", "--checkpoint_every", "0", "--log_every", "5",
)  # fmt: skip


def _weights(root: Path) -> dict[str, torch.Tensor]:
    return load_file(root / "opt/ml/model/model.safetensors")


def test_interrupted_then_resumed_run_matches_an_uninterrupted_one(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = sft_records()
    straight = make_job(tmp_path / "straight", data, links={"model": tiny_model_dir})
    assert run_job(straight, *ARGS) == 0

    resumed = make_job(tmp_path / "resumed", data, links={"model": tiny_model_dir})
    real_lr_at = training_loop.lr_at

    def sigterm_during_step_4(step: int, total: int, hp: dict) -> float:
        if step == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return real_lr_at(step, total, hp)

    monkeypatch.setattr(training_loop, "lr_at", sigterm_during_step_4)
    assert run_job(resumed, *ARGS) == EXIT_STOPPED
    assert not (resumed / "opt/ml/model/training_summary.json").exists()
    assert [p.name for p in (resumed / "opt/ml/checkpoints").iterdir()] == ["step-000000004.pt"]

    monkeypatch.setattr(training_loop, "lr_at", real_lr_at)
    assert run_job(resumed, *ARGS) == 0
    assert summary(resumed)["steps"] == summary(straight)["steps"] == 10
    assert summary(resumed)["loss_history"] == summary(straight)["loss_history"]
    expected, got = _weights(straight), _weights(resumed)
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[k], got[k]) for k in expected)
