"""`fmops models stage/list`: layout checks, sha256 per file, SSE-KMS upload, manifest (moto S3)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import typer
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.models import ModelStagingError, ModelStagingFailed
from pipelines.models.layout import check_layout
from pipelines.models.staging import MANIFEST_NAME, list_staged, resolve_source, stage_model
from pipelines.models.transaction import verify_staged

REGION = "us-east-1"
BUCKET = "fmops-dev-artifacts-123456789012-us-east-1"
runner = CliRunner()


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto S3 + KMS with the artifacts bucket and a data key, as the data stack makes them."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        yield {"s3": s3, "key": key}


@pytest.fixture()
def model_dir(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """A copy of the session's tiny Llama (config, tokenizer, model.safetensors) to mutate."""
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "tiny-llama"))


def _stage(aws: dict[str, Any], root: Path, **kwargs: Any) -> dict[str, Any]:
    return stage_model(
        aws["s3"], root, bucket=BUCKET, name="acme/tiny-llama", kms_key_id=aws["key"],
        source=str(root), **kwargs,
    )  # fmt: skip


def test_manifest_holds_the_sha256_of_every_uploaded_file(aws: dict, model_dir: Path) -> None:
    manifest = _stage(aws, model_dir)
    local = {
        p.relative_to(model_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in model_dir.rglob("*")
        if p.is_file()
    }
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == local
    assert "model.safetensors" in local and "config.json" in local
    for path, digest in local.items():
        body = aws["s3"].get_object(Bucket=BUCKET, Key=f"base-models/acme/tiny-llama/{path}")
        assert hashlib.sha256(body["Body"].read()).hexdigest() == digest
    stored = aws["s3"].get_object(Bucket=BUCKET, Key=f"base-models/acme/tiny-llama/{MANIFEST_NAME}")
    assert json.loads(stored["Body"].read()) == manifest
    assert manifest["uri"] == f"s3://{BUCKET}/base-models/acme/tiny-llama/"


def test_every_object_is_encrypted_with_the_data_key(aws: dict, model_dir: Path) -> None:
    _stage(aws, model_dir)
    listed = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="base-models/")["Contents"]
    assert len(listed) == len(list(model_dir.iterdir())) + 1  # + the manifest
    for obj in listed:
        head = aws["s3"].head_object(Bucket=BUCKET, Key=obj["Key"])
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"] == aws["key"]


def test_pickled_bin_weights_are_refused_and_nothing_is_uploaded(
    aws: dict, model_dir: Path
) -> None:
    (model_dir / "pytorch_model.bin").write_bytes(b"\x80\x04\x95 pickled state dict")
    with pytest.raises(ModelStagingError, match=r"pytorch_model\.bin can run code"):
        _stage(aws, model_dir)
    assert "Contents" not in aws["s3"].list_objects_v2(Bucket=BUCKET)


def test_allow_pickle_stages_bin_weights(aws: dict, model_dir: Path) -> None:
    (model_dir / "model.safetensors").rename(model_dir / "pytorch_model.bin")
    manifest = _stage(aws, model_dir, allow_pickle=True)
    assert "pytorch_model.bin" in {f["path"] for f in manifest["files"]}
    assert manifest["allow_pickle"] is True


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("config.json", "no config.json"),
        ("tokenizer.json", "no tokenizer"),
        ("model.safetensors", "no weights"),
    ],
)
def test_incomplete_layout_is_refused(model_dir: Path, remove: str, message: str) -> None:
    (model_dir / remove).unlink()
    with pytest.raises(ModelStagingError, match=message):
        check_layout(model_dir)


def test_corrupt_safetensors_is_refused(model_dir: Path) -> None:
    (model_dir / "model.safetensors").write_bytes(b"\x10\x00\x00\x00not a header")
    with pytest.raises(ModelStagingError, match="not a readable safetensors file"):
        check_layout(model_dir)


def test_missing_shard_named_in_the_index_is_refused(model_dir: Path) -> None:
    index = {"metadata": {}, "weight_map": {"w": "model-00002-of-00002.safetensors"}}
    (model_dir / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(ModelStagingError, match="shards missing: model-00002-of-00002"):
        check_layout(model_dir)


def test_restaging_needs_replace_and_then_drops_stale_files(aws: dict, model_dir: Path) -> None:
    (model_dir / "notes.txt").write_text("old")
    _stage(aws, model_dir)
    (model_dir / "notes.txt").unlink()
    with pytest.raises(ModelStagingError, match=r"already holds .* pass --replace"):
        _stage(aws, model_dir)
    _stage(aws, model_dir, replace=True)
    keys = {o["Key"] for o in aws["s3"].list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert "base-models/acme/tiny-llama/notes.txt" not in keys


def test_list_returns_the_staged_manifests(aws: dict, model_dir: Path) -> None:
    manifest = _stage(aws, model_dir)
    assert list_staged(aws["s3"], BUCKET) == [manifest]


def test_hub_id_with_the_hub_switched_off_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelStagingError, match="model hub is switched off"):
        resolve_source("meta-llama/Llama-3.2-1B", tmp_path)


def test_cli_stage_refuses_bin_with_one_error_line(aws: dict, model_dir: Path) -> None:
    (model_dir / "pytorch_model.bin").write_bytes(b"pickle")
    result = runner.invoke(
        app,
        ["models", "stage", str(model_dir), "--bucket", BUCKET, "--kms-key", aws["key"]],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "--allow-pickle" in result.stderr
    assert "Traceback" not in result.output


def test_cli_stage_then_list(aws: dict, model_dir: Path) -> None:
    staged = runner.invoke(
        app,
        ["models", "stage", str(model_dir), "--name", "acme/tiny", "--bucket", BUCKET,
         "--kms-key", aws["key"], "--json"],
    )  # fmt: skip
    assert staged.exit_code == 0, staged.output
    listed = runner.invoke(app, ["models", "list", "--bucket", BUCKET, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [m["name"] for m in json.loads(listed.stdout)] == ["acme/tiny"]


class _FailingS3:
    """The moto client, except that call number `fail_at` of `method` raises (a torn stage)."""

    def __init__(self, s3: Any, method: str, fail_at: int, error: BaseException) -> None:
        self._s3, self._method, self._fail_at, self._error = s3, method, fail_at, error
        self.calls = 0
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._s3, name)
        if name != self._method:
            return real

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == self._fail_at:
                self.failed = True
                raise self._error
            return real(*args, **kwargs)

        return counted


def _live(aws: dict[str, Any]) -> dict[str, bytes]:
    s3 = aws["s3"]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="base-models/").get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def _new_version(model_dir: Path) -> None:
    """New tokenizer and config bytes: a mix of old and new would be visible."""
    config = json.loads((model_dir / "config.json").read_text())
    (model_dir / "config.json").write_text(json.dumps({**config, "fmops_version": 2}))
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text())
    (model_dir / "tokenizer.json").write_text(json.dumps(tokenizer, indent=1))


@pytest.mark.parametrize("phase", ["upload", "set aside", "commit"])
def test_a_replace_that_fails_part_way_leaves_the_previous_model_whole(
    aws: dict, model_dir: Path, phase: str
) -> None:
    from botocore.exceptions import EndpointConnectionError

    old = _stage(aws, model_dir)
    before = _live(aws)
    _new_version(model_dir)
    # copies: one per old object (files + manifest) set aside, then one per new file
    method, fail_at = {
        "upload": ("upload_file", 2),
        "set aside": ("copy", 2),
        "commit": ("copy", len(before) + 2),
    }[phase]
    broken = _FailingS3(aws["s3"], method, fail_at, EndpointConnectionError(endpoint_url="x"))
    with pytest.raises(ModelStagingFailed, match=r"tiny-llama/ is unchanged"):
        stage_model(
            broken, model_dir, bucket=BUCKET, name="acme/tiny-llama", kms_key_id=aws["key"],
            source=str(model_dir), replace=True,
        )  # fmt: skip
    assert broken.failed
    assert _live(aws) == before  # the old bytes, the old manifest, no staging leftovers
    assert verify_staged(aws["s3"], BUCKET, old) == []
    new = _stage(aws, model_dir, replace=True)
    assert verify_staged(aws["s3"], BUCKET, new) == []
    assert new["files"] != old["files"]


def test_an_interrupt_during_upload_leaves_nothing_and_the_retry_needs_no_replace(
    aws: dict, model_dir: Path
) -> None:
    broken = _FailingS3(aws["s3"], "upload_file", 3, KeyboardInterrupt())
    with pytest.raises(ModelStagingFailed, match="KeyboardInterrupt"):
        stage_model(
            broken, model_dir, bucket=BUCKET, name="acme/tiny-llama", kms_key_id=aws["key"],
            source=str(model_dir),
        )  # fmt: skip
    assert _live(aws) == {}
    manifest = _stage(aws, model_dir)
    assert verify_staged(aws["s3"], BUCKET, manifest) == []


def test_a_remnant_without_a_manifest_is_overwritten_without_replace(
    aws: dict, model_dir: Path
) -> None:
    """What an interrupted stage of an older fmops left: some files, no manifest."""
    aws["s3"].put_object(Bucket=BUCKET, Key="base-models/acme/tiny-llama/config.json", Body=b"{")
    assert list_staged(aws["s3"], BUCKET) == []
    manifest = _stage(aws, model_dir)
    assert verify_staged(aws["s3"], BUCKET, manifest) == []


def test_verify_names_the_file_whose_bytes_differ_from_the_manifest(
    aws: dict, model_dir: Path
) -> None:
    manifest = _stage(aws, model_dir)
    aws["s3"].put_object(
        Bucket=BUCKET, Key="base-models/acme/tiny-llama/tokenizer.json", Body=b"{}"
    )
    aws["s3"].put_object(Bucket=BUCKET, Key="base-models/acme/tiny-llama/extra.bin", Body=b"x")
    problems = verify_staged(aws["s3"], BUCKET, manifest)
    assert problems[0] == "extra.bin: not in the manifest"
    assert problems[1].startswith("tokenizer.json: sha256 ")
    assert len(problems) == 2


def test_cli_list_verify_exits_1_on_a_torn_model_and_shows_an_incomplete_one(
    aws: dict, model_dir: Path
) -> None:
    _stage(aws, model_dir)
    ok = runner.invoke(app, ["models", "list", "--bucket", BUCKET, "--verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert [m["status"] for m in json.loads(ok.stdout)] == ["ok"]
    aws["s3"].put_object(Bucket=BUCKET, Key="base-models/acme/tiny-llama/config.json", Body=b"{}")
    aws["s3"].put_object(Bucket=BUCKET, Key="base-models/other/config.json", Body=b"{}")
    torn = runner.invoke(app, ["models", "list", "--bucket", BUCKET, "--verify", "--json"])
    assert torn.exit_code == 1
    statuses = {m["name"]: m["status"] for m in json.loads(torn.stdout)}
    assert statuses["acme/tiny-llama"].startswith("corrupt: config.json: sha256")
    assert statuses["other"].startswith("incomplete: no manifest")
    assert torn.stderr.strip() == "error: not healthy: acme/tiny-llama, other"


def test_cli_imports_with_home_unset_and_no_passwd_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`docker run --user 1234`: no HOME, no passwd entry; Path.home() raises."""
    import importlib
    import pwd

    import pipelines.commands.models as models_command

    def no_entry(uid: int) -> Any:
        raise KeyError(uid)

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    importlib.reload(models_command)
    with pytest.raises(typer.Exit):
        models_command.default_download_dir()


def test_cli_list_names_a_corrupt_manifest_with_exit_2(aws: dict) -> None:
    key = f"base-models/acme/tiny/{MANIFEST_NAME}"
    aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=b"{torn")
    result = runner.invoke(app, ["models", "list", "--bucket", BUCKET])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: s3://{BUCKET}/{key}: not a JSON manifest")
    assert len(result.stderr.strip().splitlines()) == 1
