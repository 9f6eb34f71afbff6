"""One typed settings object for the whole project, loaded from cdk.json context.

cdk.json holds the shared values under `fmops` and per-stage overrides under `fmops:stages`;
`-c stage=prod` (or `CDK_CONTEXT_JSON='{"stage": "prod"}'`) selects a stage. Stacks, pipeline
builders and the CLI all take `Settings`; nothing else reads raw context.

This module must stay free of CDK and torch imports: the CLI and the pipeline builder use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from deployment.bedrock_settings import BedrockSettings, RagSettings
from deployment.evaluation_settings import EvaluationSettings
from deployment.instance_types import check_instance_type
from deployment.network_settings import NetworkSettings
from deployment.platform_settings import (
    CostSettings,
    DeliverySettings,
    FeedbackSettings,
    SecuritySettings,
    ServingSettings,
)
from deployment.section import Section as _Section
from deployment.settings_errors import error_line, is_section
from deployment.tracking_settings import TrackingSettings
from deployment.training_images import (
    SMDDP_IMAGE_TAGS,
    Distribution,
    TrainingImage,
    default_processing_image,
    default_training_images,
)
from training_scripts.hyperparameters import HyperparameterError, parse_hyperparameters
from training_scripts.vocabulary.methods import method_pattern

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = REPO_ROOT / "cdk.json"
# Context lookups (availability zones of a pinned account/region) the CDK CLI caches; committed
# so that `python app.py` and the delivery pipeline synthesize the same zones as a laptop.
CDK_CONTEXT_FILE = REPO_ROOT / "cdk.context.json"

SETTINGS_KEY = "fmops"
STAGES_KEY = "fmops:stages"
STAGE_KEY = "stage"

_INSTANCE_TYPE = r"^ml\.[a-z0-9]+\.[a-z0-9]+$"

# SMDDP's AllReduce runs only on these (SageMaker developer guide, "Supported frameworks, AWS
# Regions, and instance types" for the SMDDP library: P4 and P4de instances).
SMDDP_INSTANCE_TYPES = ("ml.p4d.24xlarge", "ml.p4de.24xlarge")


class SettingsError(ValueError):
    """A settings value is missing or invalid; the message is one line a user can act on."""


PiiNerModel = Literal["en_core_web_sm", "en_core_web_md", "en_core_web_lg"]
DEFAULT_PII_NER_MODEL: PiiNerModel = "en_core_web_sm"


class DataSettings(_Section):
    """S3 data lake layout and lifecycle."""

    raw_infrequent_access_days: int = Field(30, ge=30, le=3650)
    raw_glacier_days: int = Field(90, ge=31, le=3650)
    noncurrent_version_expiry_days: int = Field(90, ge=1, le=3650)
    abort_incomplete_upload_days: int = Field(7, ge=1, le=365)
    access_log_expiry_days: int = Field(365, ge=1, le=3650)
    curated_prefix: str = Field("curated/", pattern=r"^[a-z0-9][a-z0-9/_-]*/$")
    # spaCy NER model the prepare image installs for PII names (docs/data_governance.md: the
    # medium one, measured, finds more names held out at ~20 % more CPU and no better precision);
    # offline and in CI the small one runs.
    pii_ner_model: PiiNerModel = DEFAULT_PII_NER_MODEL

    @model_validator(mode="after")
    def _glacier_after_ia(self) -> DataSettings:
        # S3 rejects a lifecycle whose later transition is not after the earlier one.
        if self.raw_glacier_days <= self.raw_infrequent_access_days:
            raise ValueError(
                f"raw_glacier_days = {self.raw_glacier_days}: must be greater than "
                f"raw_infrequent_access_days ({self.raw_infrequent_access_days})"
            )
        return self


class TrainingSettings(_Section):
    """SageMaker training and processing capacity."""

    instance_type: str = Field("ml.p4d.24xlarge", pattern=_INSTANCE_TYPE)
    instance_count: int = Field(2, ge=1, le=64)
    processing_instance_type: str = Field("ml.m5.xlarge", pattern=_INSTANCE_TYPE)
    # > 1: the prepare step runs on this many instances with ShardedByS3Key input, then a
    # one-instance reduce step finds duplicates across shards (docs/data_governance.md, Scale).
    prepare_instance_count: int = Field(1, ge=1, le=100)
    volume_size_gb: int = Field(200, ge=1, le=16384)
    max_run_hours: int = Field(24, ge=1, le=672)
    use_spot: StrictBool = False
    method: str = Field("cpt", pattern=method_pattern())
    # smddp: SMDDP AllReduce through the mpirun-based `smdistributed` launcher; torchrun: NCCL
    # DDP; none: one process per host.
    distribution: Distribution = "smddp"
    # The image each distribution trains on (docs/decisions.md, "Training images"): SMDDP only
    # exists on old torch, so it gets its own base and library stack; missing keys keep these
    # defaults. Processing (prepare, evaluate) always runs on `processing_image`.
    images: dict[Distribution, TrainingImage] = Field(default_factory=default_training_images)
    processing_image: TrainingImage = Field(default_factory=default_processing_image)
    checkpoint_every_steps: int = Field(100, ge=1)
    # Extra `train.py` hyperparameters (strings, as SageMaker passes them).
    hyperparameters: dict[str, str] = Field(default_factory=dict)

    @field_validator("images", mode="before")
    @classmethod
    def _keep_default_images(cls, value: object) -> object:
        if isinstance(value, Mapping):
            return {**default_training_images(), **value}
        return value

    @field_validator("images")
    @classmethod
    def _smddp_image_ships_smddp(cls, value: dict) -> dict:
        tag = value["smddp"].tag
        if tag not in SMDDP_IMAGE_TAGS:
            raise ValueError(
                f"['smddp'].base_image tag {tag!r} does not ship the SMDDP library "
                f"(allowed: {', '.join(SMDDP_IMAGE_TAGS)})"
            )
        return value

    @property
    def training_image(self) -> TrainingImage:
        """The image the configured distribution trains on."""
        return self.images[self.distribution]

    @field_validator("instance_type")
    @classmethod
    def _training_instance_exists(cls, value: str) -> str:
        return check_instance_type(value, "TrainingInstanceType")

    @field_validator("processing_instance_type")
    @classmethod
    def _processing_instance_exists(cls, value: str) -> str:
        return check_instance_type(value, "ProcessingInstanceType")

    @model_validator(mode="after")
    def _hyperparameters_fit_the_schema(self) -> TrainingSettings:
        try:
            parse_hyperparameters(self.method, self.hyperparameters)
        except HyperparameterError as exc:
            # "hyperparameter lr = 'x': ..." -> settings.training.hyperparameters.lr = 'x': ...
            raise ValueError(str(exc).replace("hyperparameter ", "hyperparameters.", 1)) from None
        return self

    @model_validator(mode="after")
    def _smddp_needs_supported_instances(self) -> TrainingSettings:
        if self.distribution == "smddp" and self.instance_type not in SMDDP_INSTANCE_TYPES:
            raise ValueError(
                f"distribution = 'smddp': instance_type {self.instance_type!r} does not support "
                f"SMDDP (allowed: {', '.join(SMDDP_INSTANCE_TYPES)}; use 'torchrun' elsewhere)"
            )
        return self


class PipelineSettings(_Section):
    """When the SageMaker training pipeline runs by itself."""

    # New objects under this raw-bucket prefix start the pipeline (continued pre-training on
    # fresh domain data); it is also the pipeline's default input. None disables the trigger.
    trigger_prefix: str | None = Field("incoming/", pattern=r"^[a-z0-9][a-z0-9/_-]*/$")
    # An EventBridge schedule expression, e.g. "rate(7 days)" or "cron(0 3 ? * SUN *)".
    schedule: str | None = Field(None, pattern=r"^(rate|cron)\(.+\)$")


class ModelSettings(_Section):
    """Which foundation models the pipelines adapt."""

    sagemaker_base_model: str = Field("meta-llama/Llama-3.2-1B", min_length=1)
    # Teacher for Method=distill, staged under base-models/ like the base model; None = the
    # base model itself (self-distillation), so the teacher channel always has objects.
    sagemaker_teacher_model: str | None = Field(None, min_length=1)
    # Accounts (e.g. prod's) that may read this stage's registered models and their artifacts:
    # promotion shares the reviewed model instead of retraining it (docs/decisions.md).
    share_with_accounts: tuple[str, ...] = ()

    @field_validator("share_with_accounts")
    @classmethod
    def _accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for account in value:
            if not re.fullmatch(r"\d{12}", account):
                raise ValueError(f"account {account!r}: must be 12 digits")
        return value


class Settings(_Section):
    """Everything a stage needs; built by `load_settings`, never by hand in production code."""

    # Short enough that `<prefix>-<stage>-access-logs-<account>-<region>` fits S3's 63 chars.
    stage: str = Field(pattern=r"^[a-z][a-z0-9]{1,7}$")
    # None keeps synthesis environment-agnostic (no credentials needed).
    account: str | None = Field(None, pattern=r"^\d{12}$")
    region: str | None = Field(None, pattern=r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
    prefix: str = Field("fmops", pattern=r"^[a-z][a-z0-9-]{1,11}$")
    alarm_email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    data: DataSettings = DataSettings()
    network: NetworkSettings = NetworkSettings()
    training: TrainingSettings = TrainingSettings()
    models: ModelSettings = ModelSettings()
    evaluation: EvaluationSettings = EvaluationSettings()
    pipeline: PipelineSettings = PipelineSettings()
    rag: RagSettings = RagSettings()
    bedrock: BedrockSettings = BedrockSettings()
    delivery: DeliverySettings = DeliverySettings()
    cost: CostSettings = CostSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    serving: ServingSettings = ServingSettings()
    security: SecuritySettings = SecuritySettings()
    tracking: TrackingSettings = TrackingSettings()

    @model_validator(mode="after")
    def _budget_needs_recipient(self) -> Settings:
        if self.cost.monthly_budget_usd is not None and not self.alarm_email:
            raise ValueError(
                "alarm_email = None: required when cost.monthly_budget_usd is set (who is told)"
            )
        return self

    @model_validator(mode="after")
    def _serving_guardrail_exists(self) -> Settings:
        use_case = self.serving.guardrail_use_case
        if use_case is not None and use_case not in self.bedrock.denied_topics:
            allowed = ", ".join(sorted(self.bedrock.denied_topics)) or "none defined"
            raise ValueError(
                f"serving.guardrail_use_case = {use_case!r}: no guardrail for it in "
                f"bedrock.denied_topics (allowed: {allowed})"
            )
        return self

    @model_validator(mode="after")
    def _zones_in_region(self) -> Settings:
        zones = self.network.availability_zones
        if self.region and any(not z.startswith(self.region) for z in zones):
            raise ValueError(
                f"network.availability_zones = {list(zones)}: must be zones of region {self.region}"
            )
        return self

    @property
    def invoke_guardrail(self) -> str | None:
        """The use case whose guardrail invokers must send (None when no guardrail exists)."""
        return self.serving.guardrail_use_case or next(
            iter(sorted(self.bedrock.denied_topics)), None
        )

    @property
    def name(self) -> str:
        """Resource name prefix for this stage, e.g. `fmops-dev`."""
        return f"{self.prefix}-{self.stage}"


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _object(value: object, where: str) -> Mapping[str, Any]:
    """A context block that must be a JSON object (null counts as empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        kind = {list: "a list", str: "a string", bool: "a boolean"}.get(type(value), "a number")
        raise SettingsError(f"cdk.json context {where}: must be an object, got {kind}")
    return value


def _check_shared(shared: Mapping[str, Any], stage: str) -> None:
    """Every shared value is valid on its own, even where the selected stage overrides it.

    A stage override must not hide a bad shared value: the next stage to use it would fail (or,
    worse, deploy it). Cross-field checks need the merged values and run after the merge.
    """
    try:
        Settings.model_validate({**shared, "stage": stage})
    except ValidationError as exc:
        fields = [e for e in exc.errors() if e["loc"] and not is_section(Settings, e["loc"])]
        if fields:
            line = error_line(Settings, exc, fields)
            raise SettingsError(f"{line} (shared '{SETTINGS_KEY}' value)") from None


def load_settings(context: Mapping[str, Any]) -> Settings:
    """Build Settings from CDK context: shared values, then the selected stage's overrides."""
    stages = _object(context.get(STAGES_KEY), f"'{STAGES_KEY}'")
    stage = context.get(STAGE_KEY, "dev")
    if not isinstance(stage, str) or stage not in stages:
        allowed = ", ".join(sorted(stages)) or "none defined in cdk.json"
        raise SettingsError(f"stage = {stage!r}: unknown stage (allowed: {allowed})")
    shared = _object(context.get(SETTINGS_KEY), f"'{SETTINGS_KEY}'")
    _check_shared(shared, stage)
    raw = _deep_merge(shared, _object(stages[stage], f"'{STAGES_KEY}'.{stage}"))
    raw["stage"] = stage
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(error_line(Settings, exc)) from None


def read_cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The `context` block of cdk.json, which the CDK CLI would otherwise inject."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read CDK context ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SettingsError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise SettingsError(f"{path}: must hold a JSON object with a 'context' object")
    return dict(_object(document.get("context"), "(the 'context' block)"))


def read_lookup_context(path: Path = CDK_CONTEXT_FILE) -> dict[str, Any]:
    """cdk.context.json's cached lookups ({} when there is none), which the CLI would inject."""
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SettingsError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(document, dict):
        raise SettingsError(f"{path}: must hold a JSON object of cached lookups")
    return document


def settings_for_stage(
    stage: str | None = None,
    path: Path = CDK_JSON,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings as the CLI sees them: cdk.json context, an optional stage, optional overrides.

    `overrides` are merged over the stage's own overrides (the local presets use this), and are
    validated like everything else.
    """
    context = read_cdk_json_context(path)
    if stage is not None:
        context[STAGE_KEY] = stage
    if overrides:
        name = context.get(STAGE_KEY, "dev")
        stages = dict(context.get(STAGES_KEY) or {})
        if name in stages:  # overrides never invent a stage: load_settings refuses an unknown one
            stages[name] = _deep_merge(stages[name] or {}, overrides)
        context[STAGES_KEY] = stages
    return load_settings(context)
