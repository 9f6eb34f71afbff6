"""`fmops models`: stage base-model weights where the training pipeline reads them, list them.

The layout and hashes are checked locally first (exit 2, nothing sent to AWS); AWS failures are
one line and exit 1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.markup import escape
from rich.table import Table

from deployment.contract import (
    ARTIFACTS_BUCKET_OUTPUT,
    BASE_MODELS_PREFIX,
    DATA_KEY_OUTPUT,
    stack_name,
)
from deployment.settings import Settings
from pipelines.commands.shared import AsJson, Region, Stage
from pipelines.commands.shared import aws_client as _client
from pipelines.commands.shared import stage_settings as _settings
from pipelines.console import console, fail, print_json
from pipelines.models import ModelStagingError, ModelStagingFailed
from pipelines.models.layout import check_layout
from pipelines.models.staging import check_name, list_staged, resolve_source, stage_model
from pipelines.models.transaction import incomplete_models, verify_staged

app = typer.Typer(
    help="Base models for the SageMaker pipeline: stage (check, hash, upload), list.",
    no_args_is_help=True,
)

Bucket = Annotated[
    str | None, typer.Option("--bucket", help="Artifacts bucket (default: data stack output).")
]


def default_download_dir() -> Path:
    """~/.cache/fmops/models, or $XDG_CACHE_HOME's; resolved only when a download needs it.

    Resolving it at import killed every command where HOME is unset and the uid has no passwd
    entry (`docker run --user 1234`): Path.home() raises there.
    """
    cache = os.environ.get("XDG_CACHE_HOME")
    if cache:
        return Path(cache) / "fmops" / "models"
    try:
        return Path.home() / ".cache" / "fmops" / "models"
    except RuntimeError:
        raise fail(
            "no home directory (HOME is unset and the user has no passwd entry): pass "
            "--download-dir or set HOME or XDG_CACHE_HOME"
        ) from None


def _data_outputs(settings: Settings, region: str | None) -> dict[str, str]:
    """The data stack's outputs (bucket names, key ARN), read from CloudFormation."""
    stack = stack_name(settings, "data")
    described = _client("cloudformation", region).describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


@app.command("stage")
def stage(
    source: Annotated[
        str, typer.Argument(help="Local Hugging Face model directory, or a hub id (owner/name).")
    ],
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="Name under base-models/ (default: models.sagemaker_base_model)."
        ),
    ] = None,
    allow_pickle: Annotated[
        bool, typer.Option("--allow-pickle", help="Accept pickled .bin/.pt weights (unsafe).")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite a model already staged under the name.")
    ] = False,
    kms_key: Annotated[
        str | None, typer.Option("--kms-key", help="KMS key for SSE-KMS (default: DataKeyArn).")
    ] = None,
    download_dir: Annotated[
        Path | None,
        typer.Option(
            "--download-dir", help="Where hub downloads go [default: ~/.cache/fmops/models]."
        ),
    ] = None,
    bucket: Bucket = None,
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Check a model's layout, hash every file, upload it with SSE-KMS and write a manifest.

    Example: [cyan]fmops models stage ./Llama-3.2-1B --name meta-llama/Llama-3.2-1B --stage dev[/]
    """
    settings = _settings(stage)
    target = name or settings.models.sagemaker_base_model
    try:
        check_name(target)
        root = resolve_source(
            source, download_dir or default_download_dir(), allow_pickle=allow_pickle
        )
        check_layout(root, allow_pickle=allow_pickle)
    except ModelStagingError as exc:
        raise fail(str(exc)) from None
    s3 = _client("s3", region)
    try:
        outputs = {} if bucket and kms_key else _data_outputs(settings, region)
        manifest = stage_model(
            s3,
            root,
            bucket=bucket or outputs[ARTIFACTS_BUCKET_OUTPUT],
            name=target,
            kms_key_id=kms_key or outputs[DATA_KEY_OUTPUT],
            source=source,
            allow_pickle=allow_pickle,
            replace=replace,
        )
    except (ModelStagingError, ModelStagingFailed) as exc:
        raise fail(str(exc), code=1) from None
    except KeyError as exc:
        raise fail(
            f"{settings.name}-data has no output {exc}; pass --bucket and --kms-key", code=1
        ) from None
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"stage {target}: {exc}", code=1) from None
    if as_json:
        print_json(manifest)
        return
    console.print(
        f"staged {len(manifest['files'])} files ({manifest['total_bytes']:,} bytes) to "
        f"{manifest['uri']}"
    )
    if target != settings.models.sagemaker_base_model:
        console.print(f"use it with: fmops pipeline start --param BaseModelUri={manifest['uri']}")


@app.command("list")
def list_models(
    bucket: Bucket = None,
    verify: Annotated[
        bool,
        typer.Option("--verify", help="Read every object back and check its sha256 (downloads)."),
    ] = False,
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """List the staged base models (from their manifests); exit 1 when one is not healthy.

    Example: [cyan]fmops models list --stage prod --verify[/]
    """
    settings = _settings(stage)
    s3 = _client("s3", region)
    try:
        name = bucket or _data_outputs(settings, region)[ARTIFACTS_BUCKET_OUTPUT]
        manifests = list_staged(s3, name)
        for m in manifests:
            m["status"] = _status(verify_staged(s3, name, m)) if verify else "not verified"
        manifests += [
            {"name": n, "status": "incomplete: no manifest (an interrupted stage; stage it again)"}
            for n in incomplete_models(s3, name, manifests)
        ]
    except ModelStagingError as exc:
        raise fail(str(exc)) from None
    except KeyError as exc:
        raise fail(f"{settings.name}-data has no output {exc}; pass --bucket", code=1) from None
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"list: {exc}", code=1) from None
    if as_json:
        print_json(manifests)
    else:
        table = Table(title=f"base models in s3://{name}/{BASE_MODELS_PREFIX}")
        for column in ("name", "files", "bytes", "staged", "source", "status"):
            table.add_column(column)
        for m in manifests:
            table.add_row(
                str(m.get("name")),
                str(len(m.get("files", []))),
                f"{m.get('total_bytes', 0):,}",
                str(m.get("staged_at", "-")),
                escape(str(m.get("source", "-"))),
                escape(m["status"]),
            )
        console.print(table)
    unhealthy = [str(m["name"]) for m in manifests if m["status"] not in ("ok", "not verified")]
    if unhealthy:
        raise fail(f"not healthy: {', '.join(unhealthy)}", code=1)


def _status(problems: list[str]) -> str:
    if not problems:
        return "ok"
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"corrupt: {problems[0]}{more}"
