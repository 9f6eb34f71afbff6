"""Nothing earlier is destroyed: repeated submissions, empty prepares, run ids that are paths."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.faults.conftest import REGION, TITAN, error_line, tree_digest

runner = CliRunner()


def _submit(train: Path, *extra: str) -> list[str]:
    return ["bedrock", "submit", *TITAN, "--train", str(train), "--bucket", "curated", "--direct",
            "--role-arn", "arn:aws:iam::123456789012:role/r", "--output-s3-uri",
            "s3://curated/out/", *extra]  # fmt: skip


def _objects(s3: object) -> dict[str, str]:
    listed = s3.list_objects_v2(Bucket="curated").get("Contents", [])  # type: ignore[attr-defined]
    return {o["Key"]: o["ETag"] for o in listed}


def test_second_submit_with_the_same_job_name_keeps_the_first_jobs_data(
    aws: None, pc_dataset: Path, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="curated")
    first = runner.invoke(app, _submit(pc_dataset, "--job-name", "same", "--json"))
    assert first.exit_code == 0, first.output
    before = _objects(s3)
    from tests.bedrock.conftest import as_prepared

    other = tmp_path / "other.jsonl"
    other.write_text(pc_dataset.read_text().replace("Answer", "Reply"), encoding="utf-8")
    other = as_prepared(other)

    line = error_line(runner.invoke(app, _submit(other, "--job-name", "same")), 2)

    assert "--job-name same: customization job same (InProgress) already exists" in line
    assert _objects(s3) == before  # nothing uploaded, nothing overwritten
    job = boto3.client("bedrock", region_name=REGION).get_model_customization_job(
        jobIdentifier="same"
    )
    body = s3.get_object(
        Bucket="curated", Key=job["trainingDataConfig"]["s3Uri"].removeprefix("s3://curated/")
    )["Body"].read()
    assert body == pc_dataset.read_bytes()


def _prepare(source: Path, out: Path, *extra: str) -> list[str]:
    return ["data", "prepare", str(source), str(out), "--pii-mode", "off", *extra]


@pytest.fixture
def prepared(tmp_path: Path) -> Path:
    source = tmp_path / "good.jsonl"
    rows = [{"prompt": f"Summarize clause {i} of the contract.", "completion": f"Clause {i} "
             f"says the supplier delivers within {i + 3} days."} for i in range(12)]  # fmt: skip
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    done = runner.invoke(app, _prepare(source, out))
    assert done.exit_code == 0, done.output
    return out


def test_prepare_of_an_empty_file_refuses_and_keeps_the_earlier_output(
    prepared: Path, tmp_path: Path
) -> None:
    before = tree_digest(prepared)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")

    line = error_line(runner.invoke(app, _prepare(empty, prepared)), 2)

    assert f"{empty}: no input rows; nothing written (earlier outputs kept)" in line
    assert tree_digest(prepared) == before


def test_prepare_that_keeps_no_row_refuses_unless_allow_empty(
    prepared: Path, tmp_path: Path
) -> None:
    before = tree_digest(prepared)
    wrong_field = tmp_path / "short.jsonl"  # every row fails the min_tokens quality filter
    wrong_field.write_text('{"prompt": "a", "completion": "b"}\n' * 3, encoding="utf-8")

    line = error_line(runner.invoke(app, _prepare(wrong_field, prepared)), 2)

    assert "all 3 rows were quarantined" in line and "--allow-empty" in line
    assert tree_digest(prepared) == before
    allowed = runner.invoke(app, _prepare(wrong_field, prepared, "--allow-empty"))
    assert allowed.exit_code == 0, allowed.output
    assert (prepared / "train/data.jsonl").read_text() == ""


@pytest.mark.parametrize("run_id", ["../../x", "/tmp/fmops-evil", "a/../../b", ".hidden", ".."])
def test_run_id_that_is_a_path_is_refused_before_anything_is_written(
    tmp_path: Path, run_id: str
) -> None:
    runs = tmp_path / "deep" / "runs"
    runs.mkdir(parents=True)
    (tmp_path / "definition.json").write_text("unrelated")
    for resume in ([], ["--resume"]):
        result = runner.invoke(
            app, ["local", "run", "--runs-dir", str(runs), "--run-id", run_id, *resume]
        )
        line = error_line(result, 2)
        assert re.search(r"--run-id .*: must be a name", line)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["deep", "definition.json", "runs"]
    assert (tmp_path / "definition.json").read_text() == "unrelated"
    assert not Path("/tmp/fmops-evil").exists()


class _FullDisk:
    """A temp file on a disk that fills after two lines: write and the flush in close fail."""

    def __init__(self, handle: Any) -> None:
        self._handle, self._lines, self._full = handle, 0, False

    def write(self, text: str) -> int:
        self._lines += max(1, text.count("\n"))  # a write may carry many lines
        if self._lines > 2:
            self._full = True
            raise OSError(errno.ENOSPC, "No space left on device")
        return int(self._handle.write(text))

    def close(self) -> None:
        self._handle.close()
        if self._full:  # what a buffered file does when its last flush cannot be written
            raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def test_prepare_on_a_full_disk_names_the_output_and_leaves_no_temp_file(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from training_scripts.governance.writers import AtomicOutputs

    before = tree_digest(prepared)
    real_open = AtomicOutputs.open
    monkeypatch.setattr(
        AtomicOutputs, "open", lambda self, target: _FullDisk(real_open(self, target))
    )
    source = tmp_path / "more.jsonl"
    rows = [{"prompt": f"Explain term {i} of the lease.", "completion": f"Term {i} sets the "
             f"rent review after {i + 2} years."} for i in range(12)]  # fmt: skip
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    line = error_line(runner.invoke(app, _prepare(source, prepared)), 1)

    assert line == f"error: {prepared}: No space left on device"
    assert not [p for p in prepared.rglob("*") if p.name.endswith(".tmp")]
    assert tree_digest(prepared) == before
