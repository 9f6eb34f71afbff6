"""GRPO: the policy learns from the reward model, the last step of RLHF (trl's GRPOTrainer).

rankings -> reward model -> policy. For every prompt of the ranked pairs the policy samples
`grpo_generations` answers; each is scored by (a) the reward model learned from the human
rankings (the `reward_model` channel, or fitted here first on the same pairs with the
Bradley-Terry loss of `Method=reward` when the channel holds none) and (b) the support brand's
rule rewards (rule_rewards.py, the code the Bedrock RFT grader runs). GRPO turns each group's
rewards into advantages and updates the policy with a KL penalty (`grpo_beta` > 0) to the
reference, the model it started from (Shao et al., 2024, "DeepSeekMath", section 4.1).

Like dpo.py, the library's own loop trains; this module maps hyperparameters onto GRPOConfig
(bf16 and gradient checkpointing explicitly: trl defaults both on, even on CPU), checkpoints
with Trainer's resume, and prints the per-step reward and KL as metric lines.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from functools import partial
from pathlib import Path
from typing import Any

import torch.distributed as dist
from datasets import Dataset
from transformers import PreTrainedTokenizerBase
from transformers.trainer_callback import PrinterCallback
from transformers.trainer_utils import get_last_checkpoint
from trl import GRPOConfig, GRPOTrainer

from training_scripts import rule_rewards, training_loop
from training_scripts.checkpointing import CheckpointStore, StopRequest
from training_scripts.contract import format_metrics
from training_scripts.distributed import DistContext
from training_scripts.hyperparameters import Hyperparameters
from training_scripts.methods import reward
from training_scripts.methods.causal_lm import hf_saver, parameter_counts
from training_scripts.methods.dpo import ContractBridge, trainer_runtime
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer
from training_scripts.reward_scoring import REWARD_MODEL_DIR, RewardScorer, is_reward_model
from training_scripts.training_loop import LoopResult, Task
from training_scripts.vocabulary.metrics import (
    EVAL_REWARD_ACCURACY,
    GRPO_KL,
    GRPO_MODEL_REWARD,
    GRPO_REWARD,
    GRPO_RULE_REWARD,
    LEARNING_RATE,
    TRAIN_LOSS,
)
from training_scripts.vocabulary.records import PreferenceExample

# Trainer log keys -> our metric names (trl logs each reward function as rewards/<name>/mean).
RENAMED = {
    "loss": TRAIN_LOSS,
    "learning_rate": LEARNING_RATE,
    "reward": GRPO_REWARD,
    "rewards/reward_model/mean": GRPO_MODEL_REWARD,
    "rewards/rule_rewards/mean": GRPO_RULE_REWARD,
    "kl": GRPO_KL,
}
REWARD_FIT_DIR = "reward-fit"  # the reward phase's own step checkpoints


def fit_reward_model(
    run: RunContext, ctx: DistContext, stop: StopRequest, log=print
) -> tuple[Path | None, str, dict[str, float]]:
    """The reward model's directory and where it came from: the channel's (an approved
    `Method=reward` model), or one fitted on this job's ranked pairs, now or before a restart.
    None when SIGTERM stopped the fit (its checkpoint is saved)."""
    if run.reward_model_source and is_reward_model(run.reward_model_source):
        return Path(run.reward_model_source), "channel", {}
    fitted = run.checkpoint_dir / REWARD_MODEL_DIR
    if is_reward_model(fitted):
        return fitted, "fitted", {}
    hp = dataclasses.replace(run.hp, method="reward", max_steps=run.hp.reward_steps)
    fit_run = dataclasses.replace(run, hp=hp, checkpoint_dir=run.checkpoint_dir / REWARD_FIT_DIR)
    task = reward.build(fit_run)
    # The fit's own per-step lines would read as the policy's train_loss: keep them quiet.
    result = training_loop.run(
        task, hp, ctx, CheckpointStore(fit_run.checkpoint_dir), stop, log=lambda _: None
    )
    if result.stopped:
        return None, "fitted", {}
    if ctx.is_main:
        task.save(fitted)
    if ctx.enabled:
        dist.barrier()
    accuracy = {k: v for k, v in result.final.items() if k == EVAL_REWARD_ACCURACY}
    log(f"reward model fitted on the ranked pairs in {result.steps} steps; "
        + format_metrics(accuracy))  # fmt: skip
    return fitted, "fitted", accuracy


def _prompts(examples: list) -> Dataset:
    pairs = [ex for ex in examples if isinstance(ex, PreferenceExample)]
    # The humans' preferred answer is the reference the rule rewards measure length and topic by.
    return Dataset.from_list([{"prompt": p.prompt, "reference_answer": p.chosen} for p in pairs])


def _text(completion: Any) -> str:
    """A completion as text (conversational datasets give a list of messages)."""
    if isinstance(completion, list):
        return " ".join(str(m.get("content", "")) for m in completion)
    return str(completion)


def reward_functions(scorer: RewardScorer) -> list:
    """The two rewards GRPO sums: the learned reward model's and the brand rules'."""

    def reward_model(prompts: list, completions: list, **_: Any) -> list[float]:
        return scorer.score([_text(p) for p in prompts], [_text(c) for c in completions])

    def rule_rewards_(
        prompts: list, completions: list, reference_answer: list[str], **_: Any
    ) -> list[float]:
        return [
            rule_rewards.score(_text(p), _text(c), r)
            for p, c, r in zip(prompts, completions, reference_answer, strict=True)
        ]

    rule_rewards_.__name__ = "rule_rewards"  # trl logs rewards/<__name__>/mean
    return [reward_model, rule_rewards_]


def grpo_config(hp: Hyperparameters, ctx: DistContext, output_dir: Path) -> GRPOConfig:
    return GRPOConfig(
        output_dir=str(output_dir),
        learning_rate=hp.grpo_learning_rate,
        num_generations=hp.grpo_generations,
        max_completion_length=hp.grpo_max_new_tokens,
        temperature=hp.grpo_temperature,
        beta=hp.grpo_beta,
        reward_weights=[1.0, hp.rule_reward_weight],
        remove_unused_columns=False,  # the rule rewards read reference_answer
        **trainer_runtime(hp, ctx),
    )


def run_grpo(
    run: RunContext,
    tokenizer: PreTrainedTokenizerBase,
    task: Task,
    hp: Hyperparameters,
    ctx: DistContext,
    store: CheckpointStore,
    stop: StopRequest,
    log=print,
) -> LoopResult:
    reward_dir, origin, fit_metrics = fit_reward_model(run, ctx, stop, log)
    if reward_dir is None:
        return LoopResult(0, [], {}, stopped=True)
    task.summary["reward_model_source"] = origin
    scorer = RewardScorer(reward_dir, ctx.device)
    bridge = ContractBridge(stop, log, ctx, RENAMED)
    trainer = GRPOTrainer(
        model=task.model,
        reward_funcs=reward_functions(scorer),
        args=grpo_config(hp, ctx, store.directory),
        train_dataset=_prompts(run.train),
        processing_class=tokenizer,
        callbacks=[bridge],
    )
    trainer.remove_callback(PrinterCallback)  # our bridge prints the metric lines
    resume = get_last_checkpoint(str(store.directory)) if store.directory.is_dir() else None
    first, started = trainer.state.global_step, time.perf_counter()
    trainer.train(resume_from_checkpoint=resume)
    done = trainer.state.global_step - (int(resume.rsplit("-", 1)[1]) if resume else first)
    # Sampling + reward scoring + the update, per policy step (docs/training.md, "RLHF").
    task.summary["seconds_per_step"] = (time.perf_counter() - started) / max(1, done)
    # The report plots the reward beside the loss; Evaluate scores with the same reward model.
    task.summary["reward_history"] = bridge.logged.get(GRPO_REWARD, [])
    task.summary["kl_history"] = bridge.logged.get(GRPO_KL, [])
    task.summary["reward_model_dir"] = str(reward_dir)
    if bridge.stopped:
        return LoopResult(trainer.state.global_step, bridge.history, {}, stopped=True)
    final: dict[str, float] = {TRAIN_LOSS: bridge.history[-1][1]} if bridge.history else {}
    final.update({name: values[-1][1] for name, values in bridge.logged.items()
                  if name in (GRPO_REWARD, GRPO_KL)})  # fmt: skip
    final.update(fit_metrics)
    return LoopResult(trainer.state.global_step, bridge.history, final, stopped=False)


def _saver(policy_save, summary: dict[str, Any]):
    """The policy, with the reward model it learned from beside it (Evaluate scores with it)."""

    def save(out: Path) -> None:
        policy_save(out)
        source = summary.pop("reward_model_dir", "")
        if source:
            shutil.copytree(source, out / REWARD_MODEL_DIR, dirs_exist_ok=True)

    return save


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    model = load_causal_lm(run, tokenizer)
    summary: dict[str, Any] = {**parameter_counts(model)}
    return Task(
        model=model,
        rows=None,  # type: ignore[arg-type]  # trl's GRPOTrainer builds its own batches
        save=_saver(hf_saver(model, tokenizer), summary),
        summary=summary,
        runner=partial(run_grpo, run, tokenizer),
    )
