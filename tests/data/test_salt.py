"""The PII salt: Secrets Manager in the cloud (fail closed), the marked default locally."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from training_scripts.governance.pipeline import PrepareOutputs, PrepareSettings, prepare
from training_scripts.governance.salt import (
    FROM_DEFAULT,
    FROM_ENV,
    FROM_SECRET,
    PROCESSING_JOB_CONFIG,
    SALT_ENV,
    SECRET_ARN_ENV,
    SaltUnavailable,
    resolve_salt,
)

REGION = "us-east-1"


@pytest.fixture
def secrets() -> Any:
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


def _processing_job(root: Path) -> Path:
    config = root.joinpath(*PROCESSING_JOB_CONFIG)
    config.parent.mkdir(parents=True)
    config.write_text("{}")
    return root


def test_salt_is_read_from_the_secret_the_pipeline_names(secrets: Any, tmp_path: Path) -> None:
    arn = secrets.create_secret(Name="fmops-dev/pii-salt", SecretString="s3cr3t")["ARN"]
    environ = {"FMOPS_CONTAINER_ROOT": str(_processing_job(tmp_path)), SECRET_ARN_ENV: arn}
    assert resolve_salt(environ, lambda: secrets) == ("s3cr3t", FROM_SECRET)


def test_processing_job_without_a_secret_refuses_even_with_an_env_salt(tmp_path: Path) -> None:
    environ = {"FMOPS_CONTAINER_ROOT": str(_processing_job(tmp_path)), SALT_ENV: "visible"}
    with pytest.raises(SaltUnavailable, match=f"no {SECRET_ARN_ENV}; refusing to pseudonymize"):
        resolve_salt(environ)


def test_unreadable_secret_fails_closed_naming_the_secret_and_the_error(
    secrets: Any, tmp_path: Path
) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:fmops-dev/pii-salt-AbCdEf"
    environ = {"FMOPS_CONTAINER_ROOT": str(tmp_path), SECRET_ARN_ENV: arn}
    with pytest.raises(SaltUnavailable) as caught:
        resolve_salt(environ, lambda: secrets)
    message = str(caught.value)
    assert arn in message and "ResourceNotFoundException" in message and "\n" not in message


def test_secret_without_a_string_value_fails_closed(secrets: Any, tmp_path: Path) -> None:
    # Secrets Manager refuses an empty SecretString; a binary-only secret has none.
    arn = secrets.create_secret(Name="binary", SecretBinary=b"\x00\x01")["ARN"]
    with pytest.raises(SaltUnavailable, match="is empty"):
        resolve_salt({SECRET_ARN_ENV: arn, "FMOPS_CONTAINER_ROOT": str(tmp_path)}, lambda: secrets)


def test_workstation_uses_the_env_salt_then_the_marked_default(tmp_path: Path) -> None:
    local = {"FMOPS_CONTAINER_ROOT": str(tmp_path)}
    assert resolve_salt({**local, SALT_ENV: "mine"}) == ("mine", FROM_ENV)
    assert resolve_salt(local)[1] == FROM_DEFAULT == "default (not for production)"


def test_manifest_says_when_the_default_salt_was_used(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "data.jsonl"
    raw.parent.mkdir()
    rows = [{"prompt": f"Question {i} about invoices?", "completion": f"Answer {i} is here."}
            for i in range(4)]  # fmt: skip
    raw.write_text("".join(json.dumps(r) + "\n" for r in rows))
    salt, source = resolve_salt({"FMOPS_CONTAINER_ROOT": str(tmp_path)})
    manifest = prepare(raw.parent, PrepareOutputs.under(tmp_path / "out"), PrepareSettings(),
                       salt, salt_source=source)  # fmt: skip
    assert manifest["pii"]["salt"] == "default (not for production)"


def test_prepare_job_in_the_cloud_without_its_secret_exits_2_and_writes_no_data(
    tmp_path: Path,
) -> None:
    root = _processing_job(tmp_path)
    raw = root / "opt/ml/processing/input/raw/data.jsonl"
    raw.parent.mkdir(parents=True)
    raw.write_text(json.dumps({"prompt": "Dana Whitfield asks?", "completion": "Yes."}) + "\n")
    script = Path(__file__).resolve().parents[2] / "training_scripts" / "prepare_data.py"
    env = {"FMOPS_CONTAINER_ROOT": str(root), SALT_ENV: "visible", "PATH": "/usr/bin"}
    done = subprocess.run([sys.executable, script.name, "--task", "sft"], cwd=script.parent,
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stderr
    failure = (root / "opt/ml/output/message").read_text()  # processing jobs' ExitMessage
    assert "refusing to pseudonymize" in failure and len(failure.strip().splitlines()) == 1
    assert not (root / "opt/ml/processing/output/train/data.jsonl").exists()
