"""The container contract resolves SageMaker's layout under a relocatable root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.metric_lines import parse_metrics
from training_scripts.contract import (
    ROOT_ENV,
    ContractError,
    ProcessingContract,
    TrainingContract,
    format_metrics,
    metric_definitions,
    report_failure,
)


def _layout(root: Path) -> None:
    config = root / "opt/ml/input/config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps({"epochs": "3", "lr": 0.001}))
    (config / "resourceconfig.json").write_text(
        json.dumps({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]})
    )
    (root / "opt/ml/input/data/train").mkdir(parents=True)


def test_training_contract_reads_the_rooted_layout(tmp_path: Path) -> None:
    _layout(tmp_path)
    contract = TrainingContract.from_environ({ROOT_ENV: str(tmp_path)})
    assert contract.hyperparameters == {"epochs": "3", "lr": "0.001"}
    assert contract.channel("train") == tmp_path / "opt/ml/input/data/train"
    assert contract.model_dir == tmp_path / "opt/ml/model"
    assert contract.checkpoint_dir == tmp_path / "opt/ml/checkpoints"
    assert contract.hosts == ["algo-1", "algo-2"] and contract.current_host == "algo-2"


def test_explicit_sm_variables_win_over_the_rooted_defaults(tmp_path: Path) -> None:
    _layout(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    contract = TrainingContract.from_environ(
        {
            ROOT_ENV: str(tmp_path),
            "SM_MODEL_DIR": "/m",
            "SM_CHANNEL_TEACHER": str(elsewhere),
            "SM_HOSTS": '["a", "b", "c"]',
            "SM_NUM_GPUS": "8",
        }
    )
    assert contract.model_dir == Path("/m")
    assert contract.channel("teacher") == elsewhere
    assert contract.hosts == ["a", "b", "c"] and contract.num_gpus == 8


def test_missing_channel_names_the_channels_that_exist(tmp_path: Path) -> None:
    _layout(tmp_path)
    contract = TrainingContract.from_environ({ROOT_ENV: str(tmp_path)})
    with pytest.raises(ContractError, match=r"'validation' is missing \(channels given: train\)"):
        contract.channel("validation")


def test_processing_paths_are_rooted(tmp_path: Path) -> None:
    contract = ProcessingContract.from_environ({ROOT_ENV: str(tmp_path)})
    assert contract.input("raw") == tmp_path / "opt/ml/processing/input/raw"
    assert contract.output("curated") == tmp_path / "opt/ml/processing/output/curated"


def test_printed_metrics_parse_back_with_the_pipeline_regexes() -> None:
    line = "step 10 " + format_metrics({"train_loss": 1.25e-3, "learning_rate": 0.0002})
    definitions = metric_definitions(["train_loss", "learning_rate", "eval_loss"])
    assert parse_metrics(line, definitions) == {
        "train_loss": 1.25e-3,
        "learning_rate": 0.0002,
    }


def test_failure_reason_goes_to_the_failure_file_and_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failure = tmp_path / "opt/ml/output/failure"
    report_failure(failure, "hyperparameter epochs = -1: must be >= 1")
    assert failure.read_text() == "hyperparameter epochs = -1: must be >= 1\n"
    assert "error: hyperparameter epochs = -1" in capsys.readouterr().err
