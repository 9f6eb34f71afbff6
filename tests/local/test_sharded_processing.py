"""The local executor runs a Processing step with InstanceCount > 1 as N processes with the
ShardedByS3Key split, and the sharded prepare + reduce equals a one-process prepare."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.local.jobs import JobRunner
from pipelines.local.storage import LocalS3
from training_scripts.governance.pipeline import PrepareOutputs, PrepareSettings, prepare

ROWS = [
    {"prompt": f"How do I reset router model {i} after a firmware update?",
     "completion": f"Hold the reset button on model {i} for ten seconds, then reconnect."}
    for i in range(12)
]  # fmt: skip


def _processing(count: int, inputs: dict[str, tuple[str, bool]], outputs: list[str],
                arguments: list[str]) -> dict[str, Any]:  # fmt: skip
    return {
        "AppSpecification": {
            "ContainerEntrypoint": ["python3", "/opt/ml/code/prepare_data.py"],
            "ContainerArguments": arguments,
        },
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": count}},
        "ProcessingInputs": [
            {"InputName": name, "S3Input": {
                "S3Uri": uri, "LocalPath": f"/opt/ml/processing/input/{name}",
                **({"S3DataDistributionType": "ShardedByS3Key"} if sharded else {})}}
            for name, (uri, sharded) in inputs.items()
        ],
        "ProcessingOutputConfig": {"Outputs": [
            {"OutputName": name, "S3Output": {
                "S3Uri": f"s3://artifacts/run/{name}",
                "LocalPath": f"/opt/ml/processing/output/{name}"}}
            for name in outputs
        ]},
    }  # fmt: skip


def test_two_instances_shard_then_reduce_like_one_process(tmp_path: Path) -> None:
    s3 = LocalS3(tmp_path / "s3")
    raw = s3.path("s3://curated/incoming")
    raw.mkdir(parents=True)
    # b.jsonl repeats a row of a.jsonl: the two files land on different instances.
    (raw / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[:6]))
    (raw / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [ROWS[2], *ROWS[6:]]))
    runner = JobRunner(s3=s3, run_dir=tmp_path / "run")
    common = ["--task", "sft", "--pii-mode", "off", "--workers", "1"]
    runner.run_processing(
        "PrepareShards",
        _processing(
            2, {"raw": ("s3://curated/incoming", True)}, ["shards"], ["--stage", "shard", *common]
        ),
    )
    jobs = tmp_path / "run" / "jobs" / "PrepareShards"
    assert [sorted(p.name for p in (jobs / h / "opt/ml/processing/input/raw").iterdir())
            for h in ("algo-1", "algo-2")] == [["a.jsonl"], ["b.jsonl"]]  # fmt: skip
    assert sorted(p.name for p in s3.path("s3://artifacts/run/shards").iterdir()) == [
        "inputs-algo-1.json", "inputs-algo-2.json", "reasons-algo-1.jsonl", "reasons-algo-2.jsonl",
        "rows-algo-1.jsonl", "rows-algo-2.jsonl", "signatures-algo-1.bin",
        "signatures-algo-2.bin"]  # fmt: skip
    runner.run_processing("PrepareData", _processing(
        1, {"shards": ("s3://artifacts/run/shards", False)}, ["train", "validation", "governance"],
        ["--stage", "reduce", *common]))  # fmt: skip
    single = tmp_path / "single"
    prepare(raw, PrepareOutputs.under(single), PrepareSettings(task="sft", pii_mode="off"), "")
    for name in ("train", "validation"):
        cloud = s3.path(f"s3://artifacts/run/{name}") / "data.jsonl"
        assert cloud.read_bytes() == (single / name / "data.jsonl").read_bytes()
    quarantine = (s3.path("s3://artifacts/run/governance") / "quarantine.jsonl").read_text()
    assert quarantine == (single / "governance" / "quarantine.jsonl").read_text()
    assert "duplicate:exact of a.jsonl:3" in quarantine


def test_a_broken_line_on_one_instance_fails_the_step_naming_file_and_line(
    tmp_path: Path,
) -> None:
    import pytest

    from pipelines.local.jobs import StepFailed

    s3 = LocalS3(tmp_path / "s3")
    raw = s3.path("s3://curated/incoming")
    raw.mkdir(parents=True)
    (raw / "a.jsonl").write_text(json.dumps(ROWS[0]) + "\n")
    (raw / "b.jsonl").write_text(json.dumps(ROWS[1]) + "\n{broken\n")
    runner = JobRunner(s3=s3, run_dir=tmp_path / "run")
    with pytest.raises(StepFailed, match=r"b\.jsonl:2: not valid JSON"):
        args = ["--stage", "shard", "--task", "sft", "--pii-mode", "off", "--workers", "1"]
        spec = _processing(2, {"raw": ("s3://curated/incoming", True)}, ["shards"], args)
        runner.run_processing("PrepareShards", spec)
