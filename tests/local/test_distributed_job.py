"""A training step with InstanceCount > 1 runs as that many torchrun processes locally."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from pipelines.local import jobs
from pipelines.local.jobs import JobRunner, launch_command
from pipelines.local.storage import LocalS3
from pipelines.sagemaker_jobs import CODE_DIR
from pipelines.training_pipeline import TRAINING_SCRIPTS


def test_one_host_runs_the_script_and_several_run_under_torchrun() -> None:
    script = TRAINING_SCRIPTS / "train.py"
    assert launch_command(script, 1) == [sys.executable, str(script)]
    assert launch_command(script, 2)[1:5] == [
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
    ]


@pytest.mark.parametrize(
    ("cores", "processes", "threads"), [(2, 1, 2), (2, 2, 1), (1, 1, 1), (3, 2, 1), (16, 1, 4)]
)
def test_a_steps_processes_share_the_cores_and_never_oversubscribe_them(
    monkeypatch: pytest.MonkeyPatch, cores: int, processes: int, threads: int
) -> None:
    monkeypatch.setattr(jobs.os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    assert jobs.threads_per_job(processes) == threads
    assert jobs.threads_per_job(processes) * processes <= max(cores, processes)


def test_two_instance_training_step_trains_with_world_size_two(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    s3 = LocalS3(tmp_path / "s3")
    shutil.copytree(tiny_model_dir, s3.path("s3://artifacts/base/"))
    data = s3.path("s3://artifacts/data/train/")
    data.mkdir(parents=True)
    lines = [json.dumps({"input": f"Note {i}: metformin lowers blood glucose."}) for i in range(40)]
    (data / "data.jsonl").write_text("\n".join(lines) + "\n")
    args = {
        "HyperParameters": {
            "method": "cpt",
            "max_steps": "2",
            "batch_size": "2",
            "max_seq_length": "32",
            "backend": "gloo",
            "sagemaker_program": "train.py",
            "sagemaker_submit_directory": CODE_DIR,
        },
        "ResourceConfig": {"InstanceCount": 2},
        "InputDataConfig": [
            {"ChannelName": name, "DataSource": {"S3DataSource": {"S3Uri": uri}}}
            for name, uri in (
                ("train", "s3://artifacts/data/train/"),
                ("model", "s3://artifacts/base/"),
            )
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://artifacts/out"},
    }
    properties = JobRunner(s3=s3, run_dir=tmp_path / "run").run_training("Train", args)
    summary = json.loads((Path(properties["LocalModelDir"]) / "training_summary.json").read_text())
    assert summary["world_size"] == 2
    assert s3.path(properties["ModelArtifacts"]["S3ModelArtifacts"]).is_file()
