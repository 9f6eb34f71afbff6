"""Direct preference optimization with trl's DPOTrainer, bridged to our contract.

DPOTrainer (trl 1.16) trains a ~1M-parameter model at ~50 steps/s on one CPU core, so it is
used as is; this module only maps our hyperparameters onto DPOConfig (bf16 and gradient
checkpointing explicitly: trl defaults both on, even on CPU), checkpoints into our checkpoint
dir with Trainer's own resume (step, optimizer, scheduler, RNG), turns SIGTERM into "save and
stop", and prints Trainer logs as our metric lines.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from datasets import Dataset
from transformers import PreTrainedTokenizerBase, TrainerCallback
from transformers.trainer_callback import PrinterCallback
from transformers.trainer_utils import get_last_checkpoint
from trl import DPOConfig, DPOTrainer

from training_scripts.checkpointing import CheckpointStore, StopRequest
from training_scripts.contract import format_metrics
from training_scripts.distributed import DistContext
from training_scripts.hyperparameters import Hyperparameters
from training_scripts.methods.causal_lm import hf_saver, parameter_counts
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.token_batches import preference_rows
from training_scripts.training_loop import LoopResult, Task
from training_scripts.vocabulary.metrics import (
    DPO_REWARD_ACCURACY,
    DPO_REWARD_MARGIN,
    EVAL_LOSS,
    EVAL_REWARD_ACCURACY,
    LEARNING_RATE,
    PADDING_WASTE,
    TRAIN_LOSS,
)
from training_scripts.vocabulary.records import PreferenceExample

# Trainer log keys -> our metric names.
RENAMED = {
    "loss": TRAIN_LOSS,
    "learning_rate": LEARNING_RATE,
    "rewards/accuracies": DPO_REWARD_ACCURACY,
    "rewards/margins": DPO_REWARD_MARGIN,
    "eval_loss": EVAL_LOSS,
    "eval_rewards/accuracies": EVAL_REWARD_ACCURACY,
}


def trainer_runtime(hp: Hyperparameters, ctx: DistContext) -> dict[str, Any]:
    """The Trainer arguments every trl method here shares: schedule, device, distribution,
    logging and checkpoints (the contract's checkpoint cadence; the job logs, not a reporter)."""
    every = hp.checkpoint_every
    return dict(
        seed=hp.seed,
        weight_decay=hp.weight_decay,
        lr_scheduler_type=hp.lr_scheduler,
        warmup_steps=hp.warmup_steps,
        max_grad_norm=hp.max_grad_norm,
        num_train_epochs=hp.epochs,
        max_steps=hp.max_steps or -1,
        per_device_train_batch_size=hp.batch_size,
        bf16=hp.bf16,
        gradient_checkpointing=hp.gradient_checkpointing,
        use_cpu=ctx.device.type == "cpu",
        ddp_backend=ctx.backend if ctx.enabled else None,
        logging_steps=hp.log_every,
        save_strategy="steps" if every else "no",
        save_steps=every or 1,
        save_total_limit=1,
        report_to=[],
        disable_tqdm=True,
    )


class ContractBridge(TrainerCallback):
    """A trl trainer's logs as our metric lines (`renamed`: its log keys -> our names), its loss
    history, and SIGTERM as "save a checkpoint and stop"."""

    def __init__(
        self, stop: StopRequest, log, ctx: DistContext, renamed: dict[str, str] = RENAMED
    ) -> None:
        self.stop, self.log, self.ctx, self.renamed = stop, log, ctx, renamed
        self.history: list[list[float]] = []
        # Every logged value per our metric name, as [step, value] (the report plots them).
        self.logged: dict[str, list[list[float]]] = {}
        self.stopped = False

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" in logs:
            self.history.append([state.global_step, float(logs["loss"])])
        metrics = {self.renamed[k]: float(v) for k, v in logs.items() if k in self.renamed}
        for name, value in metrics.items():
            self.logged.setdefault(name, []).append([state.global_step, value])
        if metrics and self.ctx.is_main:
            self.log(f"step={state.global_step}; " + format_metrics(metrics))

    def on_step_end(self, args, state, control, **kwargs):
        if self.stop.requested:
            control.should_save = True
            control.should_training_stop = True
            self.stopped = True


def _records(examples: list) -> Dataset:
    pairs = [ex for ex in examples if isinstance(ex, PreferenceExample)]
    return Dataset.from_list([vars(ex) for ex in pairs])


def run_dpo(
    run: RunContext,
    tokenizer: PreTrainedTokenizerBase,
    task: Task,
    hp: Hyperparameters,
    ctx: DistContext,
    store: CheckpointStore,
    stop: StopRequest,
    log=print,
) -> LoopResult:
    config = DPOConfig(
        output_dir=str(store.directory),
        learning_rate=hp.learning_rate,
        per_device_eval_batch_size=hp.batch_size,
        max_length=max_length(task.model, run),
        beta=hp.dpo_beta,
        # The frozen reference's log-probs once per pair, not once per epoch: the same numbers
        # (the reference never changes), one pass over the pairs instead of one per epoch.
        precompute_ref_log_probs=True,
        **trainer_runtime(hp, ctx),
    )
    bridge = ContractBridge(stop, log, ctx)
    validation = _records(run.validation)
    trainer = DPOTrainer(
        model=task.model,
        args=config,
        train_dataset=_records(run.train),
        eval_dataset=validation if len(validation) else None,
        processing_class=tokenizer,
        callbacks=[bridge],
    )
    trainer.remove_callback(PrinterCallback)  # our bridge prints the metric lines
    resume = get_last_checkpoint(str(store.directory)) if store.directory.is_dir() else None
    trainer.train(resume_from_checkpoint=resume)
    if bridge.stopped:
        return LoopResult(trainer.state.global_step, bridge.history, {}, stopped=True)
    final: dict[str, float] = {TRAIN_LOSS: bridge.history[-1][1]} if bridge.history else {}
    if len(validation):
        logs = trainer.evaluate()
        final.update({RENAMED[k]: float(v) for k, v in logs.items() if k in RENAMED})
    return LoopResult(trainer.state.global_step, bridge.history, final, stopped=False)


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    model = load_causal_lm(run, tokenizer)
    pairs = [ex for ex in run.train if isinstance(ex, PreferenceExample)]
    rows = preference_rows(tokenizer, pairs, max_length(model, run))
    # trl pads its own batches; `rows` only measures the padding a plain pair batch carries.
    return Task(
        model=model,
        rows=rows,
        save=hf_saver(model, tokenizer),
        summary={PADDING_WASTE: rows.padding_waste, **parameter_counts(model)},
        runner=partial(run_dpo, run, tokenizer),
    )
