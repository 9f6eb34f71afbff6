"""Logit distillation: loss = α·T²·KL(teacher ‖ student at temperature T) + (1 − α)·CE.

The T² factor keeps the soft-target gradients on the scale of the hard-label ones (Hinton et
al., 2015, "Distilling the Knowledge in a Neural Network"). trl's DistillationTrainer is
on-policy (it generates), so this offline logit loop is our own and small.
KL is taken over completion tokens only, the same tokens the CE term learns.
"""

from __future__ import annotations

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


def distill_loss(teacher: nn.Module, alpha: float, temperature: float):
    def loss(forward: nn.Module, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        inputs = {"input_ids": batch["input_ids"], "position_ids": batch["position_ids"]}
        out = forward(**inputs, labels=batch["labels"])
        with torch.no_grad():
            teacher_logits = teacher(**inputs).logits
        # Logits at position t predict token t+1: keep positions whose next token is learned.
        learned = batch["labels"][:, 1:] != IGNORE
        student = F.log_softmax(out.logits[:, :-1][learned] / temperature, dim=-1)
        target = F.log_softmax(teacher_logits[:, :-1][learned] / temperature, dim=-1)
        kl = F.kl_div(student, target, log_target=True, reduction="batchmean")
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
    loss = distill_loss(teacher, run.hp.distill_alpha, run.hp.distill_temperature)
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
