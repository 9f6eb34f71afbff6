"""Hyperparameter schema for `train.py`: names, types, defaults and ranges per method.

Dependency-free on purpose: the pipeline builder and the local executor import it so the names
they send are the names the training script reads. SageMaker hands every hyperparameter to the
container as a string; `parse_hyperparameters` turns them into typed values or raises
`HyperparameterError` with a one-line message naming the hyperparameter, value and allowed range.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from training_scripts.vocabulary.methods import METHOD_NAMES

ALL = METHOD_NAMES

# The SageMaker Python SDK adds its own entries (sagemaker_program, sagemaker_region,
# sagemaker_distributed_dataparallel_enabled, ...) to hyperparameters.json; they are not ours.
RESERVED_PREFIX = "sagemaker_"

Value = bool | int | float | str


class HyperparameterError(ValueError):
    """A hyperparameter is unknown for the method, unparsable or out of range."""


@dataclass(frozen=True)
class Spec:
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


SPECS: tuple[Spec, ...] = (
    Spec("method", str, "sft", "adaptation method", choices=METHOD_NAMES),
    Spec(
        "seed",
        int,
        13,
        "seed for weights init, data order and dropout",
        minimum=0,
        maximum=2**31 - 1,
    ),
    Spec("learning_rate", float, 5e-4, "peak AdamW learning rate", minimum=1e-8, maximum=1.0),
    Spec("weight_decay", float, 0.0, "AdamW weight decay", minimum=0.0, maximum=1.0),
    Spec(
        "lr_scheduler",
        str,
        "cosine",
        "decay after warmup",
        choices=("constant", "linear", "cosine"),
    ),
    Spec("warmup_steps", int, 0, "linear warmup steps", minimum=0, maximum=1e6),
    Spec("max_grad_norm", float, 1.0, "gradient clipping norm (0 = off)", minimum=0.0, maximum=1e4),
    Spec(
        "epochs",
        int,
        1,
        "passes over the training set (when max_steps = 0)",
        minimum=1,
        maximum=1000,
    ),
    Spec("max_steps", int, 0, "optimizer steps; 0 = derive from epochs", minimum=0, maximum=1e8),
    Spec("batch_size", int, 8, "sequences per device per step", minimum=1, maximum=4096),
    Spec("max_seq_length", int, 512, "tokens per (packed) sequence", minimum=8, maximum=131072),
    Spec(
        "checkpoint_every",
        int,
        100,
        "steps between checkpoints (0 = only on SIGTERM)",
        minimum=0,
        maximum=1e8,
    ),
    Spec("log_every", int, 10, "steps between metric lines", minimum=1, maximum=1e8),
    Spec(
        "backend",
        str,
        "auto",
        "torch.distributed backend",
        choices=("auto", "smddp", "nccl", "gloo"),
    ),
    Spec("bf16", bool, False, "bf16 autocast (GPU)"),
    Spec("gradient_checkpointing", bool, False, "recompute activations to save memory"),
    Spec("base_model", str, "", "hub model id when there is no `model` channel"),
    Spec(
        "architecture",
        str,
        "",
        "preset for pre-training from scratch",
        ("cpt",),
        choices=("", "tiny", "small", "base"),
    ),
    Spec(
        "vocab_size",
        int,
        8000,
        "BPE vocabulary size when pre-training from scratch",
        ("cpt",),
        minimum=256,
        maximum=262144,
    ),
    Spec("lora_r", int, 8, "LoRA rank", ("lora",), minimum=1, maximum=1024),
    Spec("lora_alpha", float, 16.0, "LoRA scaling numerator", ("lora",), minimum=1e-3, maximum=1e4),
    Spec(
        "lora_dropout", float, 0.05, "dropout on the LoRA path", ("lora",), minimum=0.0, maximum=0.9
    ),
    Spec(
        "lora_target_modules",
        str,
        "all-linear",
        "comma-separated module names or all-linear",
        ("lora",),
    ),
    Spec(
        "reft_layer",
        int,
        -1,
        "decoder layer whose output is intervened on (-1 = middle)",
        ("reft",),
        minimum=-1,
        maximum=1000,
    ),
    Spec("reft_rank", int, 4, "LoReFT subspace rank", ("reft",), minimum=1, maximum=1024),
    Spec(
        "distill_alpha",
        float,
        0.5,
        "weight of the KL term vs cross-entropy",
        ("distill",),
        minimum=0.0,
        maximum=1.0,
    ),
    Spec(
        "distill_temperature",
        float,
        2.0,
        "softmax temperature for the KL term",
        ("distill",),
        minimum=0.05,
        maximum=100.0,
    ),
    Spec("dpo_beta", float, 0.1, "DPO inverse temperature", ("dpo",), minimum=1e-4, maximum=100.0),
)

_BY_NAME = {spec.name: spec for spec in SPECS}


def specs_for(method: str) -> tuple[Spec, ...]:
    """The hyperparameters `method` understands, in schema order."""
    _check_method(method)
    return tuple(spec for spec in SPECS if method in spec.methods)


def defaults(method: str) -> dict[str, Value]:
    return {**{spec.name: spec.default for spec in specs_for(method)}, "method": method}


def to_strings(values: Mapping[str, Value]) -> dict[str, str]:
    """Render typed values the way SageMaker carries them (strings), round-trippable."""
    return {
        k: ("true" if v else "false") if isinstance(v, bool) else str(v) for k, v in values.items()
    }


def parse_hyperparameters(method: str, raw: Mapping[str, str]) -> dict[str, Value]:
    """Typed, range-checked hyperparameters for `method`, defaults filled in."""
    _check_method(method)
    known = {spec.name: spec for spec in specs_for(method)}
    values = defaults(method)
    for name, text in raw.items():
        if name.startswith(RESERVED_PREFIX):
            continue
        spec = known.get(name)
        if spec is None:
            where = f"method {method}" if name in _BY_NAME else "any method"
            raise HyperparameterError(
                f"hyperparameter {name} = {text!r}: not used by {where} "
                f"(allowed: {', '.join(sorted(known))})"
            )
        values[name] = _parse(spec, text)
    if values["method"] != method:
        raise HyperparameterError(
            f"hyperparameter method = {values['method']!r}: contradicts method {method!r}"
        )
    return values


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
    numeric = not isinstance(value, (bool, str))
    if numeric and spec.minimum is not None and value < spec.minimum:
        raise bad
    if numeric and spec.maximum is not None and value > spec.maximum:
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
