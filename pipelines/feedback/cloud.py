"""The feedback loop against a deployed stage: what `fmops feedback start/status/ingest --job`
and `rank-tasks --from-invocation-logs s3://...` do, as functions of a `Deployment`.

Nothing here prints or parses options; every AWS client comes from the deployment (its
region), every stack output is read through it (each stack once, one error when missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deployment.contract import (
    ARTIFACTS_BUCKET_OUTPUT,
    CONSOLIDATION_OUTPUT,
    DATA_KEY_OUTPUT,
    LABELING_ROLE_OUTPUT,
    PRE_ANNOTATION_OUTPUT,
    RAW_BUCKET_OUTPUT,
    WORKTEAM_OUTPUT,
    pipeline_name,
)
from pipelines.deployment_outputs import Deployment
from pipelines.feedback.invocation_logs import Responder, answer_of
from pipelines.feedback.labeling import (
    LABEL_ATTRIBUTES,
    HumansDeployment,
    Kind,
    TaskFolder,
    describe_job,
    download_output_manifest,
    download_prefix,
    labeling_job_request,
    split_s3_uri,
    start_labeling_job,
)
from pipelines.feedback.retrain import training_parameters, upload_pairs
from pipelines.pipeline_ops import start_execution

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import CreateLabelingJobRequestTypeDef

# Converse inference settings for the second answer of a candidate pair.
RESPONDER_MAX_TOKENS = 512


def humans_deployment(deployment: Deployment) -> HumansDeployment:
    """The HumansStack's outputs plus the data stack's bucket and key, typed."""
    return HumansDeployment(
        workteam_arn=deployment.output("humans", WORKTEAM_OUTPUT),
        labeling_role_arn=deployment.output("humans", LABELING_ROLE_OUTPUT),
        pre_annotation_arn=deployment.output("humans", PRE_ANNOTATION_OUTPUT),
        consolidation_arn=deployment.output("humans", CONSOLIDATION_OUTPUT),
        artifacts_bucket=deployment.output("data", ARTIFACTS_BUCKET_OUTPUT),
        key_arn=deployment.output("data", DATA_KEY_OUTPUT),
    )


@dataclass(frozen=True)
class LabelingJob:
    """A checked CreateLabelingJob request and the deployment it runs on."""

    request: CreateLabelingJobRequestTypeDef
    humans: HumansDeployment


def labeling_job(
    deployment: Deployment,
    job_name: str,
    folder: TaskFolder,
    *,
    pii_free: bool = False,
    price_cents: float | None = None,
    model_package: str | None = None,
) -> LabelingJob:
    """The job's request from the stage's outputs and feedback settings; FeedbackError names
    what is wrong before anything is uploaded."""
    humans = humans_deployment(deployment)
    request = labeling_job_request(
        job_name=job_name,
        tasks=folder,
        deployment=humans,
        feedback=deployment.settings.feedback,
        pii_free=pii_free,
        price_cents=price_cents,
        model_package_arn=model_package,
    )
    return LabelingJob(request, humans)


def start_job(deployment: Deployment, job: LabelingJob, folder: TaskFolder) -> str:
    """Upload the task folder under the job's own key and start the job; returns its ARN."""
    sagemaker, s3 = deployment.client("sagemaker"), deployment.client("s3")
    feedback = deployment.settings.feedback
    return start_labeling_job(sagemaker, s3, job.request, folder, feedback, job.humans)


def job_status(deployment: Deployment, job: str) -> dict[str, Any]:
    return describe_job(deployment.client("sagemaker"), job)


def download_job_output(
    deployment: Deployment, job: str, directory: Path
) -> tuple[Path, Kind | None, str | None]:
    """(output manifest, job kind, audited model package) of a completed labeling job."""
    summary = describe_job(deployment.client("sagemaker"), job)
    target = directory / f"{job}.output.manifest"
    path = download_output_manifest(deployment.client("s3"), summary, target)
    return path, summary["kind"], summary["model_package_arn"]


def record_audit(deployment: Deployment, manifest: Path, package: str) -> dict[str, Any]:
    """An audit job's hallucination rate, stored on the model version it audited."""
    from pipelines.audit_evidence import record_on_package
    from training_scripts.metrics.audit import ingest_output_manifest

    result = ingest_output_manifest(manifest, LABEL_ATTRIBUTES["audit"], package)
    record_on_package(deployment.client("sagemaker"), package, result)
    return result


def start_training(deployment: Deployment, pairs: Path, job: str, method: str) -> dict[str, str]:
    """Upload preference pairs to the raw bucket and start the stage's pipeline on them."""
    raw = deployment.output("data", RAW_BUCKET_OUTPUT)
    input_uri = upload_pairs(deployment.client("s3"), pairs, raw, job)
    name = pipeline_name(deployment.settings)
    parameters = training_parameters(method, input_uri)
    arn = start_execution(deployment.client("sagemaker"), name, parameters)
    return {"method": method, "input": input_uri, "execution_arn": arn}


def bedrock_responder(deployment: Deployment, model: str) -> Responder:
    """A second answer per logged prompt, from a Bedrock model through Converse."""
    runtime = deployment.client("bedrock-runtime")

    def answer(prompt: str, temperature: float) -> str:
        response = runtime.converse(
            modelId=model,
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig={"temperature": temperature, "maxTokens": RESPONDER_MAX_TOKENS},
        )
        return answer_of(response)

    return answer


def download_invocation_logs(deployment: Deployment, source: str, target: Path) -> list[Path]:
    """Every invocation-log object under an s3:// prefix, copied under `target`."""
    bucket, prefix = split_s3_uri(source)
    return download_prefix(deployment.client("s3"), bucket, prefix, target)
