"""What Bedrock accepts per base model: customization types, regions, hyperparameters, data rules.

Every entry cites the AWS page its numbers come from. A model whose facts could not be found is
left out rather than guessed; a model the guides no longer list for customization stays, marked
`listed=False`, so an old request is refused with the reason instead of "unknown model".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.bedrock.canvas import CANVAS_FORMAT
from pipelines.bedrock.hyperparameters import (
    CLAUDE_HP,
    HP_CLAUDE,
    HP_LLAMA31,
    HP_LLAMA32,
    HP_NOVA,
    HP_RFT,
    HP_TITAN,
    LLAMA_HP,
    NOVA_HP,
    TITAN_HP,
    TITAN_PREMIER_HP,
    Hyperparameter,
    cohere_hp,
    rft_hyperparameters,
)
from pipelines.bedrock.hyperparameters import DOCS as DOCS
from pipelines.bedrock.hyperparameters import HP_COHERE as HP_COHERE
from pipelines.bedrock.rules import (
    CLAUDE_DATA,
    DISTILL,
    DISTILL_DATA,
    NO_RULES,
    NOVA2_SFT,
    NOVA_DATA,
    NOVA_GUIDE,
    PREPARE,
    RFT,
    RFT_DATA,
    RFT_OPEN_DATA,
    SUPPORTED,
    TITAN_DATA,
    Rules,
)
from pipelines.bedrock.teachers import TEACHERS as TEACHERS
from pipelines.bedrock.teachers import teacher_key as teacher_key
from training_scripts.dataset_formats import DatasetLimits, MediaRules

FINE_TUNING = "FINE_TUNING"
CONTINUED_PRE_TRAINING = "CONTINUED_PRE_TRAINING"
DISTILLATION = "DISTILLATION"
REINFORCEMENT_FINE_TUNING = "REINFORCEMENT_FINE_TUNING"
CUSTOMIZATION_TYPES = (FINE_TUNING, CONTINUED_PRE_TRAINING, DISTILLATION, REINFORCEMENT_FINE_TUNING)
# The RFT data format: OpenAI chat `messages` plus a `reference_answer` (pipelines/bedrock/rft.py).
RFT_FORMAT = "rft"

# AWS's published Nova dataset validator (linked from NOVA_DATA and from "Fine-tuning Amazon Nova
# models using SageMaker training jobs"): record bounds, image/video counts and formats.
NOVA_VALIDATOR = (
    "https://github.com/aws-samples/amazon-nova-samples/blob/main/customization/"
    "bedrock-finetuning/understanding/dataset_validation/nova_ft_dataset_validator.py"
)


NO_LIMITS = DatasetLimits()  # only the format is checked where AWS publishes no numbers


@dataclass(frozen=True)
class Customization:
    dataset_format: str  # a training_scripts.dataset_formats format, or RFT_FORMAT
    hyperparameters: tuple[Hyperparameter, ...]
    hp_source: str
    limits: DatasetLimits = NO_LIMITS
    validation_limits: DatasetLimits = NO_LIMITS
    validation_supported: bool = True
    data_source: str = PREPARE
    # Regions the guide lists for this model and type; () = not recorded, not checked.
    regions: tuple[str, ...] = ()
    region_source: str = SUPPORTED
    rules: Rules = NO_RULES  # the model's extra dataset rules (pipelines/bedrock/rules.py)


@dataclass(frozen=True)
class BaseModel:
    model_id: str  # matches the id exactly or any variant `model_id:...`
    family: str
    customizations: dict[str, Customization] = field(default_factory=dict)
    listed: bool = True  # False: the guides no longer list it for customization

    def matches(self, identifier: str) -> bool:
        name = identifier.rsplit("/", 1)[-1]  # accept foundation-model ARNs too
        return name == self.model_id or name.startswith(f"{self.model_id}:")


GB = 1024**3
MB = 1024**2
# Titan: 4,096 input+output tokens at batch size 1 (2,048 at 2-4, TITAN_DATA); 1 GB training and
# 100 MB validation files for fine-tuning, 10 GB for continued pre-training.
TITAN_LIMITS = DatasetLimits(max_tokens_per_record=4096, max_file_bytes=GB)
TITAN_VALIDATION = DatasetLimits(max_tokens_per_record=4096, max_file_bytes=100 * MB)
TITAN_CPT_LIMITS = DatasetLimits(max_tokens_per_record=4096, max_file_bytes=10 * GB)
TITAN_RULES = Rules(small_batch_tokens=2048)
# Llama 3.1 / 3.2: 16,000 input+output tokens; 100 to 10,000 training+validation records.
LLAMA_LIMITS = DatasetLimits(max_tokens_per_record=16000, min_records=100, max_records=10000)
# Cohere Command: 4,096 input + 2,048 output tokens; 10,000 training / 1,000 validation records.
COHERE_LIMITS = DatasetLimits(max_tokens_per_record=4096 + 2048, max_records=10000)
COHERE_VALIDATION = DatasetLimits(max_tokens_per_record=4096 + 2048, max_records=1000)
# Claude 3 Haiku (CLAUDE_DATA): 32,000 tokens; 32 to 10,000 training and 32 to 1,000 validation
# records, 10,000 in total; 10 GB / 1 GB files; "\nHuman:" and "\nAssistant:" are reserved.
CLAUDE_MARKERS = ("\nHuman:", "\nAssistant:")
CLAUDE_LIMITS = DatasetLimits(
    max_tokens_per_record=32000, min_records=32, max_records=10000, max_file_bytes=10 * GB
)
CLAUDE_VALIDATION = DatasetLimits(
    max_tokens_per_record=32000, min_records=32, max_records=1000, max_file_bytes=GB
)
CLAUDE_RULES = Rules(max_total_records=10000, text_markers=CLAUDE_MARKERS)

# NOVA_DATA: reserved keywords; AWS's Nova validators also reserve `Thought:` and `<unk>`.
NOVA_RESERVED = (
    "User:", "Bot:", "Assistant:", "System:", "Thought:", "<image>", "<video>", "[EOS]", "<unk>",
)  # fmt: skip
# NOVA_DATA item 4 (a record may carry several images but one video; a dataset is text+images or
# text+videos, never both) and NOVA_VALIDATOR (MAX_NUM_IMAGES = 10, IMAGE_FORMATS, VIDEO_FORMATS).
NOVA_MEDIA = MediaRules(
    image_formats=("jpeg", "png", "gif", "webp"),
    video_formats=("mov", "mkv", "mp4", "webm"),
    max_images_per_record=10,
    max_videos_per_record=1,
)
# NOVA2_SFT "Supported media formats": PNG, JPEG, GIF images; MOV, MKV, MP4 videos.
NOVA2_MEDIA = MediaRules(
    image_formats=("jpeg", "png", "gif"),
    video_formats=("mov", "mkv", "mp4"),
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
        any_schema_version=True,  # NOVA_DATA item 5: "schemaVersion can be any string value"
    )


NOVA_RULES = Rules(media_files=True, s3_key_charset=True)
# Nova 2 (NOVA2_SFT): 200 to 20,000 records (AWS's Nova Forge validator), homogeneous records,
# reasoning content in text-only records, no validation set.
NOVA2_LIMITS = DatasetLimits(
    min_records=200,
    max_records=20000,
    reserved_markers=NOVA_RESERVED,
    media=NOVA2_MEDIA,
    any_schema_version=True,
    reasoning_content=True,
)
NOVA2_RULES = Rules(
    media_files=True, s3_key_charset=True, uniform_media=True, reasoning_text_only=True
)
# RFT (RFT_DATA, RFT_OPEN_DATA): 100 to 20,000 prompts.
RFT_LIMITS = DatasetLimits(min_records=100, max_records=20000)
# Distillation (DISTILL_DATA): at least 100 prompts, one text block per message, a 1 GB file;
# Claude 3 Haiku and Llama students take single-turn prompts only.
DISTILL_LIMITS = DatasetLimits(min_records=100, max_file_bytes=GB, prompts_only=True)


def _titan(model_id: str, hp: tuple[Hyperparameter, ...], cpt: bool) -> BaseModel:
    types = {
        FINE_TUNING: Customization(
            "prompt_completion",
            hp,
            HP_TITAN,
            TITAN_LIMITS,
            TITAN_VALIDATION,
            data_source=TITAN_DATA,
            rules=TITAN_RULES,
        )
    }
    if cpt:  # continued pre-training: Titan Text Express and Lite only (custom-model-supported)
        types[CONTINUED_PRE_TRAINING] = Customization(
            "cpt", hp, HP_TITAN, TITAN_CPT_LIMITS, TITAN_VALIDATION, data_source=TITAN_DATA
        )
    # Not in SUPPORTED's current table: kept so old requests get a reason.
    return BaseModel(model_id, "titan", types, listed=False)


def _student(single_turn: bool, text_only: bool = True) -> Customization:
    # Distillation takes prompts in bedrock-conversation-2024 form and no validation set; the
    # service picks the training settings, so no hyperparameters are accepted.
    return Customization(
        "conversation",
        (),
        DISTILL,
        DISTILL_LIMITS,
        validation_supported=False,
        data_source=DISTILL_DATA,
        rules=Rules(single_turn=single_turn, one_text_block=text_only),
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
            regions=("us-east-1",),  # SUPPORTED: Nova fine-tuning runs in US East (N. Virginia)
            rules=NOVA_RULES,
        )
    }
    if student:
        types[DISTILLATION] = _student(single_turn=False)
    return BaseModel(model_id, "nova", types)


def _rft(region: str, source: str) -> Customization:
    return Customization(
        RFT_FORMAT,
        rft_hyperparameters(),
        HP_RFT,
        RFT_LIMITS,
        validation_supported=False,
        data_source=source,
        regions=(region,),
        region_source=RFT,
    )


def _llama(model_id: str, fmt: str, hp_source: str, student: bool) -> BaseModel:
    # SUPPORTED: Llama fine-tuning runs in US West (Oregon).
    types = {
        FINE_TUNING: Customization(
            fmt, LLAMA_HP, hp_source, LLAMA_LIMITS, LLAMA_LIMITS, regions=("us-west-2",)
        )
    }
    if student:
        types[DISTILLATION] = _student(single_turn=True)
    return BaseModel(model_id, "llama", types)


def _llama_vision(model_id: str) -> BaseModel:
    # Llama 3.2 vision models: images in the Converse format, their own limits and data page.
    vision = Customization(
        "conversation",
        LLAMA_HP,
        HP_LLAMA32,
        LLAMA_VISION_LIMITS,
        LLAMA_VISION_LIMITS,
        data_source=LLAMA_VISION_DATA,
        regions=("us-west-2",),
    )
    return BaseModel(model_id, "llama", {FINE_TUNING: vision})


def _cohere(model_id: str, max_batch: int) -> BaseModel:
    spec = Customization(
        "prompt_completion", cohere_hp(max_batch), HP_COHERE, COHERE_LIMITS, COHERE_VALIDATION
    )
    # No longer on custom-model-supported's list: kept so old requests get a reason.
    return BaseModel(model_id, "cohere", {FINE_TUNING: spec}, listed=False)


# Nova Canvas (CANVAS_DATA): image-ref + caption records, 5 to 10,000 training records; the
# hyperparameter names are Nova's (HP_NOVA covers the understanding models only: no ranges are
# checked for Canvas beyond the names).
CANVAS_DATA = f"{NOVA_GUIDE}/fine-tune-prepare-data-creative-content.html"
CANVAS_LIMITS = DatasetLimits(min_records=5, max_records=10000)

# Llama 3.2 11B/90B Vision fine-tune on the Converse format with images in user turns
# (LLAMA_VISION_DATA: "gif, jpeg, png, and webp"); the page states no per-record image count, so
# none is enforced.
LLAMA_VISION_DATA = f"{DOCS}/preparing-image-text-data.html"
LLAMA_VISION_MEDIA = MediaRules(
    image_formats=("jpeg", "png", "gif", "webp"), max_images_per_record=10**6
)
LLAMA_VISION_LIMITS = DatasetLimits(
    max_tokens_per_record=16000, min_records=100, max_records=10000, media=LLAMA_VISION_MEDIA
)

MODELS: tuple[BaseModel, ...] = (
    _titan("amazon.titan-text-express-v1", TITAN_HP, cpt=True),
    _titan("amazon.titan-text-lite-v1", TITAN_HP, cpt=True),
    _titan("amazon.titan-text-premier-v1", TITAN_PREMIER_HP, cpt=False),
    _nova("amazon.nova-micro-v1", student=True, multimodal=False),
    _nova("amazon.nova-lite-v1", student=True),
    _nova("amazon.nova-pro-v1", student=True),
    # Nova 2 Lite: supervised fine-tuning (NOVA2_SFT) and reinforcement fine-tuning in
    # US East (N. Virginia) (RFT, "Models supported for reinforcement fine-tuning").
    BaseModel(
        "amazon.nova-2-lite-v1",
        "nova",
        {
            FINE_TUNING: Customization(
                "conversation",
                NOVA_HP,
                HP_NOVA,
                NOVA2_LIMITS,
                validation_supported=False,
                data_source=NOVA2_SFT,
                regions=("us-east-1",),
                rules=NOVA2_RULES,
            ),
            REINFORCEMENT_FINE_TUNING: _rft("us-east-1", RFT_DATA),
        },
    ),
    BaseModel(
        "amazon.nova-canvas-v1",
        "nova-canvas",
        {
            FINE_TUNING: Customization(
                CANVAS_FORMAT,
                NOVA_HP,
                HP_NOVA,
                CANVAS_LIMITS,
                data_source=CANVAS_DATA,
                regions=("us-east-1",),
                rules=Rules(s3_key_charset=True),
            )
        },
    ),
    # Open-weight models that take RFT only, in US West (Oregon) (RFT table; data per
    # "Prepare data for open-weight models").
    BaseModel(
        "openai.gpt-oss-20b",
        "gpt-oss",
        {REINFORCEMENT_FINE_TUNING: _rft("us-west-2", RFT_OPEN_DATA)},
    ),
    BaseModel(
        "qwen.qwen3-32b", "qwen", {REINFORCEMENT_FINE_TUNING: _rft("us-west-2", RFT_OPEN_DATA)}
    ),
    # Llama 3.1 fine-tunes on prompt/completion; Llama 3.2 text models on the Converse format.
    _llama("meta.llama3-1-8b-instruct-v1", "prompt_completion", HP_LLAMA31, student=True),
    _llama("meta.llama3-1-70b-instruct-v1", "prompt_completion", HP_LLAMA31, student=True),
    _llama("meta.llama3-2-1b-instruct-v1", "conversation", HP_LLAMA32, student=True),
    _llama("meta.llama3-2-3b-instruct-v1", "conversation", HP_LLAMA32, student=True),
    _llama_vision("meta.llama3-2-11b-instruct-v1"),
    _llama_vision("meta.llama3-2-90b-instruct-v1"),
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
                regions=("us-west-2",),
                rules=CLAUDE_RULES,
            ),
            DISTILLATION: _student(single_turn=True),
        },
    ),
    _cohere("cohere.command-text-v14", 8),
    _cohere("cohere.command-light-text-v14", 32),
)


def find_model(identifier: str) -> BaseModel | None:
    return next((model for model in MODELS if model.matches(identifier)), None)
