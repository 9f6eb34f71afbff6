"""The local champion: `fmops local approve` makes the next local run's baseline that model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deployment import contract
from deployment.contract import BASE_MODEL_KEY, BASELINE_PARAMETER
from deployment.settings import settings_for_stage
from pipelines.champion import RegistryError, local_champion
from pipelines.local.run import REGISTRY_FILE, _stage_champion
from pipelines.local.storage import LocalS3
from training_scripts.metrics.generation import resolve_model_dir


def _entry(version: int, model: Path, base_model: str, status: str = "Approved") -> dict:
    """A registry entry as the local executor writes it for an uncompressed model."""
    return {
        "ModelPackageVersion": version,
        "ModelApprovalStatus": status,
        "LocalModelData": str(model),
        "CustomerMetadataProperties": {BASE_MODEL_KEY: base_model},
    }


@pytest.fixture()
def registry(tmp_path: Path) -> tuple[Path, str, str, Path]:
    """runs/ with a registry whose v2 (a model directory) is approved, v3 pending."""
    settings = settings_for_stage(None)
    group = contract.model_package_group_name(settings)
    base = settings.models.sagemaker_base_model
    model = tmp_path / "run-1/s3/bucket/train/output/model"
    model.mkdir(parents=True)
    (model / "config.json").write_text('{"model_type": "llama"}')
    (model / "model.safetensors").write_bytes(b"weights")
    entries = [
        _entry(1, tmp_path / "gone", base),
        _entry(2, model, base),
        _entry(3, model, base, "PendingManualApproval"),
    ]
    (tmp_path / REGISTRY_FILE).write_text(json.dumps({group: entries}))
    return tmp_path, group, base, model


def test_an_approved_model_directory_is_the_champion(registry: tuple) -> None:
    runs, group, base, model = registry
    champion = local_champion(runs / REGISTRY_FILE, group, base)
    assert champion is not None and champion["ModelPackageVersion"] == 2
    assert champion["LocalModelData"] == str(model)


def test_the_next_run_gets_the_champions_files_as_its_baseline(
    registry: tuple, tmp_path: Path
) -> None:
    runs = registry[0]
    s3 = LocalS3(tmp_path / "run-2/s3")
    parameters = _stage_champion(settings_for_stage(None), runs, s3, "s3://bucket/base-models/m/")
    staged = s3.path(parameters[BASELINE_PARAMETER])
    assert parameters[BASELINE_PARAMETER] == "s3://bucket/base-models/m-champion-v2/"
    assert resolve_model_dir(staged, tmp_path / "scratch") == staged
    assert (staged / "model.safetensors").read_bytes() == b"weights"


def test_a_corrupt_registry_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / REGISTRY_FILE).write_text("{not json")
    with pytest.raises(RegistryError, match=rf"{REGISTRY_FILE}: not a local model registry"):
        local_champion(tmp_path / REGISTRY_FILE, "group", "base")
