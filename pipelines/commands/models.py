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

from deployment.contract import BASE_MODELS_PREFIX
from pipelines.commands.shared import AsJson, Region, Stage, stage_deployment
from pipelines.commands.shared import stage_settings as _settings
from pipelines.console import console, fail, print_json
from pipelines.deployment_outputs import Deployment
from pipelines.models import ModelStagingError, ModelStagingFailed
from pipelines.models.layout import check_layout
from pipelines.models.service import HEALTHY, stage_base_model, staged_models
from pipelines.models.staging import check_name, resolve_source

app = typer.Typer(
    help="Base models for the SageMaker pipeline: stage (check, hash, upload), list.",
    no_args_is_help=True,
)

Bucket = Annotated[
    str | None, typer.Option("--bucket", help="Artifacts bucket (default: data stack output).")
]


KmsKey = Annotated[
    str | None, typer.Option("--kms-key", help="KMS key for SSE-KMS (default: DataKeyArn).")
]
DownloadDir = Annotated[
    Path | None,
    typer.Option("--download-dir", help="Where hub downloads go [default: ~/.cache/fmops/models]."),
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
    kms_key: KmsKey = None,
    download_dir: DownloadDir = None,
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
    deployment = Deployment.of(settings, region)
    try:
        manifest = stage_base_model(
            deployment, root, name=target, source=source, bucket=bucket, kms_key=kms_key,
            allow_pickle=allow_pickle, replace=replace,
        )  # fmt: skip
    except (ModelStagingError, ModelStagingFailed) as exc:
        raise fail(str(exc), code=1) from None
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
    try:
        name, manifests = staged_models(stage_deployment(stage, region), bucket, verify)
    except ModelStagingError as exc:
        raise fail(str(exc)) from None
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
    unhealthy = [str(m["name"]) for m in manifests if m["status"] not in HEALTHY]
    if unhealthy:
        raise fail(f"not healthy: {', '.join(unhealthy)}", code=1)
