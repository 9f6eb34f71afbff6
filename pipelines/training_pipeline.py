"""The SageMaker training pipeline as a pure function of Settings.

prepare (ProcessingStep) -> train (TrainingStep, SMDDP) -> evaluate (ProcessingStep +
PropertyFile) -> one ConditionStep per gate metric -> register (PendingManualApproval) or a
FailStep that names the metric.

The definition is built offline with the SageMaker Python SDK v3 and is byte-for-byte
deterministic. Deployment-specific values are `${Name}` placeholders (DEPLOYMENT_VARIABLES in
deployment/contract.py, plus `${SubnetN}` and CloudFormation pseudo parameters): Fn::Sub fills
them in the training stack, the local executor fills them with local paths.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

from deployment.contract import (
    ARTIFACTS_BUCKET,
    CURATED_BUCKET,
    RAW_BUCKET,
    base_model_prefix,
    model_package_group_name,
    pipeline_name,
    placeholder,
)
from deployment.settings import Settings
from pipelines.quality_gate import GATE_METRICS, gate_steps, threshold_parameters
from pipelines.sagemaker_jobs import IMAGE_URI, PII_SALT_SECRET, PREPARE_ROLE_ARN, JobSteps
from training_scripts.governance.salt import SECRET_ARN_ENV
from training_scripts.vocabulary.methods import METHODS
from training_scripts.vocabulary.metrics import EVALUATION_FILE, MODEL_QUALITY_FILE

__all__ = ["GATE_METRICS", "build_pipeline", "pipeline_definition"]

TRAINING_SCRIPTS = Path(__file__).resolve().parent.parent / "training_scripts"


def code_sha256(root: Path = TRAINING_SCRIPTS) -> str:
    """Content hash of the container code: file paths and bytes, no timestamps."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_pipeline(settings: Settings, subnet_count: int | None = None) -> Any:
    """The sagemaker `Pipeline` object for a stage's settings.

    `subnet_count` defaults to `network.az_count`; the stack passes the number of subnets it
    really created (an environment-agnostic VPC spans two AZs whatever the setting says).
    """
    code_hash = code_sha256()
    jobs = JobSteps(settings, subnet_count or settings.network.az_count, code_hash)
    from sagemaker.core.workflow.functions import Join
    from sagemaker.core.workflow.parameters import ParameterString
    from sagemaker.core.workflow.properties import PropertyFile
    from sagemaker.mlops.workflow.pipeline import Pipeline

    from pipelines.register_step import RegisterModelPackageStep  # imports sagemaker.mlops

    method = ParameterString(name="Method", default_value=settings.training.method)
    data_task = ParameterString(
        name="DataTask", default_value=METHODS[settings.training.method].data_task
    )
    trigger_prefix = settings.pipeline.trigger_prefix or "incoming/"
    # Raw data in, curated data out: only the prepare step (its own role) writes curated data.
    input_uri = ParameterString(
        name="InputDataUri", default_value=f"s3://{placeholder(RAW_BUCKET)}/{trigger_prefix}"
    )
    base_model = settings.models.sagemaker_base_model
    base_model_uri = ParameterString(
        name="BaseModelUri",
        default_value=f"s3://{placeholder(ARTIFACTS_BUCKET)}/{base_model_prefix(base_model)}",
    )
    approval = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")
    thresholds = threshold_parameters(settings)

    prepare = jobs.processing_step(
        "PrepareData", "prepare_data.py",
        inputs={"raw": input_uri}, outputs=["train", "validation", "governance"],
        arguments=["--task", data_task],
        description="Schema checks, PII anonymization, dedup, quality and poisoning filters",
        role=PREPARE_ROLE_ARN,
        output_base=f"{placeholder(CURATED_BUCKET)}/{settings.data.curated_prefix.rstrip('/')}",
        environment={SECRET_ARN_ENV: PII_SALT_SECRET},
    )  # fmt: skip

    def prepared(name: str) -> Any:
        return prepare.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri

    train = jobs.training_step("Train", method=method, channels={
        "train": prepared("train"), "validation": prepared("validation"),
        "model": base_model_uri,
    })  # fmt: skip
    model_data = train.properties.ModelArtifacts.S3ModelArtifacts

    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path=EVALUATION_FILE)
    evaluate = jobs.processing_step(
        "Evaluate", "evaluate.py",
        inputs={"model": model_data, "test": prepared("validation")}, outputs=["evaluation"],
        arguments=["--max-examples", str(settings.evaluation.max_examples),
                   "--max-new-tokens", str(settings.evaluation.max_new_tokens)],
        description="ROUGE, BLEU, BERTScore, perplexity, refusal and hallucination rates",
        property_files=[report],
    )  # fmt: skip
    evaluation_dir = evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"]

    register = RegisterModelPackageStep("RegisterModel", {
        "ModelPackageGroupName": model_package_group_name(settings),
        "ModelApprovalStatus": approval,
        "InferenceSpecification": {
            "Containers": [{"Image": IMAGE_URI, "ModelDataUrl": model_data}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        "ModelMetrics": {"ModelQuality": {"Statistics": {
            "ContentType": "application/json",
            "S3Uri": Join(on="/", values=[evaluation_dir.S3Output.S3Uri, MODEL_QUALITY_FILE]),
        }}},
        "CustomerMetadataProperties": {"code_sha256": code_hash},
    }, description="Registered only when every gate metric passed")  # fmt: skip

    return Pipeline(
        name=pipeline_name(settings),
        parameters=[method, data_task, input_uri, base_model_uri, approval, *thresholds.values()],
        steps=[
            prepare,
            train,
            evaluate,
            *gate_steps(evaluate.name, report, thresholds, [register]),
        ],
        sagemaker_session=jobs.session,
    )


def pipeline_definition(settings: Settings, subnet_count: int | None = None) -> str:
    """The definition JSON: same settings and code -> byte-identical output."""
    with warnings.catch_warnings():
        # "Running within a PipelineSession, there will be No Wait...": that is the point.
        warnings.filterwarnings("ignore", message="Running within a PipelineSession")
        definition = json.loads(build_pipeline(settings, subnet_count).definition())
    return json.dumps(definition, indent=None, sort_keys=True, separators=(",", ":"))
