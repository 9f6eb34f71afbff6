"""Training methods and the data each one learns from.

method -> data task (`prepare_data.py --task`) -> dataset format (`dataset_formats.FORMATS`) ->
record kind (`records.Example`) -> evaluation family (how `evaluate.py` scores the model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RecordKind = Literal["text", "instruction", "preference"]
EvaluationFamily = Literal["continuation", "generation", "pairwise", "policy"]


@dataclass(frozen=True)
class DataTask:
    """A `prepare_data.py --task`: what it writes, and which record kind train.py reads."""

    name: str
    dataset_format: str  # dataset_formats format the prepared records are validated as
    record_kind: RecordKind


DATA_TASKS: dict[str, DataTask] = {
    task.name: task
    for task in (
        DataTask("cpt", "cpt", "text"),
        DataTask("sft", "prompt_completion", "instruction"),
        DataTask("conversation", "conversation", "instruction"),
        DataTask("preference", "preference", "preference"),
    )
}
TASK_NAMES = tuple(DATA_TASKS)


@dataclass(frozen=True)
class Method:
    """A `train.py --method`: the data task it reads by default and how it is evaluated."""

    name: str
    data_task: str  # the default; an instruction method also reads the conversation task
    evaluation: EvaluationFamily

    @property
    def record_kind(self) -> RecordKind:
        return DATA_TASKS[self.data_task].record_kind

    @property
    def dataset_format(self) -> str:
        return DATA_TASKS[self.data_task].dataset_format

    def reads(self, task: str) -> bool:
        """Whether records prepared by `task` have the record kind this method learns from."""
        return task in DATA_TASKS and DATA_TASKS[task].record_kind == self.record_kind


METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        # Continued pre-training: scored by continuing held-out passages.
        Method("cpt", "cpt", "continuation"),
        Method("sft", "sft", "generation"),
        Method("lora", "sft", "generation"),
        Method("reft", "sft", "generation"),
        Method("distill", "sft", "generation"),
        Method("reward", "preference", "pairwise"),
        Method("dpo", "preference", "pairwise"),
        # RLHF's last step: a policy optimized against the reward model learned from the same
        # ranked pairs (their prompts are sampled, their chosen answers are the references).
        Method("grpo", "preference", "policy"),
    )
}
METHOD_NAMES = tuple(METHODS)
# Methods that learn from prompt/completion or conversation records.
INSTRUCTION_METHODS = tuple(m.name for m in METHODS.values() if m.record_kind == "instruction")
# Methods judged on held-out ranked pairs (the quality gate's "pairwise" family).
PAIRWISE_METHODS = tuple(m.name for m in METHODS.values() if m.evaluation == "pairwise")
# Policies optimized against a reward model: judged by their answers' reward against the baseline.
POLICY_METHODS = tuple(m.name for m in METHODS.values() if m.evaluation == "policy")


def method_pattern() -> str:
    """A regex that matches exactly one method name (for settings validation)."""
    return "^(" + "|".join(METHOD_NAMES) + ")$"
