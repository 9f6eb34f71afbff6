"""Bad input fails fast: one line on stderr, the same line in the failure file, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.jobs import make_job, run_job_subprocess, sft_records


def _fails_with(root: Path, message: str, *args: str) -> None:
    done = run_job_subprocess(root, *args, timeout=60)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line
    assert message in (root / "opt/ml/output/failure").read_text()
    assert "Traceback" not in done.stderr


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    path = tmp_path / "model"  # never loaded: input checks run before any model loads
    path.mkdir()
    return path


def test_missing_train_channel(tmp_path: Path, model_dir: Path) -> None:
    root = make_job(tmp_path / "job", None, links={"model": model_dir})
    _fails_with(root, "input channel 'train' is missing (channels given: model)")


def test_empty_dataset(tmp_path: Path, model_dir: Path) -> None:
    root = make_job(tmp_path / "job", [], links={"model": model_dir})
    _fails_with(root, "(dataset is empty)", "--method", "sft")


def test_malformed_jsonl_line_names_file_and_line(tmp_path: Path, model_dir: Path) -> None:
    root = make_job(tmp_path / "job", sft_records()[:2], links={"model": model_dir})
    data = root / "opt/ml/input/data/train/data.jsonl"
    data.write_text(data.read_text() + '{"prompt": "x", "completion": \n')
    _fails_with(root, f"{data}:3: not valid JSON", "--method", "sft")


def test_unknown_method(tmp_path: Path, model_dir: Path) -> None:
    root = make_job(tmp_path / "job", sft_records(), links={"model": model_dir})
    _fails_with(root, "hyperparameter method = 'ppo': must be one of cpt, sft", "--method", "ppo")


def test_out_of_range_hyperparameter_from_hyperparameters_json(tmp_path: Path) -> None:
    root = make_job(tmp_path / "job", sft_records(), hyperparameters={"lora_r": "0"})
    _fails_with(root, "hyperparameter lora_r = '0': must be int in [1, 1024]", "--method", "lora")


def test_distill_without_a_teacher_channel(tmp_path: Path, model_dir: Path) -> None:
    root = make_job(tmp_path / "job", sft_records(), links={"model": model_dir})
    _fails_with(root, "input channel 'teacher' is missing", "--method", "distill")


def test_no_base_model_for_fine_tuning(tmp_path: Path) -> None:
    root = make_job(tmp_path / "job", sft_records())
    _fails_with(root, "method sft: no base model", "--method", "sft")
