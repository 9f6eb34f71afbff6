"""`fmops pipeline approve`: approve or reject a registered model version, in SageMaker's
registry or the local one, with the audit evidence the stage requires.

Registered on the `fmops pipeline` group by pipelines/commands/pipeline.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError

from pipelines.commands.shared import Region, Stage, stage_deployment
from pipelines.commands.shared import stage_settings as _settings
from pipelines.console import console, fail
from pipelines.deployment_outputs import Deployment
from pipelines.pipeline_ops import approve_version, check_model_package_arn
from pipelines.pipeline_parameters import PipelineInputError

# UpdateModelPackage's ApprovalDescription is at most 1024 characters (SageMaker API Reference,
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html).
MAX_REASON = 1024


def approve(
    model_package_arn: Annotated[
        str | None, typer.Argument(help="Versioned model package ARN (or use --local-version).")
    ] = None,
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead of approve.")] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept as ApprovalDescription).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Approve without the audit the stage requires (needs --reason)."
        ),
    ] = False,
    local_version: Annotated[
        int | None, typer.Option("--local-version", help="A version in the local registry.")
    ] = None,
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", help="Where the local registry lives.")
    ] = Path("runs"),
    group: Annotated[
        str | None, typer.Option("--group", help="Local registry group (when it holds several).")
    ] = None,
    stage: Stage = None,
    region: Region = None,
) -> None:
    """Approve (or --reject) a registered model version after human review.

    In stages with evaluation.require_audit (prod), approval needs a human hallucination audit of
    this exact version whose 95% Wilson upper bound is within evaluation.max_hallucination_rate
    (`fmops eval audit-ingest --model-package ARN`); --force --reason records an override.

    ARN: arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/VERSION (see `list --models`).

    Example: [cyan]fmops pipeline approve "$MODEL_PACKAGE_ARN" --stage prod --reason "audit ok"[/]
    """
    if (model_package_arn is None) == (local_version is None):
        raise fail("give a model package ARN or --local-version N (one of them)")
    if model_package_arn is not None:
        try:
            check_model_package_arn(model_package_arn)
        except PipelineInputError as exc:
            raise fail(str(exc)) from None
    if reason is not None and not 1 <= len(reason) <= MAX_REASON:
        raise fail(f"--reason: {len(reason)} characters; allowed 1 to {MAX_REASON}")
    if force and not reason:
        raise fail("--force needs --reason TEXT: an override is recorded with its reason")
    if local_version is not None:
        evaluation = _settings(stage).evaluation
        _approve_local(local_version, runs_dir, group, not reject, reason, force, evaluation)
        return
    assert model_package_arn is not None
    deployment = stage_deployment(stage, region)
    metadata, override = _approve_in_stage(deployment, model_package_arn, not reject, reason, force)
    forced = " (override recorded)" if override else ""
    console.print(f"{'rejected' if reject else 'approved'}{forced}: {model_package_arn}")
    _link_run(metadata, model_package_arn, deployment)


def _approve_in_stage(
    deployment: Deployment, arn: str, approved: bool, reason: str | None, force: bool
) -> tuple[dict[str, str], dict[str, str] | None]:
    """Set the version's approval (the audit checked first): (its metadata, the override)."""
    from pipelines.audit_evidence import audit_from_metadata

    evaluation = deployment.settings.evaluation

    def override_for(metadata: dict[str, str]) -> dict[str, str] | None:
        return _audit_or_override(audit_from_metadata(metadata), arn, evaluation, force, reason)

    try:
        metadata, override = approve_version(deployment, arn, approved, reason, override_for)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"approve {arn}: {exc}", code=1) from None
    return metadata, override


def _link_run(metadata: dict[str, str], arn: str, deployment: Deployment) -> None:
    """The package ARN on the MLflow run the package's metadata names (`fmops.model_package`):
    the run then leads to the version as the version leads to the run. The registry stays the
    source of truth, so a tracking server that cannot be reached costs one warning line."""
    from pipelines.experiment_runs import stage_uri
    from training_scripts.tracking import MODEL_PACKAGE_TAG, RUN_ID_KEY, tag_run, warn

    run_id = metadata.get(RUN_ID_KEY, "none")  # "none": Evaluate logged no run
    if run_id == "none":
        return
    try:
        uri = stage_uri(deployment)
    except Exception as exc:  # no tracking server in this stage: nothing to link
        warn(f"the MLflow run {run_id}", exc)
        return
    tag_run(uri, run_id, {MODEL_PACKAGE_TAG: arn})


def _audit_or_override(
    audit: Any, version: str, evaluation: Any, force: bool, reason: str | None
) -> dict[str, str] | None:
    """None when the audit the stage requires is there and good enough; with --force, the
    override to record beside the approval; otherwise the refusal, as one line."""
    from deployment.contract import OVERRIDE_KEY
    from pipelines.audit_evidence import ApprovalRefused, check_audit

    try:
        check_audit(audit, version=version, max_rate=evaluation.max_hallucination_rate,
                    required=evaluation.require_audit)  # fmt: skip
    except ApprovalRefused as exc:
        if not force:
            raise fail(str(exc), code=1) from None
        # CustomerMetadataProperties values are at most 256 characters (SageMaker API
        # Reference, CreateModelPackage).
        return {OVERRIDE_KEY: (reason or "")[:256], "approval_override_refusal": str(exc)[:256]}
    return None


def _approve_local(
    version: int,
    runs_dir: Path,
    group: str | None,
    approved: bool,
    reason: str | None,
    force: bool,
    evaluation: Any,
) -> None:
    from pipelines.audit_evidence import (
        local_entry,
        local_version_id,
        save_registry,
    )

    registry = runs_dir / "model-registry.json"
    try:
        data, entry, name = local_entry(registry, version, group)
    except PipelineInputError as exc:
        raise fail(str(exc)) from None
    override = None
    if approved:
        override = _audit_or_override(
            entry.get("Audit"), local_version_id(name, version), evaluation, force, reason
        )
    entry["ModelApprovalStatus"] = "Approved" if approved else "Rejected"
    if reason:
        entry["ApprovalDescription"] = reason
    if override:
        entry.setdefault("CustomerMetadataProperties", {}).update(override)
    save_registry(registry, data)
    forced = " (override recorded)" if override else ""
    console.print(
        f"{'approved' if approved else 'rejected'}{forced}: {local_version_id(name, version)}"
    )
