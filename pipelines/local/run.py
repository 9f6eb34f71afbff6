"""`fmops local run`: build the stage's definition, stage data and a tiny model, execute it.

Layout of a run (`runs/<run-id>/`): `definition.json` (what ran, placeholders unresolved),
`s3/` (local stand-in for every s3:// URI), `jobs/<step>/opt/ml/...` (container layouts),
`logs/<step>.log`, `report.html` + `loss.png`. The model registry is shared by all runs:
`runs/model-registry.json`.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deployment import contract
from deployment.settings import Settings, settings_for_stage
from pipelines.local.executor import LocalExecutor, RunResult, parse_parameters
from pipelines.local.presets import Preset
from pipelines.local.report import write_report
from pipelines.local.storage import LocalS3
from pipelines.pipeline_parameters import resolve_placeholders
from pipelines.training_pipeline import code_sha256, pipeline_definition

REGISTRY_FILE = "model-registry.json"


def local_placeholders(settings: Settings, code_hash: str) -> dict[str, str]:
    """Local values for the `${Name}` placeholders CloudFormation fills in AWS."""
    values = {
        contract.TRAINING_ROLE_NAME: contract.training_job_role_name(settings),
        contract.PREPARE_ROLE_NAME: contract.prepare_job_role_name(settings),
        contract.RAW_BUCKET: f"{settings.name}-raw",
        contract.ARTIFACTS_BUCKET: f"{settings.name}-artifacts",
        contract.CURATED_BUCKET: f"{settings.name}-curated",
        # No secret offline: the prepare step uses FMOPS_PII_SALT (a salt kept beside the runs).
        contract.PII_SALT_SECRET_ARN: "",
        contract.DATA_KEY_ARN: "arn:aws:kms:local:000000000000:key/local",
        contract.TRAINING_SECURITY_GROUP: "sg-local",
        contract.TRAINING_IMAGE_URI: f"local/fmops-training:{code_hash[:12]}",
        "AWS::Region": "local",
        "AWS::AccountId": "000000000000",
        "AWS::Partition": "aws",
    }
    values.update(
        {
            contract.subnet_variable(i): f"subnet-local-{i + 1}"
            for i in range(settings.network.az_count)
        }
    )
    return values


def _default(definition: dict[str, Any], name: str) -> str:
    (parameter,) = [p for p in definition["Parameters"] if p["Name"] == name]
    return str(parameter["DefaultValue"])


def _corpus(paths: list[Path]) -> list[str]:
    texts: list[str] = []
    for path in paths:
        for file in sorted(path.rglob("*") if path.is_dir() else [path]):
            if file.suffix in (".md", ".txt"):
                texts.append(file.read_text(encoding="utf-8"))
            elif file.suffix == ".jsonl":
                texts += [
                    json.dumps(json.loads(line), ensure_ascii=False)
                    for line in file.read_text(encoding="utf-8").splitlines()
                    if line
                ]
    return texts


def stage_inputs(preset: Preset, s3: LocalS3, raw_uri: str, model_uri: str) -> None:
    """Copy the preset's raw data to the pipeline's input URI and build its tiny base model."""
    raw_dir = s3.path(raw_uri)
    raw_dir.mkdir(parents=True, exist_ok=True)
    for path in preset.raw_paths():
        if not path.exists():
            raise FileNotFoundError(f"preset {preset.name}: sample data {path} is missing")
        if path.is_dir():
            shutil.copytree(path, raw_dir / path.name, dirs_exist_ok=True)
        else:
            shutil.copy2(path, raw_dir / path.name)
    # A scratch model stands in for the foundation model: tokenizer trained on the preset's
    # (synthetic) corpus, Llama-style weights at random. No hub download, ever.
    from training_scripts.model_factory import init_causal_lm, train_bpe_tokenizer

    tokenizer = train_bpe_tokenizer(
        _corpus(preset.raw_paths()), vocab_size=2048, model_max_length=1024
    )
    model_dir = s3.path(model_uri)
    model_dir.mkdir(parents=True, exist_ok=True)
    init_causal_lm("tiny", tokenizer, seed=0).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)


def _pii_salt(runs_dir: Path) -> str:
    """A salt kept beside the runs, so pseudonyms are stable across local runs but not public."""
    salt_file = runs_dir / ".pii-salt"
    if not salt_file.exists():
        runs_dir.mkdir(parents=True, exist_ok=True)
        salt_file.write_text(secrets.token_hex(16))
        salt_file.chmod(0o600)
    return salt_file.read_text().strip()


def local_run(
    preset: Preset,
    *,
    stage: str | None = None,
    overrides: dict[str, str] | None = None,
    runs_dir: Path = Path("runs"),
    run_id: str | None = None,
    on_event: Callable[[str, str, str], None] | None = None,
    resume: bool = False,
) -> RunResult:
    settings = settings_for_stage(stage, overrides=preset.settings_overrides())
    definition_text = pipeline_definition(settings)
    definition = json.loads(definition_text)
    parameters = {**preset.parameters(), **(overrides or {})}
    parse_parameters(definition, parameters)  # bad input fails before anything is written
    run_id = run_id or f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{preset.name}"
    run_dir = runs_dir.resolve() / run_id
    if resume and not run_dir.is_dir():
        raise FileNotFoundError(f"--resume: no run directory {run_dir} to resume")
    if run_dir.exists() and not resume:
        raise FileExistsError(
            f"run directory {run_dir} already exists; pick another --run-id "
            "or pass --resume to reuse its unchanged steps"
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "definition.json").write_text(json.dumps(definition, indent=2))
    s3 = LocalS3(run_dir / "s3")
    placeholders = local_placeholders(settings, code_sha256())
    resolved = json.loads(resolve_placeholders(definition_text, placeholders))
    stage_inputs(preset, s3, _default(resolved, "InputDataUri"), _default(resolved, "BaseModelUri"))
    os.environ.setdefault("FMOPS_PII_SALT", _pii_salt(runs_dir))
    executor = LocalExecutor(
        definition_text,
        run_dir=run_dir,
        s3=s3,
        registry=runs_dir / REGISTRY_FILE,
        placeholders=placeholders,
        on_event=on_event,
        reuse=resume,
    )
    result = executor.run(run_id, parameters)
    (run_dir / "commands.json").write_text(json.dumps(executor.jobs.commands, indent=2))
    write_report(result, settings, preset.name)
    return result
