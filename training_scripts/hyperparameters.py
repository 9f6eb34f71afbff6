"""Hyperparameters of `train.py`: one frozen dataclass is the schema (names, types, defaults,
ranges, which methods read each), like trl's training configs.

Dependency-free on purpose: the pipeline builder and the local executor import it so the names
they send are the names the training script reads. SageMaker hands every hyperparameter to the
container as a string; `parse_hyperparameters` turns them into a typed `Hyperparameters` or
raises `HyperparameterError` with a one-line message naming the hyperparameter, value and
allowed range.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from training_scripts.vocabulary.architectures import ARCHITECTURES
from training_scripts.vocabulary.methods import METHOD_NAMES

ALL = METHOD_NAMES

# The SageMaker Python SDK adds its own entries (sagemaker_program, sagemaker_region,
# sagemaker_distributed_dataparallel_enabled, ...) to hyperparameters.json; they are not ours.
RESERVED_PREFIX = "sagemaker_"

Value = bool | int | float | str


class HyperparameterError(ValueError):
    """A hyperparameter is unknown for the method, unparsable or out of range."""


def _hp(
    default: Value,
    help: str,
    methods: tuple[str, ...] = ALL,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """A dataclass field whose metadata carries the rest of the schema."""
    meta = {"help": help, "methods": methods, "min": minimum, "max": maximum, "choices": choices}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Hyperparameters:
    """Typed hyperparameters of one training job; fields of other methods keep their defaults."""

    method: str = _hp("sft", "adaptation method", choices=METHOD_NAMES)
    seed: int = _hp(
        13, "seed for weights init, data order and dropout", minimum=0, maximum=2**31 - 1
    )
    learning_rate: float = _hp(5e-4, "peak AdamW learning rate", minimum=1e-8, maximum=1.0)
    weight_decay: float = _hp(0.0, "AdamW weight decay", minimum=0.0, maximum=1.0)
    lr_scheduler: str = _hp(
        "cosine", "decay after warmup", choices=("constant", "linear", "cosine")
    )
    warmup_steps: int = _hp(0, "linear warmup steps", minimum=0, maximum=1e6)
    max_grad_norm: float = _hp(1.0, "gradient clipping norm (0 = off)", minimum=0.0, maximum=1e4)
    epochs: int = _hp(
        1, "passes over the training set (when max_steps = 0)", minimum=1, maximum=1000
    )
    max_steps: int = _hp(0, "optimizer steps; 0 = derive from epochs", minimum=0, maximum=1e8)
    batch_size: int = _hp(8, "sequences per device per step", minimum=1, maximum=4096)
    max_seq_length: int = _hp(512, "tokens per (packed) sequence", minimum=8, maximum=131072)
    checkpoint_every: int = _hp(
        100, "steps between checkpoints (0 = only on SIGTERM)", minimum=0, maximum=1e8
    )
    log_every: int = _hp(10, "steps between metric lines", minimum=1, maximum=1e8)
    backend: str = _hp(
        "auto", "torch.distributed backend", choices=("auto", "smddp", "nccl", "gloo")
    )
    bf16: bool = _hp(False, "bf16 autocast (GPU)")
    gradient_checkpointing: bool = _hp(False, "recompute activations to save memory")
    base_model: str = _hp("", "hub model id when there is no `model` channel")
    architecture: str = _hp(
        "",
        "preset for pre-training from scratch",
        ("cpt",),
        choices=("", *ARCHITECTURES),
    )
    vocab_size: int = _hp(
        8000,
        "BPE vocabulary size when pre-training from scratch",
        ("cpt",),
        minimum=256,
        maximum=262144,
    )
    lora_r: int = _hp(8, "LoRA rank", ("lora",), minimum=1, maximum=1024)
    lora_alpha: float = _hp(16.0, "LoRA scaling numerator", ("lora",), minimum=1e-3, maximum=1e4)
    lora_dropout: float = _hp(0.05, "dropout on the LoRA path", ("lora",), minimum=0.0, maximum=0.9)
    lora_target_modules: str = _hp(
        "all-linear", "comma-separated module names or all-linear", ("lora",)
    )
    reft_layers: str = _hp(
        "all",
        "where LoReFT edits hidden states: all (the embeddings and every decoder layer's output),"
        " or e.g. embeddings,0,-1",
        ("reft",),
    )
    reft_rank: int = _hp(4, "LoReFT subspace rank", ("reft",), minimum=1, maximum=1024)
    distill_alpha: float = _hp(
        0.5, "weight of the KL term vs cross-entropy", ("distill",), minimum=0.0, maximum=1.0
    )
    distill_temperature: float = _hp(
        2.0,
        "softmax temperature for the KL term",
        ("distill",),
        minimum=0.05,
        maximum=100.0,
    )
    dpo_beta: float = _hp(0.1, "DPO inverse temperature", ("dpo",), minimum=1e-4, maximum=100.0)
    # grpo. beta > 0: the KL penalty to the reference policy is what keeps the policy from
    # drifting into answers the reward model over-rates (reward hacking).
    grpo_beta: float = _hp(
        0.04, "KL penalty to the reference policy", ("grpo",), minimum=1e-4, maximum=100.0
    )
    # The policy phase's own rate: RL updates want a far smaller step than supervised ones
    # (learning_rate fits the reward model when the job has to). trl's default is 1e-6.
    grpo_learning_rate: float = _hp(
        1e-5, "peak learning rate of the policy updates", ("grpo",), minimum=1e-9, maximum=1.0
    )
    grpo_generations: int = _hp(
        4, "answers sampled per prompt (divides batch_size)", ("grpo",), minimum=2, maximum=256
    )
    grpo_max_new_tokens: int = _hp(
        32, "tokens per sampled answer", ("grpo",), minimum=1, maximum=8192
    )
    grpo_temperature: float = _hp(
        1.0, "sampling temperature", ("grpo",), minimum=0.05, maximum=10.0
    )
    rule_reward_weight: float = _hp(
        1.0, "weight of the rule rewards beside the reward model's", ("grpo",), 0.0, 100.0
    )
    reward_steps: int = _hp(
        40,
        "steps to fit the reward model on the ranked pairs when no reward_model channel holds one",
        ("grpo",),
        minimum=1,
        maximum=1e6,
    )

    def as_dict(self) -> dict[str, Value]:
        """The hyperparameters this job's method reads, by name (for training_summary.json)."""
        return {spec.name: getattr(self, spec.name) for spec in specs_for(self.method)}


@dataclass(frozen=True)
class Spec:
    """One hyperparameter of the schema, read from a `Hyperparameters` field."""

    name: str
    type: type
    default: Value
    help: str
    methods: tuple[str, ...] = ALL
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None

    def allowed(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.type is bool:
            return "true or false"
        low = "-inf" if self.minimum is None else f"{self.minimum:g}"
        high = "inf" if self.maximum is None else f"{self.maximum:g}"
        if self.type is str:
            return "a string"
        return f"{self.type.__name__} in [{low}, {high}]"


def _specs() -> tuple[Spec, ...]:
    types = typing.get_type_hints(Hyperparameters)
    return tuple(
        Spec(
            name=f.name,
            type=types[f.name],
            default=f.default,  # type: ignore[arg-type]  # every field has a plain default
            help=f.metadata["help"],
            methods=f.metadata["methods"],
            minimum=f.metadata["min"],
            maximum=f.metadata["max"],
            choices=f.metadata["choices"],
        )
        for f in dataclasses.fields(Hyperparameters)
    )


SPECS: tuple[Spec, ...] = _specs()
_BY_NAME = {spec.name: spec for spec in SPECS}


def specs_for(method: str) -> tuple[Spec, ...]:
    """The hyperparameters `method` understands, in schema order."""
    _check_method(method)
    return tuple(spec for spec in SPECS if method in spec.methods)


def other_methods_settings(method: str, raw: Mapping[str, str]) -> list[str]:
    """Names in `raw` that belong to other methods than `method` (accepted, not used)."""
    own = {spec.name for spec in specs_for(method)}
    return sorted(name for name in raw if name in _BY_NAME and name not in own)


def defaults(method: str) -> Hyperparameters:
    _check_method(method)
    return Hyperparameters(method=method)


def parse_hyperparameters(method: str, raw: Mapping[str, str]) -> Hyperparameters:
    """Typed, range-checked hyperparameters for `method`, defaults filled in."""
    _check_method(method)
    known = {spec.name: spec for spec in specs_for(method)}
    values: dict[str, Value] = {"method": method}
    for name, text in raw.items():
        if name.startswith(RESERVED_PREFIX):
            continue
        spec = known.get(name)
        if spec is None and name in _BY_NAME:
            # Another method's setting: the pipeline's Method is chosen when a run starts, so one
            # definition carries every method's settings. Checked, then left unused.
            _parse(_BY_NAME[name], text)
            continue
        if spec is None:
            raise HyperparameterError(
                f"hyperparameter {name} = {text!r}: not used by any method "
                f"(allowed: {', '.join(sorted(_BY_NAME))})"
            )
        values[name] = _parse(spec, text)
    if values["method"] != method:
        raise HyperparameterError(
            f"hyperparameter method = {values['method']!r}: contradicts method {method!r}"
        )
    hp = Hyperparameters(**values)  # type: ignore[arg-type]  # each value parsed to its type
    if method == "grpo" and hp.batch_size % hp.grpo_generations:
        # trl's GRPOTrainer groups each batch into prompts x sampled answers.
        raise HyperparameterError(
            f"hyperparameter batch_size = {hp.batch_size}: must be a multiple of "
            f"grpo_generations = {hp.grpo_generations}"
        )
    return hp


def _check_method(method: str) -> None:
    if method not in METHOD_NAMES:
        raise HyperparameterError(
            f"hyperparameter method = {method!r}: must be one of {', '.join(METHOD_NAMES)}"
        )


def _parse(spec: Spec, text: str) -> Value:
    text = str(text).strip()
    # SageMaker SDK v2 estimators JSON-encode each value, so strings may arrive quoted.
    if len(text) >= 2 and text[0] == text[-1] == '"':
        with contextlib.suppress(json.JSONDecodeError):
            text = str(json.loads(text))
    bad = HyperparameterError(f"hyperparameter {spec.name} = {text!r}: must be {spec.allowed()}")
    value: Value
    if spec.type is bool:
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise bad
        value = lowered in ("true", "1")
    elif spec.type is int:
        try:
            number = float(text)
        except ValueError:
            raise bad from None
        if not number.is_integer():
            raise bad
        value = int(number)
    elif spec.type is float:
        try:
            value = float(text)
        except ValueError:
            raise bad from None
        if value != value:  # NaN passes every comparison below
            raise bad
    else:
        value = text
    if spec.choices is not None and value not in spec.choices:
        raise bad
    if isinstance(value, int | float) and not isinstance(value, bool):
        if spec.minimum is not None and value < spec.minimum:
            raise bad
        if spec.maximum is not None and value > spec.maximum:
            raise bad
    return value


def markdown_table() -> str:
    """The schema as a Markdown table (docs/training.md is generated from this)."""
    rows = ["| name | type | default | allowed | methods | meaning |", "|---|---|---|---|---|---|"]
    for spec in SPECS:
        methods = "all" if spec.methods == ALL else ", ".join(spec.methods)
        rows.append(
            f"| `{spec.name}` | {spec.type.__name__} | `{spec.default!r}` | {spec.allowed()} "
            f"| {methods} | {spec.help} |"
        )
    return "\n".join(rows)
