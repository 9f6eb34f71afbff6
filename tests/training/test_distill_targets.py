"""Distillation reuses the teacher's targets for rows it has seen, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM

from training_scripts.methods.distill import TeacherTargets
from training_scripts.token_batches import IGNORE

TEMPERATURE = 2.0


@pytest.fixture
def teacher(tiny_model_dir: Path):
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    model.rows_seen = []  # type: ignore[attr-defined]
    model.register_forward_pre_hook(
        lambda module, args, kwargs: module.rows_seen.append(len(kwargs["input_ids"])),
        with_kwargs=True,
    )
    return model


def _rows(count: int, length: int = 24, seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, 300, (count, length), generator=generator)
    labels = ids.clone()
    labels[:, : length // 3] = IGNORE  # prompt tokens are not learned
    labels[0, -4:] = IGNORE  # rows learn different numbers of tokens
    return {"input_ids": ids, "position_ids": torch.arange(length).repeat(count, 1),
            "labels": labels}  # fmt: skip


def _fresh(teacher, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    learned = batch["labels"][:, 1:] != IGNORE
    with torch.no_grad():
        logits = teacher(input_ids=batch["input_ids"], position_ids=batch["position_ids"]).logits
    return F.log_softmax(logits[:, :-1][learned] / TEMPERATURE, dim=-1)


def _pick(rows: dict[str, torch.Tensor], order: list[int]) -> dict[str, torch.Tensor]:
    return {name: tensor[order] for name, tensor in rows.items()}


def test_a_later_epoch_gets_the_targets_of_a_fresh_teacher_pass_without_one(teacher) -> None:
    rows = _rows(6)
    targets = TeacherTargets(teacher, TEMPERATURE)
    first, second = _pick(rows, [0, 1, 2]), _pick(rows, [3, 4, 5])
    for batch in (first, second):
        learned = batch["labels"][:, 1:] != IGNORE
        assert torch.allclose(targets(batch, learned), _fresh(teacher, batch), atol=1e-5)
    teacher.rows_seen.clear()
    # The next epoch's permutation mixes the rows into other batches.
    for order in ([5, 0, 3], [1, 4, 2]):
        batch = _pick(rows, order)
        learned = batch["labels"][:, 1:] != IGNORE
        cached = targets(batch, learned)
        assert teacher.rows_seen == []
        assert torch.allclose(cached, _fresh(teacher, batch), atol=1e-5)
        teacher.rows_seen.clear()


def test_only_unseen_rows_go_to_the_teacher(teacher) -> None:
    rows = _rows(4)
    targets = TeacherTargets(teacher, TEMPERATURE)
    batch = _pick(rows, [0, 1])
    targets(batch, batch["labels"][:, 1:] != IGNORE)
    mixed = _pick(rows, [1, 2, 0, 3])
    got = targets(mixed, mixed["labels"][:, 1:] != IGNORE)
    assert teacher.rows_seen == [2, 2]  # rows 2 and 3 only; _fresh below adds nothing here
    assert torch.allclose(got, _fresh(teacher, mixed), atol=1e-5)


def test_rows_beyond_the_memory_budget_are_computed_every_time(teacher) -> None:
    batch = _rows(2)
    learned = batch["labels"][:, 1:] != IGNORE
    targets = TeacherTargets(teacher, TEMPERATURE, budget_bytes=0)
    for _ in range(2):
        assert torch.allclose(targets(batch, learned), _fresh(teacher, batch), atol=1e-5)
    assert teacher.rows_seen == [2, 2, 2, 2]  # two target passes, two reference passes
    assert targets.cached_bytes == 0
