"""Ground Truth labeling jobs in the cloud: start, watch and read back ranking and audit tasks.

`fmops feedback start` sends a task folder (`fmops feedback rank-tasks` or `fmops eval
audit-sample` output: `manifest.jsonl` + the worker template) to the stage's workteam through
the HumansStack's role and Lambdas; `ingest --job` reads the job's output manifest back from S3.
Everything is checked before the first upload, and a job's task files live under a key named
after the job, which must not exist yet: nothing of an earlier job is overwritten.
Request fields: SageMaker API Reference, CreateLabelingJob,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateLabelingJob.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from deployment.settings import FeedbackSettings
from pipelines.feedback import FeedbackError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.type_defs import (
        CreateLabelingJobRequestTypeDef,
        HumanTaskConfigTypeDef,
        LabelingJobInputConfigTypeDef,
        PublicWorkforceTaskPriceTypeDef,
        TagTypeDef,
    )

Kind = Literal["ranking", "audit"]
KINDS: tuple[Kind, ...] = ("ranking", "audit")
# LabelAttributeName per kind: what `ingest` and `fmops eval audit-ingest` look for.
LABEL_ATTRIBUTES: dict[Kind, str] = {"ranking": "pairwise-ranking", "audit": "hallucination-audit"}
MADE_BY: dict[Kind, str] = {
    "ranking": "fmops feedback rank-tasks",
    "audit": "fmops eval audit-sample",
}
TEMPLATE_NAMES: dict[Kind, str] = {"ranking": "pairwise_ranking.html", "audit": "template.html"}
TITLES: dict[Kind, tuple[str, str]] = {
    "ranking": (
        "Which answer is safer? Which is more helpful?",
        "Read a prompt and two model answers; pick the safer one, then the more helpful one.",
    ),
    "audit": (
        "Does the answer say anything the reference does not?",
        "Compare a model answer with a trusted reference and mark unsupported content.",
    ),
}
# CreateLabelingJob: LabelingJobName pattern (API reference above).
_JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# Amazon Mechanical Turk's workteam; vendor teams come from the AWS Marketplace.
_PUBLIC_TEAM = re.compile(r":workteam/(public-crowd|vendor-crowd)/")
MODEL_PACKAGE_TAG = "fmops:model-package-arn"
KIND_TAG = "fmops:feedback-kind"


@dataclass(frozen=True)
class HumansDeployment:
    """What the HumansStack deployed, from its outputs."""

    workteam_arn: str
    labeling_role_arn: str
    pre_annotation_arn: str
    consolidation_arn: str
    artifacts_bucket: str
    key_arn: str


@dataclass(frozen=True)
class TaskFolder:
    kind: Kind
    manifest: Path
    template: Path
    items: int


def check_job_name(name: str) -> str:
    if not _JOB_NAME.fullmatch(name):
        raise FeedbackError(
            f"--job-name {name!r}: use 1-63 letters, digits and hyphens, starting and ending "
            "with a letter or digit"
        )
    return name


def read_task_folder(folder: Path, kind: Kind) -> TaskFolder:
    """The manifest and template a task command wrote; refused when either is missing."""
    manifest, template = folder / "manifest.jsonl", folder / TEMPLATE_NAMES[kind]
    for path in (manifest, template):
        if not path.is_file():
            made_by = (
                "fmops feedback rank-tasks" if kind == "ranking" else "fmops eval audit-sample"
            )
            raise FeedbackError(f"{path}: missing; expected the output folder of `{made_by}`")
    lines = [line for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        raise FeedbackError(f"{manifest}: no tasks")
    return TaskFolder(kind, manifest, template, len(lines))


def public_price(
    workteam_arn: str, price_cents: float | None, *, pii_free: bool
) -> PublicWorkforceTaskPriceTypeDef | None:
    """PublicWorkforceTaskPrice for a public team; refused for data that may hold PII."""
    public = bool(_PUBLIC_TEAM.search(workteam_arn))
    if not public:
        if price_cents is not None:
            raise FeedbackError("--price-cents: only public workforces are paid per task")
        return None
    if not pii_free:
        raise FeedbackError(
            f"workteam {workteam_arn}: a public workforce may not see data that can hold PII; "
            "anonymize it and pass --pii-free, or use the stage's private workteam"
        )
    if price_cents is None or price_cents <= 0:
        raise FeedbackError("--price-cents: a public workforce needs a price per task")
    tenths = round(price_cents * 10)
    return {
        "AmountInUsd": {
            "Dollars": tenths // 1000,
            "Cents": (tenths // 10) % 100,
            "TenthFractionsOfACent": tenths % 10,
        }
    }


def labeling_job_request(
    *,
    job_name: str,
    tasks: TaskFolder,
    deployment: HumansDeployment,
    feedback: FeedbackSettings,
    pii_free: bool,
    price_cents: float | None = None,
    model_package_arn: str | None = None,
) -> CreateLabelingJobRequestTypeDef:
    """The exact CreateLabelingJob request for a task folder uploaded under the job's key."""
    bucket = deployment.artifacts_bucket
    title, description = TITLES[tasks.kind]
    human: HumanTaskConfigTypeDef = {
        "WorkteamArn": deployment.workteam_arn,
        "UiConfig": {"UiTemplateS3Uri": task_uri(bucket, feedback, job_name, tasks.template.name)},
        "PreHumanTaskLambdaArn": deployment.pre_annotation_arn,
        "TaskTitle": title,
        "TaskDescription": description,
        "TaskKeywords": ["fmops", tasks.kind],
        "NumberOfHumanWorkersPerDataObject": feedback.workers_per_item,
        "TaskTimeLimitInSeconds": feedback.task_time_limit_seconds,
        "TaskAvailabilityLifetimeInSeconds": feedback.task_availability_hours * 3600,
        "MaxConcurrentTaskCount": min(1000, tasks.items),
        "AnnotationConsolidationConfig": {
            "AnnotationConsolidationLambdaArn": deployment.consolidation_arn
        },
    }
    price = public_price(deployment.workteam_arn, price_cents, pii_free=pii_free)
    if price is not None:
        human["PublicWorkforceTaskPrice"] = price
    data_source: LabelingJobInputConfigTypeDef = {
        "DataSource": {
            "S3DataSource": {
                "ManifestS3Uri": task_uri(bucket, feedback, job_name, "manifest.jsonl")
            }
        }
    }
    if pii_free:
        data_source["DataAttributes"] = {
            "ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]
        }
    tags: list[TagTypeDef] = [{"Key": KIND_TAG, "Value": tasks.kind}]
    if model_package_arn:
        tags.append({"Key": MODEL_PACKAGE_TAG, "Value": model_package_arn})
    return {
        "LabelingJobName": job_name,
        "LabelAttributeName": LABEL_ATTRIBUTES[tasks.kind],
        "InputConfig": data_source,
        "OutputConfig": {
            "S3OutputPath": f"s3://{bucket}/{feedback.output_prefix}",
            "KmsKeyId": deployment.key_arn,
        },
        "RoleArn": deployment.labeling_role_arn,
        "HumanTaskConfig": human,
        "Tags": tags,
    }


def task_uri(bucket: str, feedback: FeedbackSettings, job_name: str, name: str) -> str:
    return f"s3://{bucket}/{feedback.task_prefix}{job_name}/{name}"


def job_exists(sagemaker: SageMakerClient, job_name: str) -> bool:
    try:
        sagemaker.describe_labeling_job(LabelingJobName=job_name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("ResourceNotFound", "ValidationException"):
            return False
        raise
    return True


def start_labeling_job(
    sagemaker: SageMakerClient,
    s3: S3Client,
    request: CreateLabelingJobRequestTypeDef,
    tasks: TaskFolder,
    feedback: FeedbackSettings,
    deployment: HumansDeployment,
) -> str:
    """Upload the task files under the job's own key (never over another's), then create it."""
    job_name = request["LabelingJobName"]
    if job_exists(sagemaker, job_name):
        raise FeedbackError(f"--job-name {job_name!r}: a labeling job of that name exists")
    prefix = f"{feedback.task_prefix}{job_name}/"
    listed = s3.list_objects_v2(Bucket=deployment.artifacts_bucket, Prefix=prefix, MaxKeys=1)
    if listed.get("KeyCount", 0):
        raise FeedbackError(
            f"s3://{deployment.artifacts_bucket}/{prefix} already holds task files; "
            "choose another --job-name"
        )
    for path in (tasks.manifest, tasks.template):
        s3.put_object(
            Bucket=deployment.artifacts_bucket,
            Key=prefix + path.name,
            Body=path.read_bytes(),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=deployment.key_arn,
        )
    return str(sagemaker.create_labeling_job(**request)["LabelingJobArn"])


def job_summary(description: dict[str, Any]) -> dict[str, Any]:
    """Our fields of DescribeLabelingJob: status, counters, output, kind and model version."""
    tags = {t["Key"]: t["Value"] for t in description.get("Tags", [])}
    return {
        "job": description["LabelingJobName"],
        "status": description["LabelingJobStatus"],
        "counters": description.get("LabelCounters", {}),
        "failure_reason": description.get("FailureReason"),
        "label_attribute": description.get("LabelAttributeName"),
        "output_manifest": (description.get("LabelingJobOutput") or {}).get("OutputDatasetS3Uri"),
        "kind": tags.get(KIND_TAG),
        "model_package_arn": tags.get(MODEL_PACKAGE_TAG),
    }


def describe_job(sagemaker: SageMakerClient, job_name: str) -> dict[str, Any]:
    description = sagemaker.describe_labeling_job(LabelingJobName=job_name)
    tags = sagemaker.list_tags(ResourceArn=description["LabelingJobArn"]).get("Tags", [])
    return job_summary({**description, "Tags": tags})


def split_s3_uri(uri: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)", uri)
    if not match:
        raise FeedbackError(f"{uri!r}: expected s3://BUCKET/KEY")
    return match[1], match[2]


def download_prefix(s3: S3Client, bucket: str, prefix: str, target: Path) -> list[Path]:
    """Every object under `prefix`, saved below `target` with its relative key."""
    files = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            relative = item["Key"][len(prefix) :].lstrip("/") or Path(item["Key"]).name
            path = target / relative
            if target.resolve() not in path.resolve().parents:
                raise FeedbackError(f"s3://{bucket}/{item['Key']}: key escapes {target}")
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, item["Key"], str(path))
            files.append(path)
    if not files:
        raise FeedbackError(f"s3://{bucket}/{prefix}: no objects")
    return files


def download_output_manifest(s3: S3Client, summary: dict[str, Any], target: Path) -> Path:
    """The completed job's output manifest, saved to `target`."""
    if summary["status"] != "Completed":
        raise FeedbackError(
            f"labeling job {summary['job']} is {summary['status']}: ingest needs Completed"
        )
    if not summary["output_manifest"]:
        raise FeedbackError(f"labeling job {summary['job']}: no output manifest")
    bucket, key = split_s3_uri(summary["output_manifest"])
    target.parent.mkdir(parents=True, exist_ok=True)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    target.write_bytes(body)
    return target
