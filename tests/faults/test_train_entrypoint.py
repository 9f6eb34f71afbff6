"""train.py refuses unreadable inputs with exit 2 and its reason in the failure file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.training.jobs import make_job, run_job, sft_records


def _failure(root: Path) -> str:
    return (root / "opt/ml/output/failure").read_text(encoding="utf-8").strip()


def test_a_utf16_channel_is_bad_input_named_in_the_failure_file(tmp_path: Path) -> None:
    root = make_job(tmp_path, sft_records(), hyperparameters={"method": "sft"})
    data = root / "opt/ml/input/data/train/data.jsonl"
    data.write_bytes(data.read_text().encode("utf-16"))

    assert run_job(root) == 2

    assert "data.jsonl:1: not valid UTF-8 (byte 0xff)" in _failure(root)


def test_a_non_object_hyperparameters_file_is_bad_input(tmp_path: Path) -> None:
    root = make_job(tmp_path, sft_records())
    config = root / "opt/ml/input/config/hyperparameters.json"
    config.write_text(json.dumps(["method", "sft"]))

    assert run_job(root) == 2

    assert _failure(root) == f"{config}: must hold a JSON object"


def test_a_hyperparameters_file_that_is_not_json_is_bad_input(tmp_path: Path) -> None:
    root = make_job(tmp_path, sft_records())
    config = root / "opt/ml/input/config/hyperparameters.json"
    config.write_text("{method: sft")

    assert run_job(root) == 2

    assert _failure(root).startswith(f"{config}: not valid JSON")
