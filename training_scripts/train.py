"""Training entrypoint: `python -m training_scripts.train --method sft [--name value ...]`.

Reads the SageMaker training contract (hyperparameters.json, SM_CHANNEL_* dirs), overrides
hyperparameters from `--name value` arguments, validates everything that can be wrong with the
input *before* torch loads, then lets the method build its task and the shared loop train it.
Rank 0 writes the model, tokenizer and training_summary.json to the model dir.

Exit codes: 0 done, 2 bad input (reason in the failure file and on stderr), 1 training
crashed, 143 stopped by SIGTERM after writing a checkpoint (the restarted job resumes).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training_scripts import tracking
from training_scripts.contract import (
    METRIC_PATTERN,
    ContractError,
    TrainingContract,
    failure_file,
    format_metrics,
    report_failure,
)
from training_scripts.hyperparameters import (
    HyperparameterError,
    Hyperparameters,
    markdown_table,
    other_methods_settings,
    parse_hyperparameters,
)
from training_scripts.training_records import read_examples
from training_scripts.vocabulary.metrics import (
    PADDING_WASTE,
    TRAIN_LOSS,
    TRAINABLE_SHARE,
    TRAINING_METRICS,
)
from training_scripts.vocabulary.records import DataError, Example

EXIT_BAD_INPUT, EXIT_CRASHED, EXIT_STOPPED = 2, 1, 143


def parse_cli(argv: Sequence[str]) -> dict[str, str]:
    """`--name value` / `--name=value` pairs, the way SageMaker's toolkit passes them."""
    raw: dict[str, str] = {}
    args = list(argv)
    while args:
        token = args.pop(0)
        if not token.startswith("--") or len(token) < 3:
            raise HyperparameterError(f"argument {token!r}: expected --name value")
        name, _, value = token[2:].partition("=")
        if not _:
            if not args:
                raise HyperparameterError(f"argument {token}: missing a value")
            value = args.pop(0)
        raw[name.replace("-", "_")] = value
    return raw


def resolve_inputs(contract: TrainingContract, argv: Sequence[str]) -> tuple[Hyperparameters, dict]:
    """Typed hyperparameters and the data/model inputs, or a one-line error."""
    raw = {**contract.hyperparameters, **parse_cli(argv)}
    hp = parse_hyperparameters(raw.get("method", "sft").strip('"'), raw)
    method = hp.method
    unused = other_methods_settings(method, raw)
    if unused:
        print(f"settings of other methods, not used by {method}: {', '.join(unused)}", flush=True)
    train = read_examples(contract.channel("train"), method, "train")
    validation: list[Example] = []
    if "validation" in contract.channels:
        validation = read_examples(contract.channel("validation"), method, "validation")
    if hp.architecture:
        source = ""  # cpt from scratch, even when the pipeline hands over a base model
    elif "model" in contract.channels:
        source = str(contract.channel("model"))
    elif hp.base_model:
        source = hp.base_model
    else:
        scratch = " or hyperparameter architecture" if method == "cpt" else ""
        raise ContractError(
            f"method {method}: no base model: give a 'model' channel, hyperparameter base_model"
            f"{scratch}"
        )
    teacher = str(contract.channel("teacher")) if method == "distill" else ""
    reward = ""
    if method == "grpo" and "reward_model" in contract.channels:
        reward = str(contract.channel("reward_model"))
    inputs = {"train": train, "validation": validation, "source": source, "teacher": teacher,
              "reward_model": reward}  # fmt: skip
    return hp, inputs


def train(contract: TrainingContract, hp: Hyperparameters, inputs: dict) -> int:
    import datasets
    import torch
    import transformers

    from training_scripts import distributed, training_loop
    from training_scripts.checkpointing import CheckpointStore, StopRequest
    from training_scripts.methods import builder
    from training_scripts.model_source import RunContext

    # Progress bars are noise in CloudWatch logs; metric lines carry the progress.
    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    ctx = distributed.init(hp.backend)
    torch.manual_seed(hp.seed)
    run = RunContext(
        hp=hp,
        train=inputs["train"],
        validation=inputs["validation"],
        model_source=inputs["source"],
        dist=ctx,
        checkpoint_dir=contract.checkpoint_dir,
        teacher_source=inputs["teacher"],
        reward_model_source=inputs["reward_model"],
    )
    store = CheckpointStore(contract.checkpoint_dir)
    tracked = tracking.StepRecord("Train")
    lines = tracking.MetricLines(tracked, _logged_metric_patterns())
    with StopRequest() as stop:
        task = builder(hp.method)(run)
        result = (task.runner or training_loop.run)(task, hp, ctx, store, stop, log=lines)
    if result.stopped:
        return EXIT_STOPPED
    # Every rank reports a weight checksum: equal values prove DDP kept the replicas in sync.
    checksum = sum(float(p.detach().double().pow(2).sum()) for p in task.model.parameters())
    checksums = distributed.gather_floats(ctx, checksum)
    if ctx.is_main:
        contract.model_dir.mkdir(parents=True, exist_ok=True)
        task.save(contract.model_dir)
        final = {**result.final}
        final.update(
            {k: task.summary[k] for k in (PADDING_WASTE, TRAINABLE_SHARE) if k in task.summary}
        )
        print(format_metrics(final), flush=True)
        summary = {
            "method": hp.method,
            "steps": result.steps,
            "final": final,
            "loss_history": result.loss_history,
            **task.summary,
            "world_size": ctx.world_size,
            "backend": ctx.backend,
            "rank_parameter_checksums": checksums,
            "hyperparameters": hp.as_dict(),
        }
        (contract.model_dir / "training_summary.json").write_text(json.dumps(summary, indent=2))
        _track(tracked, hp, result.loss_history, final, result.steps)
    distributed.shutdown(ctx)
    return 0


def _logged_metric_patterns() -> dict[str, re.Pattern[str]]:
    """Learning rate and throughput per logged step; the loss comes from the full history."""
    return {
        name: re.compile(METRIC_PATTERN.format(name=re.escape(name)))
        for name in TRAINING_METRICS
        if name != TRAIN_LOSS
    }


def _track(
    record: tracking.StepRecord,
    hp: Hyperparameters,
    history: list[list[float]],
    final: Mapping[str, float],
    steps: int,
) -> None:
    """The method, every hyperparameter, the loss of every step and the final metrics."""
    record.param("method", hp.method)
    for name, value in hp.as_dict().items():
        record.param(name, value)
    for step, loss in history:
        record.metric(TRAIN_LOSS, loss, int(step))
    record.numbers({f"final_{k}": v for k, v in final.items()}, step=steps)
    tracking.publish(record)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__ + "\nHyperparameters:\n" + markdown_table())
        return 0
    try:
        contract = TrainingContract.from_environ(environ)
        hp, inputs = resolve_inputs(contract, argv)
    except (HyperparameterError, DataError, ContractError) as exc:
        # The failure file's place does not depend on what could not be read.
        report_failure(failure_file(environ), str(exc))
        return EXIT_BAD_INPUT
    try:
        return train(contract, hp, inputs)
    except Exception as exc:
        report_failure(contract.failure_file, f"training failed: {type(exc).__name__}: {exc}")
        raise


if __name__ == "__main__":
    sys.exit(main())
