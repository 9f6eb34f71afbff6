"""What Bedrock accepts per base model: customization types, hyperparameters, dataset rules.

Every entry cites the AWS page its numbers come from. A model whose facts could not be found is
left out rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from training_scripts.dataset_formats import DatasetLimits, MediaRules

FINE_TUNING = "FINE_TUNING"
CONTINUED_PRE_TRAINING = "CONTINUED_PRE_TRAINING"
DISTILLATION = "DISTILLATION"
CUSTOMIZATION_TYPES = (FINE_TUNING, CONTINUED_PRE_TRAINING, DISTILLATION)

DOCS = "https://docs.aws.amazon.com/bedrock/latest/userguide"
HP_TITAN = f"{DOCS}/cm-hp-titan-text.html"
HP_NOVA = f"{DOCS}/cm-hp-nova-mm.html"
HP_LLAMA31 = f"{DOCS}/cm-hp-meta-llama31.html"
HP_LLAMA32 = f"{DOCS}/cm-hp-meta-llama32.html"
HP_COHERE = f"{DOCS}/cm-hp-cohere-command.html"
# "Anthropic Claude 3 model customization hyperparameters".
HP_CLAUDE = f"{DOCS}/cm-hp-anth-claude-3.html"
# "Prepare data for fine-tuning your models": formats (conversational or not) and record limits.
PREPARE = f"{DOCS}/model-customization-prepare.html"
NOVA_DATA = (
    "https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html"
)
# AWS's published Nova dataset validator (linked from NOVA_DATA and from "Fine-tuning Amazon Nova
# models using SageMaker training jobs"): record bounds, image/video counts and formats.
NOVA_VALIDATOR = (
    "https://github.com/aws-samples/amazon-nova-samples/blob/main/customization/"
    "bedrock-finetuning/understanding/dataset_validation/nova_ft_dataset_validator.py"
)
# "Choose teacher and student models for distillation": teacher -> student pairs.
DISTILL = f"{DOCS}/prequisites-model-distillation.html"
SUPPORTED = f"{DOCS}/custom-model-supported.html"
# Same page as PREPARE, "Anthropic Claude 3 Haiku" requirements table and the two "Anthropic
# Claude 3 Haiku: Single-turn / Multi-turn conversations" formats.
CLAUDE_DATA = f"{PREPARE}#anthropic-claude-3-haiku"


@dataclass(frozen=True)
class Hyperparameter:
    name: str
    kind: type  # int or float; Bedrock takes every value as a string
    minimum: float
    maximum: float
    default: float

    def check(self, raw: str) -> str | None:
        """None when `raw` is acceptable, else the reason it is not."""
        try:
            value = self.kind(raw)
        except ValueError:
            return f"must be {'an integer' if self.kind is int else 'a number'}"
        if not self.minimum <= value <= self.maximum:
            return f"must be between {self.minimum:g} and {self.maximum:g}"
        return None


NO_LIMITS = DatasetLimits()  # only the format is checked where AWS publishes no numbers


@dataclass(frozen=True)
class Customization:
    dataset_format: str  # a training_scripts.dataset_formats format
    hyperparameters: tuple[Hyperparameter, ...]
    hp_source: str
    limits: DatasetLimits = NO_LIMITS
    validation_limits: DatasetLimits = NO_LIMITS
    validation_supported: bool = True
    data_source: str = PREPARE


@dataclass(frozen=True)
class BaseModel:
    model_id: str  # matches the id exactly or any variant `model_id:...`
    family: str
    customizations: dict[str, Customization] = field(default_factory=dict)

    def matches(self, identifier: str) -> bool:
        name = identifier.rsplit("/", 1)[-1]  # accept foundation-model ARNs too
        return name == self.model_id or name.startswith(f"{self.model_id}:")


def _hp(name: str, kind: type, lo: float, hi: float, default: float) -> Hyperparameter:
    return Hyperparameter(name, kind, lo, hi, default)


# Titan Text Express / Lite (cm-hp-titan-text, "Lite and Express" table).
TITAN_HP = (
    _hp("epochCount", int, 1, 10, 5),
    _hp("batchSize", int, 1, 64, 1),
    _hp("learningRate", float, 0.0, 1.0, 1e-5),
    _hp("learningRateWarmupSteps", int, 0, 250, 5),
)
# Titan Text Premier (cm-hp-titan-text, Premier table).
TITAN_PREMIER_HP = (
    _hp("epochCount", int, 1, 5, 2),
    _hp("batchSize", int, 1, 1, 1),
    _hp("learningRate", float, 1e-7, 1e-5, 1e-6),
    _hp("learningRateWarmupSteps", int, 0, 20, 5),
)
NOVA_HP = (
    _hp("epochCount", int, 1, 5, 2),
    _hp("learningRate", float, 1e-6, 1e-4, 1e-5),
    _hp("learningRateWarmupSteps", int, 0, 100, 10),
)
LLAMA_HP = (
    _hp("epochCount", int, 1, 10, 5),
    _hp("batchSize", int, 1, 1, 1),
    _hp("learningRate", float, 5e-6, 0.1, 1e-4),
)


def _cohere_hp(max_batch: int) -> tuple[Hyperparameter, ...]:
    return (
        _hp("epochCount", int, 1, 100, 1),
        _hp("batchSize", int, 8, max_batch, 8),
        _hp("learningRate", float, 5e-6, 0.1, 1e-5),
        _hp("earlyStoppingThreshold", float, 0.0, 0.1, 0.01),
        _hp("earlyStoppingPatience", int, 1, 10, 6),
        _hp("evalPercentage", float, 5, 50, 20),
    )


# Claude 3 Haiku (cm-hp-anth-claude-3): the learning rate is a multiplier of the service's own,
# and early stopping is tuned on the validation loss.
CLAUDE_HP = (
    _hp("epochCount", int, 1, 10, 2),
    _hp("batchSize", int, 4, 256, 32),
    _hp("learningRateMultiplier", float, 0.1, 2, 1),
    _hp("earlyStoppingThreshold", float, 0.0, 0.1, 0.001),
    _hp("earlyStoppingPatience", int, 1, 10, 2),
)

GB = 1024**3
MB = 1024**2
# Titan: 4,096 input+output tokens at batch size 1; 1 GB training and 100 MB validation files.
TITAN_LIMITS = DatasetLimits(max_tokens_per_record=4096, max_file_bytes=GB)
TITAN_VALIDATION = DatasetLimits(max_tokens_per_record=4096, max_file_bytes=100 * MB)
# Llama 3.1 / 3.2: 16,000 input+output tokens; 100 to 10,000 training+validation records.
LLAMA_LIMITS = DatasetLimits(max_tokens_per_record=16000, min_records=100, max_records=10000)
# Cohere Command: 4,096 input + 2,048 output tokens; 10,000 training / 1,000 validation records.
COHERE_LIMITS = DatasetLimits(max_tokens_per_record=4096 + 2048, max_records=10000)
COHERE_VALIDATION = DatasetLimits(max_tokens_per_record=4096 + 2048, max_records=1000)
# Claude 3 Haiku: 32,000 tokens; at least 32 records; 10,000 training / 1,000 validation records
# (10,000 in total, a Service Quotas value not checked here); 10 GB / 1 GB files.
CLAUDE_LIMITS = DatasetLimits(
    max_tokens_per_record=32000, min_records=32, max_records=10000, max_file_bytes=10 * GB
)
CLAUDE_VALIDATION = DatasetLimits(max_tokens_per_record=32000, max_records=1000, max_file_bytes=GB)


def _titan(model_id: str, family: str, hp: tuple[Hyperparameter, ...], cpt: bool) -> BaseModel:
    types = {
        FINE_TUNING: Customization(
            "prompt_completion", hp, HP_TITAN, TITAN_LIMITS, TITAN_VALIDATION
        )
    }
    if cpt:  # continued pre-training: Titan Text Express and Lite only (custom-model-supported)
        types[CONTINUED_PRE_TRAINING] = Customization(
            "cpt", hp, HP_TITAN, TITAN_LIMITS, TITAN_VALIDATION, data_source=SUPPORTED
        )
    return BaseModel(model_id, family, types)


def _student(fmt: str, limits: DatasetLimits) -> Customization:
    # Distillation takes prompts in bedrock-conversation-2024 form and no validation set; the
    # service picks the training settings, so no hyperparameters are accepted.
    return Customization(fmt, (), DISTILL, limits, validation_supported=False, data_source=DISTILL)


# NOVA_DATA, item 12: these are reserved keywords; a prompt that contains one anywhere fails the
# training job ("data issue").
NOVA_RESERVED = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]")
# NOVA_DATA item 4 (a record may carry several images but one video; a dataset is text+images or
# text+videos, never both) and NOVA_VALIDATOR (MAX_NUM_IMAGES = 10, IMAGE_FORMATS, VIDEO_FORMATS).
NOVA_MEDIA = MediaRules(
    image_formats=("jpeg", "png", "gif", "webp"),
    video_formats=("mov", "mkv", "mp4", "webm"),
    max_images_per_record=10,
    max_videos_per_record=1,
)


def nova_limits(multimodal: bool, training: bool = True) -> DatasetLimits:
    """NOVA_VALIDATOR MODEL_TO_NUM_SAMPLES_MAP: 8 to 20,000 training records for Micro, Lite and
    Pro (no published bound for a validation file: only its content is checked). Nova Micro is
    text-only (the validator rejects image/video/document samples for it)."""
    return DatasetLimits(
        min_records=8 if training else None,
        max_records=20000 if training else None,
        reserved_markers=NOVA_RESERVED,
        media=NOVA_MEDIA if multimodal else None,
    )


def _nova(model_id: str, student: bool, multimodal: bool = True) -> BaseModel:
    types = {
        FINE_TUNING: Customization(
            "conversation",
            NOVA_HP,
            HP_NOVA,
            nova_limits(multimodal),
            nova_limits(multimodal, training=False),
            data_source=NOVA_DATA,
        )
    }
    if student:
        types[DISTILLATION] = _student("conversation", NO_LIMITS)
    return BaseModel(model_id, "nova", types)


def _llama(model_id: str, fmt: str, hp_source: str, student: bool) -> BaseModel:
    types = {FINE_TUNING: Customization(fmt, LLAMA_HP, hp_source, LLAMA_LIMITS, LLAMA_LIMITS)}
    if student:
        types[DISTILLATION] = _student("conversation", LLAMA_LIMITS)
    return BaseModel(model_id, "llama", types)


MODELS: tuple[BaseModel, ...] = (
    _titan("amazon.titan-text-express-v1", "titan", TITAN_HP, cpt=True),
    _titan("amazon.titan-text-lite-v1", "titan", TITAN_HP, cpt=True),
    _titan("amazon.titan-text-premier-v1", "titan", TITAN_PREMIER_HP, cpt=False),
    _nova("amazon.nova-micro-v1", student=True, multimodal=False),
    _nova("amazon.nova-lite-v1", student=True),
    _nova("amazon.nova-pro-v1", student=True),
    # Llama 3.1 fine-tunes on prompt/completion; Llama 3.2 text models on the Converse format.
    _llama("meta.llama3-1-8b-instruct-v1", "prompt_completion", HP_LLAMA31, student=True),
    _llama("meta.llama3-1-70b-instruct-v1", "prompt_completion", HP_LLAMA31, student=True),
    _llama("meta.llama3-2-1b-instruct-v1", "conversation", HP_LLAMA32, student=True),
    _llama("meta.llama3-2-3b-instruct-v1", "conversation", HP_LLAMA32, student=True),
    # Claude 3 Haiku: fine-tuning (id `...-v1:0:200k`, us-west-2 only, custom-model-supported)
    # and distillation as a student (DISTILL); no continued pre-training (not on SUPPORTED's list).
    BaseModel(
        "anthropic.claude-3-haiku-20240307-v1",
        "claude",
        {
            FINE_TUNING: Customization(
                "claude_conversation",
                CLAUDE_HP,
                HP_CLAUDE,
                CLAUDE_LIMITS,
                CLAUDE_VALIDATION,
                data_source=CLAUDE_DATA,
            ),
            DISTILLATION: _student("conversation", NO_LIMITS),
        },
    ),
    BaseModel(
        "cohere.command-text-v14",
        "cohere",
        {
            FINE_TUNING: Customization(
                "prompt_completion", _cohere_hp(8), HP_COHERE, COHERE_LIMITS, COHERE_VALIDATION
            )
        },
    ),
    BaseModel(
        "cohere.command-light-text-v14",
        "cohere",
        {
            FINE_TUNING: Customization(
                "prompt_completion", _cohere_hp(32), HP_COHERE, COHERE_LIMITS, COHERE_VALIDATION
            )
        },
    ),
)

# Teacher -> students Bedrock distills between (DISTILL page, table of supported models).
TEACHERS: dict[str, tuple[str, ...]] = {
    "amazon.nova-pro-v1": ("amazon.nova-lite-v1", "amazon.nova-micro-v1"),
    "amazon.nova-premier-v1": ("amazon.nova-lite-v1", "amazon.nova-micro-v1", "amazon.nova-pro-v1"),
    # Claude 3.5 Sonnet v1 and v2 teach Claude 3 Haiku, in US West (Oregon).
    "anthropic.claude-3-5-sonnet-20240620-v1": ("anthropic.claude-3-haiku-20240307-v1",),
    "anthropic.claude-3-5-sonnet-20241022-v2": ("anthropic.claude-3-haiku-20240307-v1",),
    "meta.llama3-1-405b-instruct-v1": (
        "meta.llama3-1-8b-instruct-v1",
        "meta.llama3-1-70b-instruct-v1",
        "meta.llama3-2-1b-instruct-v1",
    ),
    "meta.llama3-1-70b-instruct-v1": (
        "meta.llama3-1-8b-instruct-v1",
        "meta.llama3-2-1b-instruct-v1",
        "meta.llama3-2-3b-instruct-v1",
    ),
    "meta.llama3-3-70b-instruct-v1": (
        "meta.llama3-1-8b-instruct-v1",
        "meta.llama3-2-1b-instruct-v1",
        "meta.llama3-2-3b-instruct-v1",
    ),
}


def find_model(identifier: str) -> BaseModel | None:
    return next((model for model in MODELS if model.matches(identifier)), None)


def teacher_key(identifier: str) -> str | None:
    """The TEACHERS key an identifier (id, versioned id, ARN or inference profile) names."""
    name = identifier.rsplit("/", 1)[-1]
    name = name.split(".", 1)[1] if name.split(".", 1)[0] in ("us", "eu", "apac") else name
    return next((t for t in TEACHERS if name == t or name.startswith(f"{t}:")), None)
