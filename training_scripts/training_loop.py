"""The loop every method shares: data order, LR schedule, DDP, checkpoints, metric lines.

A method hands over a `Task` (its model, its training rows and its loss); the loop owns the
rest. The data order of step s is a pure function of (seed, s), so a resumed run sees exactly
the batches an uninterrupted run would have seen, without saving a data-loader state.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from training_scripts.checkpointing import CheckpointStore, StopRequest, rng_state, set_rng_state
from training_scripts.contract import format_metrics
from training_scripts.distributed import DistContext, any_rank
from training_scripts.hyperparameters import Hyperparameters
from training_scripts.token_batches import Rows
from training_scripts.vocabulary.metrics import LEARNING_RATE, TOKENS_PER_SECOND, TRAIN_LOSS

Batch = dict[str, torch.Tensor]
LossFn = Callable[[nn.Module, Batch], tuple[torch.Tensor, dict[str, float]]]


@dataclass
class Task:
    """What a method gives the loop. `model` holds every trainable parameter."""

    model: nn.Module
    rows: Rows
    save: Callable[[Path], None]
    loss: LossFn | None = None
    evaluate: Callable[[], dict[str, float]] = dict
    summary: dict[str, Any] = field(default_factory=dict)
    # A method that trains with a library's own loop (dpo: trl's DPOTrainer) replaces `run`.
    runner: Callable[..., LoopResult] | None = None


@dataclass
class LoopResult:
    steps: int
    loss_history: list[list[float]]
    final: dict[str, float]
    stopped: bool  # SIGTERM: checkpoint written, model not final


def lr_at(step: int, total: int, hp: Hyperparameters) -> float:
    peak, warmup = hp.learning_rate, hp.warmup_steps
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    if hp.lr_scheduler == "linear":
        return peak * (1.0 - progress)
    if hp.lr_scheduler == "cosine":
        return peak * 0.5 * (1.0 + math.cos(math.pi * progress))
    return peak


def batch_for(rows: Rows, step: int, seed: int, batch_size: int, ctx: DistContext) -> Batch:
    """Rows of `step` for this rank: an epoch-seeded permutation, split across ranks."""
    count = len(rows)
    global_batch = batch_size * ctx.world_size
    per_epoch = max(1, math.ceil(count / global_batch))
    epoch, index = divmod(step, per_epoch)
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed + epoch))
    order = order.repeat(math.ceil(global_batch / count) + 1)  # small sets wrap around
    start = index * global_batch + ctx.rank * batch_size
    picked = order[start : start + batch_size]
    return {name: tensor[picked].to(ctx.device) for name, tensor in rows.tensors.items()}


def total_steps(rows: Rows, hp: Hyperparameters, ctx: DistContext) -> int:
    if hp.max_steps > 0:
        return hp.max_steps
    global_batch = hp.batch_size * ctx.world_size
    return hp.epochs * max(1, math.ceil(len(rows) / global_batch))


def _optimizer(model: nn.Module, hp: Hyperparameters) -> torch.optim.Optimizer:
    # Decay matrices only; norms and biases keep weight_decay 0 (the usual AdamW recipe).
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.ndim >= 2], "weight_decay": hp.weight_decay},
        {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=hp.learning_rate)


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def run(
    task: Task,
    hp: Hyperparameters,
    ctx: DistContext,
    store: CheckpointStore,
    stop: StopRequest,
    log: Callable[[str], None] = print,
) -> LoopResult:
    seed = hp.seed
    random.seed(seed)
    torch.manual_seed(seed)
    model = task.model
    optimizer = _optimizer(model, hp)
    total = total_steps(task.rows, hp, ctx)
    step, history = 0, []
    state = store.latest()
    if state is not None:
        model.load_state_dict(state["model"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        set_rng_state(state["rng"])
        step, history = int(state["step"]), list(state["loss_history"])
        log(f"resumed from checkpoint at step {step} of {total}")
    # DDP broadcasts rank 0's weights at construction and averages gradients in backward.
    forward = DistributedDataParallel(model) if ctx.enabled else model
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if hp.bf16 and ctx.device.type == "cuda"
        else contextlib.nullcontext()
    )
    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    started, tokens, first_step = time.perf_counter(), 0, step

    def checkpoint() -> None:
        if ctx.is_main:
            store.save(
                step,
                {
                    "model": trainable_state(model),
                    "optimizer": optimizer.state_dict(),
                    "rng": rng_state(),
                    "loss_history": history,
                },
            )

    while step < total:
        lr = lr_at(step, total, hp)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = batch_for(task.rows, step, seed, hp.batch_size, ctx)
        with autocast:
            loss, extra = task.loss(forward, batch)  # type: ignore[misc]
        loss.backward()
        if hp.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(params, hp.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        tokens += int(batch["n_tokens"].sum()) * ctx.world_size
        history.append([step, float(loss.item())])
        if ctx.is_main and (step % hp.log_every == 0 or step == total):
            rate = tokens / max(1e-9, time.perf_counter() - started)
            metrics = {TRAIN_LOSS: history[-1][1], LEARNING_RATE: lr, **extra}
            log(f"step={step}; " + format_metrics({**metrics, TOKENS_PER_SECOND: rate}))
        if any_rank(ctx, stop.requested):
            checkpoint()
            log(f"stop requested (SIGTERM): checkpoint saved at step {step}")
            return LoopResult(step, history, {}, stopped=True)
        every = hp.checkpoint_every
        if every and step % every == 0 and step < total:
            checkpoint()

    elapsed = max(1e-9, time.perf_counter() - started)
    model.eval()
    final = {TRAIN_LOSS: history[-1][1] if history else float("nan")}
    if step > first_step:
        final[TOKENS_PER_SECOND] = tokens / elapsed
    if ctx.is_main:
        with torch.no_grad():
            final.update(task.evaluate())
    return LoopResult(step, history, final, stopped=False)
