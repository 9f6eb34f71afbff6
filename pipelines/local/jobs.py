"""Run a Processing or Training step's real entrypoint with SageMaker's container layout.

Each job gets `<run>/jobs/<step>/opt/ml/...` (FMOPS_CONTAINER_ROOT), inputs copied from local S3
the way S3Prefix inputs are, the step's own arguments/hyperparameters/environment, and its
outputs copied back. The image's code dir maps to this checkout's training_scripts/, whose
content hash must equal the one the definition recorded.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.local.storage import LocalS3, StorageError
from pipelines.sagemaker_jobs import CODE_DIR
from pipelines.training_pipeline import TRAINING_SCRIPTS, code_sha256
from training_scripts.contract import ROOT_ENV

# A stopped job gets this long to write its checkpoint (SageMaker gives Spot jobs 120 s).
STOP_GRACE_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1


class RunInterrupted(RuntimeError):
    """The local run got SIGTERM/SIGINT/SIGHUP; its jobs were stopped (checkpoints kept)."""

    run_id: str | None = None  # set by local_run: which run to resume


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, even by SIGKILL (Linux prctl)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def stop_process_group(
    process: subprocess.Popen[str], drain: Callable[[str], object] | None = None
) -> None:
    """SIGTERM the job's process group and let it write its checkpoint; SIGKILL after a grace.

    `drain` gets the job's last output lines (e.g. "checkpoint saved"), so the log keeps them.
    """
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    timer = threading.Timer(STOP_GRACE_SECONDS, _kill_group, (process.pid,))
    timer.start()
    try:
        if drain is not None and process.stdout is not None:
            for line in process.stdout:
                drain(line)
        process.wait()
    finally:
        timer.cancel()


class StepFailed(RuntimeError):
    """A job exited non-zero; the message is the job's own failure reason when it wrote one."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"step {step} failed: {reason}")
        self.step = step
        self.reason = reason


# More threads than this only add synchronisation for the tiny local models (hidden size 64);
# not measured beyond 2 cores.
MAX_JOB_THREADS = 4


def threads_per_job(processes: int) -> int:
    """Torch threads for each of a step's `processes` (its instances, all running at once).

    A local run runs one step at a time, so its processes share every core this process may use:
    on 2 idle cores the support sft Train step ran 1.8x faster with 2 threads than with 1. An
    oversubscribed machine is far worse than an idle core: two 2-thread jobs on 2 cores were
    measured 8x slower per step than 1-thread ones, so processes never get more than their share
    (OMP_NUM_THREADS overrides it).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min((cores or 1) // max(processes, 1), MAX_JOB_THREADS))


def launch_command(script: Path, instance_count: int) -> list[str]:
    """How a training job starts here: hosts become processes on this machine.

    One host runs the script directly; several run under torchrun (standalone rendezvous),
    which gives train.py the same RANK/WORLD_SIZE/LOCAL_RANK a multi-node launcher would.
    """
    if instance_count <= 1:
        return [sys.executable, str(script)]
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={instance_count}",
        str(script),
    ]


@dataclass
class JobRunner:
    s3: LocalS3
    run_dir: Path
    code_dir: Path = TRAINING_SCRIPTS
    on_line: Callable[[str, str], None] | None = None  # (step, line)
    metrics: dict[str, list[tuple[float, dict[str, float]]]] = field(default_factory=dict)
    # What each job was started with: the tests compare it with the definition.
    commands: dict[str, list[str]] = field(default_factory=dict)
    # Set by the executor for every job (e.g. the experiment-tracking outbox).
    extra_environment: dict[str, str] = field(default_factory=dict)

    def job_root(self, step: str) -> Path:
        root = self.run_dir / "jobs" / step
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        return root

    def command_for_script(self, script_path: str) -> Path:
        if not script_path.startswith(f"{CODE_DIR}/"):
            raise StepFailed(
                "?",
                f"entrypoint {script_path!r} is not in the image code dir "
                f"{CODE_DIR}; only the project's own scripts run locally",
            )
        local = self.code_dir / script_path.removeprefix(f"{CODE_DIR}/")
        if not local.is_file():
            raise StepFailed("?", f"entrypoint {script_path} has no local counterpart {local}")
        return local

    def check_code(self, step: str, environment: dict[str, str]) -> None:
        recorded = environment.get("FMOPS_CODE_SHA256")
        if recorded and recorded != code_sha256(self.code_dir):
            raise StepFailed(
                step,
                "the definition was built from different training_scripts/ "
                "(FMOPS_CODE_SHA256 differs); rebuild the definition",
            )

    def run_processing(self, step: str, args: dict[str, Any]) -> dict[str, Any]:
        app = args["AppSpecification"]
        entrypoint = app.get("ContainerEntrypoint") or []
        if len(entrypoint) != 2 or entrypoint[0] not in ("python3", "python"):
            raise StepFailed(
                step,
                f"unsupported ContainerEntrypoint {entrypoint!r} "
                "(expected ['python3', '/opt/ml/code/<script>.py'])",
            )
        environment = dict(args.get("Environment") or {})
        self.check_code(step, environment)
        count = int(args.get("ProcessingResources", {}).get("ClusterConfig", {}).get(
            "InstanceCount", 1))  # fmt: skip
        hosts = [f"algo-{i + 1}" for i in range(count)]
        base = self.job_root(step)
        roots = [base] if count == 1 else [base / host for host in hosts]
        for index, root in enumerate(roots):
            config = root / "opt/ml/config"
            config.mkdir(parents=True, exist_ok=True)
            (config / "resourceconfig.json").write_text(
                json.dumps({"current_host": hosts[index], "hosts": hosts})
            )
        for item in args.get("ProcessingInputs", []):
            s3_input = item["S3Input"]
            local = s3_input["LocalPath"].lstrip("/")
            if s3_input.get("S3DataDistributionType") == "ShardedByS3Key" and count > 1:
                self._download_sharded(s3_input["S3Uri"], [r / local for r in roots])
            else:
                for root in roots:
                    self.s3.download(s3_input["S3Uri"], root / local)
        outputs = args.get("ProcessingOutputConfig", {}).get("Outputs", [])
        for root in roots:
            for item in outputs:
                (root / item["S3Output"]["LocalPath"].lstrip("/")).mkdir(
                    parents=True, exist_ok=True
                )
        command = [
            sys.executable,
            str(self.command_for_script(entrypoint[1])),
            *[str(a) for a in app.get("ContainerArguments") or []],
        ]
        if count == 1:
            self._run(step, command, base, environment, base / "opt/ml/output/message", [], 1)
        else:
            # Instances become processes on this machine, all at once, as on SageMaker.
            with ThreadPoolExecutor(count) as pool:
                runs = [
                    pool.submit(self._run, f"{step}/{host}", command, root, environment,
                                root / "opt/ml/output/message", [], count)
                    for host, root in zip(hosts, roots, strict=True)
                ]  # fmt: skip
                for run in runs:
                    run.result()
        for root in roots:  # every instance uploads to the same prefix, as SageMaker does
            for item in outputs:
                s3_output = item["S3Output"]
                self.s3.upload(root / s3_output["LocalPath"].lstrip("/"), s3_output["S3Uri"])
        return {**args, "ProcessingJobStatus": "Completed"}

    def _download_sharded(self, uri: str, destinations: list[Path]) -> None:
        """ShardedByS3Key: the objects under the prefix, in key order, dealt out round-robin
        (SageMaker documents only that each instance gets about 1/N of the objects)."""
        source = self.s3.path(uri)
        objects = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else []
        if not objects:
            raise StorageError(f"{uri}: no objects (local path {source})")
        for destination in destinations:
            destination.mkdir(parents=True, exist_ok=True)
        for index, path in enumerate(objects):
            target = destinations[index % len(destinations)] / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)

    def run_training(
        self, step: str, args: dict[str, Any], fingerprint: str = ""
    ) -> dict[str, Any]:
        hyperparameters = {k: str(v) for k, v in args.get("HyperParameters", {}).items()}
        program = hyperparameters.get("sagemaker_program")
        if not program or hyperparameters.get("sagemaker_submit_directory") != CODE_DIR:
            raise StepFailed(
                step,
                "training step must run sagemaker_program from "
                f"sagemaker_submit_directory={CODE_DIR}",
            )
        environment = dict(args.get("Environment") or {})
        self.check_code(step, environment)
        root = self.job_root(step)
        config = root / "opt/ml/input/config"
        config.mkdir(parents=True)
        (config / "hyperparameters.json").write_text(json.dumps(hyperparameters, indent=2))
        count = int(args["ResourceConfig"]["InstanceCount"])
        hosts = [f"algo-{i + 1}" for i in range(count)]
        (config / "resourceconfig.json").write_text(
            json.dumps({"current_host": hosts[0], "hosts": hosts})
        )
        for channel in args.get("InputDataConfig", []):
            uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
            self.s3.download(uri, root / "opt/ml/input/data" / channel["ChannelName"])
        if "CheckpointConfig" in args:
            self._link_checkpoints(root, args["CheckpointConfig"]["S3Uri"], fingerprint)
        script = self.command_for_script(f"{CODE_DIR}/{program}")
        command = launch_command(script, count)
        regexes = {
            d["Name"]: re.compile(d["Regex"])
            for d in args.get("AlgorithmSpecification", {}).get("MetricDefinitions", [])
        }
        self._run(
            step, command, root, environment, root / "opt/ml/output/failure",
            list(regexes.items()), count,
        )  # fmt: skip
        output = f"{args['OutputDataConfig']['S3OutputPath'].rstrip('/')}/{step}/output"
        if args["OutputDataConfig"].get("CompressionType") == "NONE":
            # SageMaker's uncompressed layout: the model dir's files under <job>/output/model/.
            model_uri = f"{output}/model/"
            self.s3.upload(root / "opt/ml/model", model_uri)
        else:
            model_uri = self.s3.upload_model(root / "opt/ml/model", output)
        return {
            **args,
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": model_uri},
            "LocalModelDir": str(root / "opt/ml/model"),
        }

    def _link_checkpoints(self, root: Path, uri: str, fingerprint: str) -> None:
        """/opt/ml/checkpoints *is* the checkpoint location in local S3.

        SageMaker syncs the checkpoint dir with S3 continuously and restores it when a job
        restarts; a link gives the same: a checkpoint survives a killed run and `--resume`
        continues from it. Checkpoints of a job with other arguments or inputs are discarded.
        """
        stored = self.s3.path(uri)
        marker = stored / ".fmops-job-fingerprint"
        if stored.exists() and (not marker.is_file() or marker.read_text() != fingerprint):
            shutil.rmtree(stored)
        stored.mkdir(parents=True, exist_ok=True)
        marker.write_text(fingerprint)
        (root / "opt/ml/checkpoints").symlink_to(stored, target_is_directory=True)

    def _run(
        self,
        step: str,
        command: list[str],
        root: Path,
        environment: dict[str, str],
        failure_file: Path,
        regexes: list[tuple[str, re.Pattern[str]]],
        processes: int,
    ) -> None:
        env = {
            **os.environ,
            **environment,
            **self.extra_environment,
            ROOT_ENV: str(root),
            "PYTHONUNBUFFERED": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", str(threads_per_job(processes))),
        }
        log_path = self.run_dir / "logs" / f"{step}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        series = self.metrics.setdefault(step, [])
        self.commands[step] = command
        start = time.monotonic()
        with (
            log_path.open("w", encoding="utf-8", buffering=1) as log,  # line-buffered: a kill
            subprocess.Popen(  # keeps every line written so far
                command,
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                start_new_session=True,  # its own process group: stopped as one (torchrun too)
                preexec_fn=_die_with_parent,
            ) as process,
        ):
            assert process.stdout is not None
            try:
                for line in process.stdout:
                    log.write(line)
                    found = {n: float(m.group(1)) for n, rx in regexes if (m := rx.search(line))}
                    if found:
                        series.append((time.monotonic() - start, found))
                    if self.on_line:
                        self.on_line(step, line.rstrip("\n"))
            except BaseException:  # we are being stopped: stop the job's group too
                stop_process_group(process, drain=log.write)
                raise
        if process.returncode != 0:
            reason = (
                failure_file.read_text(encoding="utf-8").strip()
                if failure_file.exists()
                else f"exit code {process.returncode}; see {log_path}"
            )
            raise StepFailed(step, reason)
