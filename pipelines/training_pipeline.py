"""The SageMaker training pipeline as a pure function of Settings.

prepare (ProcessingStep; with `prepare_instance_count` > 1 a sharded PrepareShards step and a
one-instance PrepareData reduce) -> train (TrainingStep, SMDDP) -> evaluate (ProcessingStep +
PropertyFile; the candidate against a baseline on the same held-out set) -> CheckMethodFamily
-> one ConditionStep per gate rule of the method's family (text; pairwise for reward/dpo; policy
for grpo: reward gain over the baseline and the safety rules)
-> register (PendingManualApproval; text models with a model card) or a FailStep that names
the metric, value, threshold and baseline.

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
    ARCHITECTURE_KEY,
    ARTIFACTS_BUCKET,
    BASE_MODEL_KEY,
    BASE_MODEL_PARAMETER,
    BASELINE_PARAMETER,
    CODE_SHA256_KEY,
    CURATED_BUCKET,
    DATA_TASK_PARAMETER,
    INPUT_DATA_PARAMETER,
    METHOD_KEY,
    METHOD_PARAMETER,
    MODEL_DATA_PROPERTY,
    RAW_BUCKET,
    REWARD_MODEL_PARAMETER,
    TEACHER_MODEL_PARAMETER,
    base_model_prefix,
    model_package_group_name,
    pipeline_name,
    placeholder,
)
from deployment.settings import Settings
from pipelines.offline_sdk import offline_sdk
from pipelines.quality_gate import GATE_METRICS, family_gate, threshold_parameters
from pipelines.sagemaker_jobs import PII_SALT_SECRET, PREPARE_ROLE_ARN, JobSteps
from training_scripts.governance.salt import SECRET_ARN_ENV
from training_scripts.tracking import RUN_ID_KEY, THRESHOLD_ARG
from training_scripts.vocabulary.methods import DATA_TASKS, METHODS
from training_scripts.vocabulary.metrics import (
    EVALUATION_FILE,
    MODEL_ARCHITECTURE,
    MODEL_CARD_CONTENT,
    MODEL_QUALITY_FILE,
    GateFamily,
)

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
    with offline_sdk():
        return _build_pipeline(settings, subnet_count)


def _build_pipeline(settings: Settings, subnet_count: int | None) -> Any:
    code_hash = code_sha256()
    jobs = JobSteps(settings, subnet_count or settings.network.az_count, code_hash)
    from sagemaker.core.workflow.functions import Join, JsonGet
    from sagemaker.core.workflow.parameters import ParameterString
    from sagemaker.core.workflow.properties import PropertyFile
    from sagemaker.mlops.workflow.pipeline import Pipeline

    from pipelines.register_step import RegisterModelPackageStep  # imports sagemaker.mlops

    # EnumValues: SageMaker refuses other values at StartPipelineExecution, and
    # `fmops pipeline start` / `fmops local run` refuse them before any call.
    method = ParameterString(
        name=METHOD_PARAMETER, default_value=settings.training.method, enum_values=list(METHODS)
    )
    data_task = ParameterString(
        name=DATA_TASK_PARAMETER,
        default_value=METHODS[settings.training.method].data_task,
        enum_values=list(DATA_TASKS),
    )
    trigger_prefix = settings.pipeline.trigger_prefix or "incoming/"
    # Raw data in, curated data out: only the prepare step (its own role) writes curated data.
    input_uri = ParameterString(
        name=INPUT_DATA_PARAMETER, default_value=f"s3://{placeholder(RAW_BUCKET)}/{trigger_prefix}"
    )
    base_model = settings.models.sagemaker_base_model
    base_model_uri = ParameterString(
        name=BASE_MODEL_PARAMETER,
        default_value=f"s3://{placeholder(ARTIFACTS_BUCKET)}/{base_model_prefix(base_model)}",
    )
    # The teacher for Method=distill. The channel is always attached (SageMaker cannot attach
    # one conditionally) in FastFile mode, so other methods never download it.
    teacher = settings.models.sagemaker_teacher_model or base_model
    teacher_model_uri = ParameterString(
        name=TEACHER_MODEL_PARAMETER,
        default_value=f"s3://{placeholder(ARTIFACTS_BUCKET)}/{base_model_prefix(teacher)}",
    )
    # Method=grpo learns from a reward model: the group's approved `Method=reward` model when
    # given, else (the default, the base model: no reward head) one the Train step first fits
    # on the same run's ranked pairs. Lazy like the teacher: other methods never read it.
    reward_model_uri = ParameterString(
        name=REWARD_MODEL_PARAMETER, default_value=base_model_uri.default_value
    )
    # The model the candidate must beat: the base model by default; `fmops pipeline start`
    # passes the group's latest Approved version (the champion) when there is one.
    baseline_uri = ParameterString(
        name=BASELINE_PARAMETER, default_value=base_model_uri.default_value
    )
    approval = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")
    thresholds = threshold_parameters(settings)

    curated_runs = f"{placeholder(CURATED_BUCKET)}/{settings.data.curated_prefix.rstrip('/')}"
    salt_env = {SECRET_ARN_ENV: PII_SALT_SECRET}
    shards = settings.training.prepare_instance_count
    prepare_steps = []
    if shards > 1:
        # Map: each instance governs its share of the objects and writes MinHash signatures.
        govern = jobs.processing_step(
            "PrepareShards", "prepare_data.py",
            inputs={"raw": input_uri}, outputs=["shards"], instance_count=shards,
            sharded_inputs=("raw",),
            arguments=["--stage", "shard", "--task", data_task, "--method", method],
            description="Per shard: schema checks, PII anonymization, filters, MinHash signatures",
            # The prepare role is the only writer of curated data; the salt comes from its secret.
            role=PREPARE_ROLE_ARN, output_base=curated_runs, environment=salt_env,
        )  # fmt: skip
        prepare_steps.append(govern)
        shard_output = govern.properties.ProcessingOutputConfig.Outputs["shards"].S3Output.S3Uri
        # Reduce: one instance finds duplicates across shards from the signatures.
        prepare = jobs.processing_step(
            "PrepareData", "prepare_data.py",
            inputs={"shards": shard_output}, outputs=["train", "validation", "governance"],
            arguments=["--stage", "reduce", "--task", data_task, "--method", method,
                       "--validation-fraction", str(settings.evaluation.holdout_fraction)],
            description="Cross-shard exact and near-duplicates from signatures; split",
            # The prepare role is the only writer of curated data; the salt comes from its secret.
            role=PREPARE_ROLE_ARN, output_base=curated_runs, environment=salt_env,
        )  # fmt: skip
    else:
        prepare = jobs.processing_step(
            "PrepareData", "prepare_data.py",
            inputs={"raw": input_uri}, outputs=["train", "validation", "governance"],
            # --method: reward/dpo read the ranked pairs under preferences/, the others the rest.
            arguments=["--task", data_task, "--method", method,
                       "--validation-fraction", str(settings.evaluation.holdout_fraction)],
            description="Schema checks, PII anonymization, dedup, quality and poisoning filters",
            # The prepare role is the only writer of curated data; the salt comes from its secret.
            role=PREPARE_ROLE_ARN, output_base=curated_runs, environment=salt_env,
        )  # fmt: skip
    prepare_steps.append(prepare)

    def prepared(name: str) -> Any:
        return prepare.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri

    train = jobs.training_step("Train", method=method, channels={
        "train": prepared("train"), "validation": prepared("validation"),
        "model": base_model_uri, "teacher": teacher_model_uri,
        "reward_model": reward_model_uri,
    }, lazy_channels=("teacher", "reward_model"))  # fmt: skip
    model_data = train.properties.ModelArtifacts.S3ModelArtifacts

    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path=EVALUATION_FILE)
    evaluate = jobs.processing_step(
        "Evaluate", "evaluate.py",
        inputs={"model": model_data, "baseline": baseline_uri, "test": prepared("validation"),
                "governance": prepared("governance")},
        outputs=["evaluation"],
        arguments=["--max-examples", str(settings.evaluation.max_examples),
                   "--max-new-tokens", str(settings.evaluation.max_new_tokens),
                   "--method", method,
                   *(["--judge-model-id", settings.evaluation.judge_model_id]
                     if settings.evaluation.judge_model_id else []),
                   # The gate's thresholds, so Evaluate logs its decision per rule to MLflow.
                   *[arg for name, threshold in thresholds.items()
                     for arg in (THRESHOLD_ARG, Join(on="=", values=[name, threshold]))]],
        description="Candidate vs baseline: ROUGE, BLEU, BERTScore, perplexity, unsupported "
        "words, refusal and over-refusal rates, paired bootstrap intervals",
        property_files=[report], environment=jobs.tracking_environment,
    )  # fmt: skip
    evaluation_dir = evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"]

    # No InferenceSpecification: the training image has no serving code, and naming it as the
    # serving image would register a package that cannot serve. The artifact location travels
    # in the package's metadata until a serving image is chosen.
    request = {
        "ModelPackageGroupName": model_package_group_name(settings),
        "ModelApprovalStatus": approval,
        "ModelMetrics": {"ModelQuality": {"Statistics": {
            "ContentType": "application/json",
            "S3Uri": Join(on="/", values=[evaluation_dir.S3Output.S3Uri, MODEL_QUALITY_FILE]),
        }}},
        "CustomerMetadataProperties": {
            CODE_SHA256_KEY: code_hash, MODEL_DATA_PROPERTY: model_data, BASE_MODEL_KEY: base_model,
            # The serving import workflow refuses what Bedrock cannot import.
            METHOD_KEY: method,
            # The package names its MLflow run (evaluate.py writes the id, "none" untracked).
            **({RUN_ID_KEY: JsonGet(step_name=evaluate.name, property_file=report,
                                    json_path=RUN_ID_KEY)} if settings.tracking.enabled else {}),
        },
    }  # fmt: skip
    # Text models carry the model card and architecture evaluate.py writes; the pairwise
    # evaluation writes neither (reward models are not importable).
    text_request = {**request, "ModelCard": {
        "ModelCardContent": JsonGet(
            step_name=evaluate.name, property_file=report, json_path=MODEL_CARD_CONTENT
        ),
        "ModelCardStatus": "Draft",
    }, "CustomerMetadataProperties": {
        **request["CustomerMetadataProperties"],
        ARCHITECTURE_KEY: JsonGet(
            step_name=evaluate.name, property_file=report, json_path=MODEL_ARCHITECTURE
        ),
    }}  # fmt: skip
    registrations: dict[GateFamily, list[Any]] = {
        "text": [RegisterModelPackageStep(
            "RegisterModel", text_request, description="Registered only when every gate rule passed"
        )],
        "policy": [RegisterModelPackageStep(
            "RegisterPolicyModel", text_request,
            description="grpo policy registered when its reward gain and safety rules passed",
        )],
        "pairwise": [RegisterModelPackageStep(
            "RegisterPreferenceModel", request,
            description="Reward/dpo model registered when its pairwise gate passed",
        )],
    }  # fmt: skip

    return Pipeline(
        name=pipeline_name(settings),
        parameters=[
            method,
            data_task,
            input_uri,
            base_model_uri,
            teacher_model_uri,
            reward_model_uri,
            baseline_uri,
            approval,
            *thresholds.values(),
        ],
        steps=[
            *prepare_steps,
            train,
            evaluate,
            family_gate(method, evaluate.name, report, thresholds, registrations),
        ],
        sagemaker_session=jobs.session,
    )


def pipeline_definition(settings: Settings, subnet_count: int | None = None) -> str:
    """The definition JSON: same settings and code -> byte-identical output."""
    with warnings.catch_warnings(), offline_sdk():
        # "Running within a PipelineSession, there will be No Wait...": that is the point.
        warnings.filterwarnings("ignore", message="Running within a PipelineSession")
        definition = json.loads(build_pipeline(settings, subnet_count).definition())
    return json.dumps(definition, indent=None, sort_keys=True, separators=(",", ":"))
