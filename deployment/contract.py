"""The deployment contract: what the stacks publish and what the CLI and the builder read back.

Stack names, CloudFormation output keys, the `${Name}` placeholders the pipeline definition
carries (Fn::Sub fills them in the training stack, the local executor fills them with local
values) and the S3 prefixes jobs write under (the IAM policies grant exactly these prefixes).
Each is defined here once; infra/ writes them, pipelines/ reads them.
"""

from __future__ import annotations

from typing import Literal, get_args

from deployment.settings import Settings

# -- Stack names ----------------------------------------------------------------------------
StackKind = Literal["data", "network", "training", "rag", "bedrock", "serving", "budget", "humans"]
STACK_KINDS: tuple[StackKind, ...] = get_args(StackKind)


def stack_name(settings: Settings, kind: StackKind) -> str:
    """The CloudFormation stack name infra/app.py gives a stack, e.g. `fmops-dev-training`."""
    if kind not in STACK_KINDS:
        raise ValueError(f"stack kind {kind!r}: must be one of {', '.join(STACK_KINDS)}")
    return f"{settings.name}-{kind}"


def pipeline_name(settings: Settings) -> str:
    return f"{settings.name}-training"


def model_package_group_name(settings: Settings) -> str:
    return f"{settings.name}-models"


def training_job_role_name(settings: Settings) -> str:
    """The role the pipeline's jobs run as; the definition names it through a placeholder."""
    return f"{settings.name}-training-job"


def prepare_job_role_name(settings: Settings) -> str:
    """The prepare step's role: the only principal the curated bucket accepts writes from."""
    return f"{settings.name}-prepare-job"


def pipeline_role_name(settings: Settings) -> str:
    """The role SageMaker Pipelines runs the training pipeline's steps as."""
    return f"{settings.name}-training-pipeline"


def regional_role_name(name: str, region: str) -> str:
    """A deployed role's name: IAM names are global to the account, so the same stage in a
    second Region would collide without the Region in it. `region` may be a CDK token."""
    return f"{name}-{region}"


# -- Placeholders in the pipeline definition ------------------------------------------------
TRAINING_ROLE_NAME = "TrainingRoleName"
PREPARE_ROLE_NAME = "PrepareRoleName"
RAW_BUCKET = "RawBucket"
PII_SALT_SECRET_ARN = "PiiSaltSecretArn"
ARTIFACTS_BUCKET = "ArtifactsBucket"
CURATED_BUCKET = "CuratedBucket"
DATA_KEY_ARN = "DataKeyArn"
TRAINING_SECURITY_GROUP = "TrainingSecurityGroup"
TRAINING_IMAGE_URI = "TrainingImageUri"  # the distribution's training image
PROCESSING_IMAGE_URI = "ProcessingImageUri"  # prepare and evaluate (the main-stack image)
# Train's and Evaluate's MLFLOW_TRACKING_URI: the stage's MLflow ARN (the local SQLite store's
# URI offline). In the definition only while `tracking.enabled`.
MLFLOW_TRACKING_ARN = "MlflowTrackingArn"
# Filled by Fn::Sub in the training stack (pseudo parameters such as ${AWS::Region} too).
DEPLOYMENT_VARIABLES = (
    TRAINING_ROLE_NAME,
    PREPARE_ROLE_NAME,
    RAW_BUCKET,
    PII_SALT_SECRET_ARN,
    ARTIFACTS_BUCKET,
    CURATED_BUCKET,
    DATA_KEY_ARN,
    TRAINING_SECURITY_GROUP,
    TRAINING_IMAGE_URI,
    PROCESSING_IMAGE_URI,
    MLFLOW_TRACKING_ARN,
)
PSEUDO_PARAMETERS = ("AWS::Region", "AWS::AccountId", "AWS::Partition")


def placeholder(name: str) -> str:
    """`${name}`, the Fn::Sub form."""
    return "${" + name + "}"


def subnet_variable(index: int) -> str:
    """The placeholder name of the `index`-th (0-based) training subnet: Subnet1, Subnet2, ..."""
    return f"Subnet{index + 1}"


# -- CloudFormation output keys -------------------------------------------------------------
# Data stack
RAW_BUCKET_OUTPUT = "RawBucketName"
CURATED_BUCKET_OUTPUT = "CuratedBucketName"
ARTIFACTS_BUCKET_OUTPUT = "ArtifactsBucketName"
DATA_KEY_OUTPUT = "DataKeyArn"
PII_SALT_SECRET_OUTPUT = "PiiSaltSecretArn"
# Network stack
VPC_OUTPUT = "VpcId"
TRAINING_SECURITY_GROUP_OUTPUT = "TrainingSecurityGroupId"
# Training stack. One output per Fn::Sub variable under VARIABLE_OUTPUT_PREFIX, plus the
# pipeline's role, so the CLI resolves the definition exactly as CloudFormation did.
PIPELINE_NAME_OUTPUT = "PipelineName"
MODEL_PACKAGE_GROUP_OUTPUT = "ModelPackageGroupName"
JOB_ROLE_OUTPUT = "JobRoleArn"
ROLE_OUTPUT = "PipelineRoleArn"
VARIABLE_OUTPUT_PREFIX = "PipelineVar"
# Bedrock stack
STATE_MACHINE_OUTPUT = "StateMachineArn"
SERVICE_ROLE_OUTPUT = "ServiceRoleArn"
TOPIC_OUTPUT = "TopicArn"
RFT_GRADER_OUTPUT = "RftGraderArn"  # the Lambda REINFORCEMENT_FINE_TUNING jobs grade with
# Humans stack (Ground Truth)
WORKTEAM_OUTPUT = "WorkteamArn"
LABELING_ROLE_OUTPUT = "LabelingRoleArn"
PRE_ANNOTATION_OUTPUT = "PreAnnotationFunctionArn"
CONSOLIDATION_OUTPUT = "ConsolidationFunctionArn"
# Serving stack: the guardrail invokers must send (`fmops invoke` reads it), the import workflow.
INVOKE_GUARDRAIL_ID_OUTPUT = "InvokeGuardrailId"
INVOKE_GUARDRAIL_VERSION_OUTPUT = "InvokeGuardrailVersion"
INVOKERS_POLICY_OUTPUT = "InvokersPolicyArn"
IMPORT_STATE_MACHINE_OUTPUT = "ImportStateMachineArn"
IMPORT_ROLE_OUTPUT = "ImportRoleArn"
# RAG stack
KNOWLEDGE_BASE_OUTPUT = "KnowledgeBaseId"
DATA_SOURCE_OUTPUT = "DataSourceId"
Q_APPLICATION_OUTPUT = "QApplicationId"


def variable_output(name: str) -> str:
    """The training stack's output that carries the value of placeholder `name`."""
    return f"{VARIABLE_OUTPUT_PREFIX}{name}"


def guardrail_output(use_case: str) -> str:
    """The Bedrock stack's output that carries a use case's guardrail id."""
    return f"GuardrailId{use_case.title()}"


# -- the raw-data trigger ------------------------------------------------------------------
# Uploading data under `pipeline.trigger_prefix` starts nothing; putting this marker object there
# (after the last data object) starts one pipeline execution. A dot-file, so the prepare step's
# readers skip it like any other hidden file.
READY_MARKER = ".ready"


# -- S3 prefixes in the curated bucket (under data.curated_prefix) --------------------------
# Datasets `fmops bedrock submit` uploads for a Bedrock job: one of the curated bucket's two
# routine-write prefixes (the other is rag.documents_prefix); everything else is written only
# by the prepare step.
BEDROCK_UPLOADS_PREFIX = "bedrock/"


# -- S3 prefixes in the artifacts bucket ----------------------------------------------------
# Per-execution outputs of the pipeline's jobs; the job and pipeline roles may write only here.
PIPELINE_RUNS_PREFIX = "pipeline-runs/"
# Staged base models; the job role may read them.
BASE_MODELS_PREFIX = "base-models/"
# The stage's MLflow tracking server keeps its run artifacts here.
MLFLOW_ARTIFACTS_PREFIX = "mlflow/"


def mlflow_server_name(settings: Settings) -> str:
    """The stage's SageMaker MLflow tracking server."""
    return f"{settings.name}-mlflow"


def base_model_prefix(model: str) -> str:
    return f"{BASE_MODELS_PREFIX}{model}/"


# -- Training pipeline parameters (the definition's `Parameters`; `--param Name=value`) ------
METHOD_PARAMETER = "Method"
DATA_TASK_PARAMETER = "DataTask"
INPUT_DATA_PARAMETER = "InputDataUri"  # raw data the prepare step reads
BASE_MODEL_PARAMETER = "BaseModelUri"
TEACHER_MODEL_PARAMETER = "TeacherModelUri"  # Method=distill
REWARD_MODEL_PARAMETER = "RewardModelUri"  # Method=grpo
# The model the candidate must beat: the base model, or the group's approved champion.
BASELINE_PARAMETER = "BaselineModelUri"


# -- Model-package metadata (CustomerMetadataProperties keys the RegisterModel step writes) ---
CODE_SHA256_KEY = "code_sha256"
# The artifact's S3 URI: packages carry no InferenceSpecification until a serving image exists
# (pipelines/training_pipeline.py says why); the serving import workflow reads it.
MODEL_DATA_PROPERTY = "model_data_url"
BASE_MODEL_KEY = "base_model"  # champions are compared only with the same base model
METHOD_KEY = "method"  # the serving import workflow refuses what Bedrock cannot import
ARCHITECTURE_KEY = "architecture"  # config.json architectures[0]
# Why a version was approved without the audit its stage requires (`fmops pipeline approve`).
OVERRIDE_KEY = "approval_override_reason"
