"""Logit distillation: loss = α·T²·KL(teacher ‖ student at temperature T) + (1 − α)·CE.

The T² factor keeps the soft-target gradients on the scale of the hard-label ones (Hinton et
al., 2015, "Distilling the Knowledge in a Neural Network"). trl's DistillationTrainer is
on-policy (it generates), so this offline logit loop is our own and small.
KL is taken over completion tokens only, the same tokens the CE term learns.
"""

from __future__ import annotations

import hashlib

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoModelForCausalLM

from training_scripts.methods.causal_lm import eval_loss, hf_saver, parameter_counts, rows_for
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.token_batches import IGNORE
from training_scripts.training_loop import Task
from training_scripts.vocabulary.metrics import DISTILL_KL, PADDING_WASTE, STUDENT_CE

Batch = dict[str, torch.Tensor]
ROW_FIELDS = ("input_ids", "position_ids", "labels")  # what a row's teacher targets depend on


# Teacher targets kept for rows seen again, up to this many bytes (see TeacherTargets).
TARGET_CACHE_BYTES = 256 * 2**20


class TeacherTargets:
    """The teacher's log-probabilities (at temperature T) at each row's learned positions,
    computed once per distinct row while they fit in `budget_bytes`.

    A small dataset is read for several epochs (the support preset: 60 steps over ~70 packed
    rows, about 7 epochs), and the teacher's forward pass was most of a distill step. A row's
    targets do not depend on the rows batched with it (rows are padded to one length, attention
    is causal), so a cached row gives the loss an uncached one does. A large corpus read about
    once does not fit the budget and is computed per step, as without the cache.
    """

    def __init__(self, teacher: nn.Module, temperature: float,
                 budget_bytes: int = TARGET_CACHE_BYTES) -> None:  # fmt: skip
        self.teacher, self.temperature, self.budget = teacher, temperature, budget_bytes
        self._rows: dict[bytes, torch.Tensor] = {}
        self.cached_bytes = 0

    @staticmethod
    def _key(batch: Batch, row: int) -> bytes:
        parts = (batch[name][row].cpu().numpy().tobytes() for name in ROW_FIELDS)
        return hashlib.sha256(b"\x00".join(parts)).digest()

    def _compute(self, batch: Batch, rows: list[int], learned: torch.Tensor) -> list[torch.Tensor]:
        if not rows:
            return []
        with torch.no_grad():
            logits = self.teacher(
                input_ids=batch["input_ids"][rows], position_ids=batch["position_ids"][rows]
            ).logits[:, :-1]
        return [
            F.log_softmax(logits[i][learned[row]] / self.temperature, dim=-1)
            for i, row in enumerate(rows)
        ]

    def __call__(self, batch: Batch, learned: torch.Tensor) -> torch.Tensor:
        """Targets of the batch's learned positions, in `logits[:, :-1][learned]` order."""
        keys = [self._key(batch, row) for row in range(len(learned))]
        missing = [row for row, key in enumerate(keys) if key not in self._rows]
        fresh = dict(zip(missing, self._compute(batch, missing, learned), strict=True))
        for row in missing:
            size = fresh[row].numel() * fresh[row].element_size()
            if self.cached_bytes + size <= self.budget:
                self._rows[keys[row]] = fresh[row]
                self.cached_bytes += size
        return torch.cat([fresh[row] if row in fresh else self._rows[keys[row]]
                          for row in range(len(keys))])  # fmt: skip


def distill_loss(targets: TeacherTargets, alpha: float):
    temperature = targets.temperature

    def loss(forward: nn.Module, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        inputs = {"input_ids": batch["input_ids"], "position_ids": batch["position_ids"]}
        out = forward(**inputs, labels=batch["labels"])
        # Logits at position t predict token t+1: keep positions whose next token is learned.
        learned = batch["labels"][:, 1:] != IGNORE
        student = F.log_softmax(out.logits[:, :-1][learned] / temperature, dim=-1)
        kl = F.kl_div(student, targets(batch, learned), log_target=True, reduction="batchmean")
        total = alpha * temperature**2 * kl + (1.0 - alpha) * out.loss
        return total, {DISTILL_KL: kl.item(), STUDENT_CE: out.loss.item()}

    return loss


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    student = load_causal_lm(run, tokenizer)
    teacher = AutoModelForCausalLM.from_pretrained(run.teacher_source).to(run.dist.device).eval()
    teacher.requires_grad_(False)
    if teacher.config.vocab_size != student.config.vocab_size:
        raise ValueError(
            f"teacher vocab_size {teacher.config.vocab_size} != student vocab_size "
            f"{student.config.vocab_size}: logit distillation needs a shared tokenizer"
        )
    seq_length = max_length(student, run)
    rows = rows_for(tokenizer, run.train, seq_length)
    assert rows is not None
    loss = distill_loss(TeacherTargets(teacher, run.hp.distill_temperature), run.hp.distill_alpha)
    return Task(
        model=student,
        rows=rows,
        loss=loss,
        save=hf_saver(student, tokenizer),
        evaluate=eval_loss(
            student, rows_for(tokenizer, run.validation, seq_length), run.dist.device
        ),
        summary={
            PADDING_WASTE: rows.padding_waste,
            "teacher_parameters": sum(p.numel() for p in teacher.parameters()),
            **parameter_counts(student),
        },
    )
