"""The SageMaker training pipeline as a pure function of Settings.

prepare (ProcessingStep) -> train (TrainingStep, SMDDP) -> evaluate (ProcessingStep +
PropertyFile) -> one ConditionStep per gate metric -> register (PendingManualApproval) or a
FailStep that names the metric.

The definition is built offline with the SageMaker Python SDK v3 and is byte-for-byte
deterministic. Deployment-specific values are `${Name}` placeholders (see DEPLOYMENT_VARIABLES):
CloudFormation's Fn::Sub fills them in the training stack, the local executor fills them with
local paths. Code is not uploaded by the SDK: it is baked into the training image (a CDK asset
built from training_scripts/), and FMOPS_CODE_SHA256 in every step records which code it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.settings import Settings
from training_scripts.contract import metric_definitions
from training_scripts.metrics.gate_keys import GATE_PARAMETERS

TRAINING_SCRIPTS = Path(__file__).resolve().parent.parent / "training_scripts"
CODE_DIR = "/opt/ml/code"  # where the training image keeps training_scripts/

# Filled by Fn::Sub in the training stack (pseudo parameters such as ${AWS::Region} too).
DEPLOYMENT_VARIABLES = (
    "TrainingRoleName",
    "ArtifactsBucket",
    "CuratedBucket",
    "DataKeyArn",
    "TrainingSecurityGroup",
    "TrainingImageUri",
)
ROLE_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${TrainingRoleName}"

# Metric names train.py prints as `name=value;` lines (scraped by these regexes).
TRAINING_METRICS = ("train_loss", "eval_loss", "learning_rate", "tokens_per_second")

# Instance families with local NVMe storage: CreateTrainingJob/CreateProcessingJob reject a
# VolumeKmsKeyId for them, their volumes are hardware-encrypted (SageMaker API reference,
# ResourceConfig.VolumeKmsKeyId).
LOCAL_NVME_FAMILIES = (
    "p4d",
    "p4de",
    "p5",
    "p5e",
    "p5en",
    "g4dn",
    "g5",
    "g6",
    "g6e",
    "trn1",
    "trn1n",
    "m5d",
    "c5d",
    "r5d",
    "inf2",
)


@dataclass(frozen=True)
class GateMetric:
    """A quality-gate threshold: pipeline parameter -> evaluation.json key."""

    parameter: str
    key: str
    minimum: bool  # True: value must be >= threshold; False: <= threshold
    settings_field: str


# Which Settings.evaluation field gives each gate parameter its default.
_GATE_SETTINGS_FIELD = {
    "MinRougeL": "min_rouge_l",
    "MinBleu": "min_bleu",
    "MinBertscoreF1": "min_bertscore_f1",
    "MinRefusalRate": "min_refusal_rate",
    "MaxHallucinationRate": "max_hallucination_rate",
}
# The keys come from evaluate.py's own list, so the gate reads what the step writes.
GATE_METRICS = tuple(
    GateMetric(parameter, key, comparison == ">=", _GATE_SETTINGS_FIELD[parameter])
    for parameter, (key, comparison) in GATE_PARAMETERS.items()
)

# Which curated format each training method reads (prepare_data.py --task).
DATA_TASK_BY_METHOD = {
    "cpt": "cpt",
    "sft": "sft",
    "lora": "sft",
    "reft": "sft",
    "distill": "sft",
    "reward": "preference",
    "dpo": "preference",
}


def pipeline_name(settings: Settings) -> str:
    return f"{settings.name}-training"


def model_package_group_name(settings: Settings) -> str:
    return f"{settings.name}-models"


def code_sha256(root: Path = TRAINING_SCRIPTS) -> str:
    """Content hash of the container code: file paths and bytes, no timestamps."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _uses_local_nvme(instance_type: str) -> bool:
    return instance_type.split(".")[1] in LOCAL_NVME_FAMILIES


def _offline_sdk() -> None:
    """Let the SDK import and build requests with no credentials, region or network.

    `sagemaker.mlops` creates boto3 clients at import time (needs a region) and ModelTrainer
    checks the role through IAM unless told not to.
    """
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")
    for noisy in ("sagemaker", "sagemaker.config", "sagemaker.core"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _offline_session() -> Any:
    """A PipelineSession that never calls AWS: requests are captured, not sent."""
    import boto3
    from sagemaker.core.workflow.pipeline_context import PipelineSession

    boto_session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="offline", aws_secret_access_key="offline"
    )
    return PipelineSession(boto_session=boto_session, default_bucket="${ArtifactsBucket}")


def build_pipeline(settings: Settings, subnet_count: int | None = None) -> Any:
    """The sagemaker `Pipeline` object for a stage's settings.

    `subnet_count` defaults to `network.az_count`; the stack passes the number of subnets it
    really created (an environment-agnostic VPC spans two AZs whatever the setting says).
    """
    _offline_sdk()
    from sagemaker.core.network import NetworkConfig
    from sagemaker.core.processing import Processor
    from sagemaker.core.shapes import (
        ProcessingInput,
        ProcessingOutput,
        ProcessingS3Input,
        ProcessingS3Output,
    )
    from sagemaker.core.workflow.conditions import (
        ConditionGreaterThanOrEqualTo,
        ConditionLessThanOrEqualTo,
    )
    from sagemaker.core.workflow.execution_variables import ExecutionVariables
    from sagemaker.core.workflow.functions import Join, JsonGet
    from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString
    from sagemaker.core.workflow.properties import PropertyFile
    from sagemaker.mlops.workflow.condition_step import ConditionStep
    from sagemaker.mlops.workflow.fail_step import FailStep
    from sagemaker.mlops.workflow.pipeline import Pipeline
    from sagemaker.mlops.workflow.steps import ProcessingStep, TrainingStep
    from sagemaker.train.configs import (
        CheckpointConfig,
        Compute,
        InputData,
        Networking,
        OutputDataConfig,
        StoppingCondition,
    )
    from sagemaker.train.model_trainer import ModelTrainer

    from pipelines.register_step import RegisterModelPackageStep

    session = _offline_session()
    training = settings.training
    code_hash = code_sha256()
    environment = {"FMOPS_CODE_SHA256": code_hash}
    subnets = [f"${{Subnet{i + 1}}}" for i in range(subnet_count or settings.network.az_count)]

    def run_uri(*parts: str) -> Any:
        # Outputs are scoped per execution so runs never read each other's results.
        return Join(
            on="/",
            values=[
                "s3:/",
                "${ArtifactsBucket}",
                "pipeline-runs",
                ExecutionVariables.PIPELINE_EXECUTION_ID,
                *parts,
            ],
        )

    method = ParameterString(name="Method", default_value=training.method)
    data_task = ParameterString(name="DataTask", default_value=DATA_TASK_BY_METHOD[training.method])
    input_uri = ParameterString(
        name="InputDataUri",
        default_value=f"s3://${{CuratedBucket}}/{settings.pipeline.trigger_prefix or 'incoming/'}",
    )
    base_model_uri = ParameterString(
        name="BaseModelUri",
        default_value=f"s3://${{ArtifactsBucket}}/base-models/{settings.models.sagemaker_base_model}/",
    )
    approval = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")
    thresholds = {
        gate.parameter: ParameterFloat(
            name=gate.parameter,
            default_value=float(getattr(settings.evaluation, gate.settings_field)),
        )
        for gate in GATE_METRICS
    }

    def processor(entry_script: str) -> Any:
        uses_nvme = _uses_local_nvme(training.processing_instance_type)
        return Processor(
            role=ROLE_ARN,
            image_uri="${TrainingImageUri}",
            instance_count=1,
            instance_type=training.processing_instance_type,
            entrypoint=["python3", f"{CODE_DIR}/{entry_script}"],
            volume_kms_key=None if uses_nvme else "${DataKeyArn}",
            output_kms_key="${DataKeyArn}",
            env=environment,
            network_config=NetworkConfig(
                subnets=subnets,
                security_group_ids=["${TrainingSecurityGroup}"],
                encrypt_inter_container_traffic=True,
            ),
            sagemaker_session=session,
        )

    def s3_input(name: str, uri: Any) -> Any:
        return ProcessingInput(
            input_name=name,
            s3_input=ProcessingS3Input(
                s3_uri=uri,
                local_path=f"/opt/ml/processing/input/{name}",
                s3_data_type="S3Prefix",
                s3_input_mode="File",
            ),
        )

    def s3_output(name: str, step: str) -> Any:
        return ProcessingOutput(
            output_name=name,
            s3_output=ProcessingS3Output(
                s3_uri=run_uri(step, name),
                local_path=f"/opt/ml/processing/output/{name}",
                s3_upload_mode="EndOfJob",
            ),
        )

    prepare = ProcessingStep(
        name="PrepareData",
        description="Schema checks, PII anonymization, dedup, quality and poisoning filters",
        step_args=processor("prepare_data.py").run(
            inputs=[s3_input("raw", input_uri)],
            outputs=[s3_output(n, "prepare") for n in ("train", "validation", "governance")],
            arguments=["--task", data_task],
        ),
    )

    def prepared(name: str) -> Any:
        return prepare.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri

    hyperparameters: dict[str, Any] = {
        "method": method,
        "backend": "smddp" if training.distribution == "smddp" else "auto",
        "checkpoint_every": str(training.checkpoint_every_steps),
        **training.hyperparameters,
        # Script mode of the DLC's training toolkit: run train.py from the baked-in code dir.
        "sagemaker_program": "train.py",
        "sagemaker_submit_directory": CODE_DIR,
    }
    if training.distribution == "smddp":
        # SMDDP AllReduce needs an mpirun-based launcher; `smdistributed` is the one that runs
        # smddprun (SageMaker developer guide, "Use the PyTorch framework estimators in the
        # SageMaker Python SDK"). These are the toolkit hyperparameters that launcher reads.
        hyperparameters |= {
            "sagemaker_distributed_dataparallel_enabled": "true",
            "sagemaker_distributed_dataparallel_custom_mpi_options": "",
            "sagemaker_instance_type": training.instance_type,
        }
    elif training.distribution == "torchrun":
        hyperparameters["sagemaker_torch_distributed_enabled"] = "true"

    uses_nvme = _uses_local_nvme(training.instance_type)
    trainer = ModelTrainer(
        training_image="${TrainingImageUri}",
        role=ROLE_ARN,
        sagemaker_session=session,
        base_job_name=f"{settings.name}-train",
        compute=Compute(
            instance_type=training.instance_type,
            instance_count=training.instance_count,
            volume_size_in_gb=training.volume_size_gb,
            volume_kms_key_id=None if uses_nvme else "${DataKeyArn}",
            enable_managed_spot_training=training.use_spot,
        ),
        networking=Networking(
            subnets=subnets,
            security_group_ids=["${TrainingSecurityGroup}"],
            enable_inter_container_traffic_encryption=True,
        ),
        stopping_condition=StoppingCondition(
            max_runtime_in_seconds=training.max_run_hours * 3600,
            # Spot jobs may wait for capacity; SageMaker requires MaxWait >= MaxRuntime.
            max_wait_time_in_seconds=2 * training.max_run_hours * 3600
            if training.use_spot
            else None,
        ),
        output_data_config=OutputDataConfig(
            s3_output_path=run_uri("train", "model"), kms_key_id="${DataKeyArn}"
        ),
        hyperparameters=hyperparameters,
        environment=environment,
    )
    trainer = trainer.with_checkpoint_config(
        CheckpointConfig(s3_uri=run_uri("train", "checkpoints"), local_path="/opt/ml/checkpoints")
    ).with_metric_definitions(_metric_definition_shapes())
    train = TrainingStep(
        name="Train",
        description=f"train.py with {training.distribution} on "
        f"{training.instance_count}x {training.instance_type}",
        step_args=trainer.train(
            input_data_config=[
                InputData(channel_name="train", data_source=prepared("train")),
                InputData(channel_name="validation", data_source=prepared("validation")),
                InputData(channel_name="model", data_source=base_model_uri),
            ]
        ),
    )

    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep(
        name="Evaluate",
        description="ROUGE, BLEU, BERTScore, perplexity, refusal and hallucination rates",
        step_args=processor("evaluate.py").run(
            inputs=[
                s3_input("model", train.properties.ModelArtifacts.S3ModelArtifacts),
                s3_input("test", prepared("validation")),
            ],
            outputs=[s3_output("evaluation", "evaluate")],
        ),
        property_files=[report],
    )

    register = RegisterModelPackageStep(
        "RegisterModel",
        {
            "ModelPackageGroupName": model_package_group_name(settings),
            "ModelApprovalStatus": approval,
            "InferenceSpecification": {
                "Containers": [
                    {
                        "Image": "${TrainingImageUri}",
                        "ModelDataUrl": train.properties.ModelArtifacts.S3ModelArtifacts,
                    }
                ],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            "ModelMetrics": {
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": Join(
                            on="/",
                            values=[
                                evaluate.properties.ProcessingOutputConfig.Outputs[
                                    "evaluation"
                                ].S3Output.S3Uri,
                                "model_quality.json",
                            ],
                        ),
                    }
                }
            },
            "CustomerMetadataProperties": {"code_sha256": code_hash},
        },
        description="Registered only when every gate metric passed",
    )

    # One ConditionStep per metric, chained, so a FailStep names exactly the metric that failed.
    next_steps: list[Any] = [register]
    for gate in reversed(GATE_METRICS):
        value = JsonGet(step_name=evaluate.name, property_file=report, json_path=gate.key)
        threshold = thresholds[gate.parameter]
        compare = ConditionGreaterThanOrEqualTo if gate.minimum else ConditionLessThanOrEqualTo
        word = "below the minimum" if gate.minimum else "above the maximum"
        fail = FailStep(
            name=f"Fail{gate.parameter}",
            error_message=Join(
                on=" ",
                values=[
                    f"Quality gate failed: {gate.key} =",
                    value,
                    f"is {word} {gate.parameter} =",
                    threshold,
                ],
            ),
        )
        next_steps = [
            ConditionStep(
                name=f"Check{gate.parameter}",
                conditions=[compare(left=value, right=threshold)],
                if_steps=next_steps,
                else_steps=[fail],
            )
        ]

    return Pipeline(
        name=pipeline_name(settings),
        parameters=[method, data_task, input_uri, base_model_uri, approval, *thresholds.values()],
        steps=[prepare, train, evaluate, *next_steps],
        sagemaker_session=session,
    )


def _metric_definition_shapes() -> list[Any]:
    from sagemaker.core.shapes import MetricDefinition

    return [
        MetricDefinition(name=d["Name"], regex=d["Regex"])
        for d in metric_definitions(TRAINING_METRICS)
    ]


def pipeline_definition(settings: Settings, subnet_count: int | None = None) -> str:
    """The definition JSON: same settings and code -> byte-identical output."""
    with warnings.catch_warnings():
        # "Running within a PipelineSession, there will be No Wait...": that is the point.
        warnings.filterwarnings("ignore", message="Running within a PipelineSession")
        definition = json.loads(build_pipeline(settings, subnet_count).definition())
    return json.dumps(definition, indent=None, sort_keys=True, separators=(",", ":"))
