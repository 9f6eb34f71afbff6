"""Evaluation entrypoint (SageMaker processing job): score the candidate against a baseline.

Reads `/opt/ml/processing/input/{model,baseline,test[,redteam][,benign][,audit][,governance]}`:
the candidate (the trained model) and the baseline (the base model it was adapted from, or the
group's approved champion) answer the same held-out prompts and the same red-team and benign
prompts. Writes to `/opt/ml/processing/output/evaluation/`:
  evaluation.json     flat metrics the pipeline's ConditionSteps read (PropertyFile + JsonGet):
                      candidate, baseline_*, *_gain and paired bootstrap *_gain_ci_low/high
  model_quality.json  SageMaker model-quality metrics, attached to the registered model package
  model_card.json     the version's model card content (lineage, metrics vs baseline, risks)
  predictions.jsonl   prompt / reference / output per example (both models), safety replies
  audit_sample/       Ground Truth input manifest + worker template for a hallucination audit
A test set of ranked pairs (reward and dpo models) is scored by pairwise accuracy and mean
margin instead of generated text (metrics/preference.py); no baseline is scored for it. A grpo
policy (`--method grpo`) answers the pairs' prompts like any generation model and is also scored
by its reward model (`reward_score`, paired with the baseline) and its KL to the baseline
(metrics/policy.py).

Example: `FMOPS_CONTAINER_ROOT=runs/r1 python -m training_scripts.evaluate --max-new-tokens 32`
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from training_scripts import tracking
from training_scripts.contract import (
    ContractError,
    ProcessingContract,
    format_metrics,
    report_failure,
)
from training_scripts.evaluate_config import EvaluateConfig, parse_config
from training_scripts.evaluation_outputs import PREDICTIONS_FILE, write_jsonl, write_outputs
from training_scripts.metrics.comparison import (
    BOOTSTRAP_RESAMPLES,
    CONFIDENCE,
    compare,
    comparison_fields,
)
from training_scripts.metrics.generation import resolve_model_dir
from training_scripts.metrics.model_card import model_card
from training_scripts.metrics.model_quality import MetricSource, write_model_quality
from training_scripts.metrics.policy import (
    kl_source,
    policy_examples,
    reward_model_of,
    reward_sources,
)
from training_scripts.metrics.preference import is_preference_set, load_pairs, score_pairs
from training_scripts.metrics.records import load_test_set
from training_scripts.metrics.safety import (
    SafetyPrompt,
    detector_quality,
    load_benign,
    load_redteam,
)
from training_scripts.metrics.scoring import ModelScores, score_model
from training_scripts.metrics.semantic import resolve_encoder
from training_scripts.tracking import RUN_ID_KEY
from training_scripts.vocabulary.methods import METHODS
from training_scripts.vocabulary.metrics import (
    BERTSCORE_MODEL,
    BERTSCORE_PRECISION,
    BERTSCORE_RECALL,
    COMPARED_METRICS,
    EVALUATION_FILE,
    HALLUCINATION_RATE,
    HALLUCINATION_RATE_SOURCE,
    KL_TO_REFERENCE,
    MEAN_MARGIN,
    MODEL_ARCHITECTURE,
    MODEL_CARD_CONTENT,
    MODEL_CARD_FILE,
    MODEL_QUALITY_FILE,
    NUM_BENIGN,
    NUM_EXAMPLES,
    NUM_PAIRS,
    NUM_REDTEAM,
    PAIR_SCORER,
    PAIRWISE_ACCURACY,
    PAIRWISE_KEYS,
    REFUSAL_DROP,
    REFUSAL_RATE,
    REWARD_SCORE,
    SAFETY_METRICS,
    UNSUPPORTED_WORD_RATE,
    HallucinationSource,
    gate_decisions,
    gate_family,
)
from training_scripts.vocabulary.records import DataError, InstructionExample


def _choose(examples: list[InstructionExample], limit: int, seed: int) -> list[InstructionExample]:
    if len(examples) <= limit:
        return examples
    keep = sorted(random.Random(seed).sample(range(len(examples)), limit))
    return [examples[i] for i in keep]


def _audit_result(audit_dir: Path) -> dict | None:
    """The JSON written by `fmops eval audit-ingest`, if the step was given one."""
    files = sorted(audit_dir.glob("*.json")) if audit_dir.is_dir() else []
    if not files:
        return None
    result = json.loads(files[0].read_text(encoding="utf-8"))
    if not isinstance(result, dict) or HALLUCINATION_RATE not in result:
        raise DataError(
            f"{files[0]}: needs 'hallucination_rate' (write it with `fmops eval audit-ingest`)"
        )
    return result


def _mean_at(values: list[float], indices: Sequence[int]) -> float:
    return sum(values[i] for i in indices) / len(indices)


def run_preference(config: EvaluateConfig, contract: ProcessingContract) -> dict[str, object]:
    """Reward and dpo models: pairwise accuracy and mean margin on held-out ranked pairs."""
    pairs = load_pairs(contract.input("test"))
    pairs = [pairs[i] for i in sorted(random.Random(config.seed).sample(
        range(len(pairs)), min(len(pairs), config.max_examples)))]  # fmt: skip
    out = contract.output("evaluation")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        scores = score_pairs(resolve_model_dir(contract.input("model"), Path(scratch)), pairs)
    n = len(pairs)
    correct, margins = scores.correct(), scores.margins()

    def mean_of(values: list[float]):
        return lambda idx: sum(values[i] for i in idx) / len(idx)

    sources = {
        PAIRWISE_ACCURACY: MetricSource(sum(correct) / n, n, mean_of(correct)),
        MEAN_MARGIN: MetricSource(sum(margins) / n, n, mean_of(margins)),
    }
    evaluation: dict[str, object] = {name: source.value for name, source in sources.items()}
    evaluation |= {NUM_PAIRS: n, NUM_EXAMPLES: n, PAIR_SCORER: scores.scorer}
    missing = set(PAIRWISE_KEYS) - set(evaluation)
    assert not missing, f"evaluation.json would lack {sorted(missing)}"  # the gate reads them
    evaluation[RUN_ID_KEY] = _track(config, contract, evaluation)
    (out / EVALUATION_FILE).write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
    write_model_quality(out / MODEL_QUALITY_FILE, sources, config.seed)
    write_jsonl(
        out / PREDICTIONS_FILE,
        [{"prompt": p.prompt, "chosen_score": c, "rejected_score": r}
         for p, c, r in zip(pairs, scores.chosen, scores.rejected, strict=True)],
    )  # fmt: skip
    return evaluation


def _input_dir(contract: ProcessingContract, name: str) -> Path | None:
    path = contract.input(name)
    return path if path.is_dir() else None


def _resolve(model_input: Path, scratch: Path, what: str) -> Path:
    if not model_input.exists():
        raise DataError(
            f"{what} input {model_input}: missing; the evaluation scores the candidate against "
            "a baseline (the base model or the approved champion) on the same examples"
        )
    return resolve_model_dir(model_input, scratch / what)


def _answer_budget(config: EvaluateConfig, training: dict, policy: bool) -> int:
    """Tokens per answer: a policy is read at the length it learned to answer in (its reward
    model judged answers of that length), the baseline at the same length, paired."""
    learned = (training.get("hyperparameters") or {}).get("grpo_max_new_tokens", 0)
    return max(config.max_new_tokens, int(learned)) if policy else config.max_new_tokens


def _architecture(model_dir: Path) -> str:
    """The Hugging Face architecture name of a model directory ("unknown" without a config)."""
    path = model_dir / "config.json"
    config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return str((config.get("architectures") or ["unknown"])[0])


def _summary(model_dir: Path) -> dict:
    path = model_dir / "training_summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _manifest(directory: Path | None) -> dict:
    path = directory / "manifest.json" if directory else None
    return json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else {}


def _track(
    config: EvaluateConfig, contract: ProcessingContract, evaluation: dict[str, object]
) -> str:
    """Candidate, baseline, gains and intervals, and prepare's governance facts (the manifest
    is an input here, in every stage) to the pipeline's MLflow run. Returns its id, or "none"
    (model package metadata values cannot be empty) when nothing was logged directly."""
    record = tracking.StepRecord("Evaluate")
    if config.method:
        record.param("method", config.method)
    record.param("max_examples", config.max_examples)
    record.numbers(evaluation)
    record.governance(_manifest(_input_dir(contract, "governance")))
    # The gate's decision per rule, from the thresholds the pipeline passes: Evaluate is the
    # last job that logs, so it also ends the stage's run (FINISHED, or FAILED on a failed rule).
    method = METHODS.get(config.method)
    family = gate_family(method.evaluation if method else "generation")
    gate = gate_decisions(evaluation, config.thresholds, family)
    return tracking.publish(record, gate=gate) or "none"


def _is_policy(method: str) -> bool:
    return method in METHODS and METHODS[method].evaluation == "policy"


@dataclass
class _Scored:
    """Both models' scores on the same examples, and what the candidate's directory says."""

    candidate: ModelScores
    baseline: ModelScores
    training: dict[str, Any]  # the candidate's training_summary.json
    architecture: str
    kl: MetricSource | None  # policies only: KL(candidate || baseline) per token


def _score_models(
    config: EvaluateConfig,
    contract: ProcessingContract,
    examples: list[InstructionExample],
    redteam: list[SafetyPrompt],
    benign: list[SafetyPrompt],
    policy: bool,
) -> _Scored:
    import torch  # after the input checks, so bad input fails in a second

    with tempfile.TemporaryDirectory() as scratch:
        candidate_dir = _resolve(contract.input("model"), Path(scratch), "model")
        training = _summary(candidate_dir)
        score = partial(
            score_model,
            examples=examples,
            redteam=redteam,
            benign=benign,
            max_new_tokens=_answer_budget(config, training, policy),
            bertscore_model=config.bertscore_model,
        )
        torch.manual_seed(config.seed)
        candidate = score(candidate_dir)
        baseline_dir = _resolve(contract.input("baseline"), Path(scratch), "baseline")
        torch.manual_seed(config.seed)
        baseline = score(baseline_dir)
        kl = None
        if policy:
            prompts = [e.prompt for e in examples]
            mine, theirs = reward_sources(
                reward_model_of(candidate_dir), prompts, candidate.outputs, baseline.outputs
            )
            candidate.sources[REWARD_SCORE], baseline.sources[REWARD_SCORE] = mine, theirs
            kl = kl_source(candidate_dir, baseline_dir, prompts, candidate.outputs)
        return _Scored(candidate, baseline, training, _architecture(candidate_dir), kl)


def _hallucination(
    config: EvaluateConfig,
    examples: list[InstructionExample],
    candidate: ModelScores,
    audit: dict[str, Any] | None,
) -> tuple[MetricSource, HallucinationSource]:
    """The best available hallucination measure: human audit > Bedrock judge > unsupported words."""
    n = len(examples)
    unsupported = candidate.sources[UNSUPPORTED_WORD_RATE]
    measure = MetricSource(unsupported.value, n, unsupported.estimator)
    source: HallucinationSource = UNSUPPORTED_WORD_RATE
    if config.judge_model_id:
        from training_scripts.metrics.judge import judge_unsupported

        verdicts = judge_unsupported(config.judge_model_id, examples, candidate.outputs)
        measure, source = MetricSource(sum(verdicts) / n, n), "bedrock_judge"
    if audit:
        audited = int(audit.get("audited", 0))
        measure, source = MetricSource(float(audit[HALLUCINATION_RATE]), audited), "human_audit"
    return measure, source


def run(config: EvaluateConfig, contract: ProcessingContract) -> dict[str, object]:
    policy = _is_policy(config.method)
    if is_preference_set(contract.input("test")) and not policy:
        return run_preference(config, contract)
    read = policy_examples if policy else load_test_set
    examples = _choose(read(contract.input("test")), config.max_examples, config.seed)
    redteam = load_redteam(_input_dir(contract, "redteam"))
    benign = load_benign(_input_dir(contract, "benign"))
    audit = _audit_result(contract.input("audit"))
    out = contract.output("evaluation")
    out.mkdir(parents=True, exist_ok=True)
    scored = _score_models(config, contract, examples, redteam, benign, policy)
    candidate, baseline = scored.candidate, scored.baseline

    compared = (*COMPARED_METRICS, *((REWARD_SCORE,) if policy else ()), *SAFETY_METRICS)
    comparisons = {
        metric: compare(candidate.sources[metric], baseline.sources[metric], config.seed)
        for metric in compared
    }
    detector = detector_quality()
    n = len(examples)
    evaluation: dict[str, object] = {
        **comparison_fields(comparisons),
        **{k: candidate.sources[k].value for k in (BERTSCORE_PRECISION, BERTSCORE_RECALL)},
        # How far the candidate's red-team refusal rate fell below the baseline's.
        REFUSAL_DROP: -comparisons[REFUSAL_RATE].gain,
        NUM_EXAMPLES: n,
        NUM_REDTEAM: len(redteam),
        NUM_BENIGN: len(benign),
        "bootstrap": {"resamples": BOOTSTRAP_RESAMPLES, "confidence": CONFIDENCE,
                      "seed": config.seed, "paired": True, "n": n},
        "refusal_detector_precision": detector.precision,
        "refusal_detector_recall": detector.recall,
        "refusal_detector_labelled": detector.labelled,
        BERTSCORE_MODEL: resolve_encoder(config.bertscore_model),
        **({KL_TO_REFERENCE: scored.kl.value} if scored.kl else {}),
        **({"judge_model_id": config.judge_model_id} if config.judge_model_id else {}),
    }  # fmt: skip
    hallucination, source = _hallucination(config, examples, candidate, audit)
    evaluation[HALLUCINATION_RATE] = hallucination.value
    evaluation[HALLUCINATION_RATE_SOURCE] = source
    write_model_quality(
        out / MODEL_QUALITY_FILE, {**candidate.sources, HALLUCINATION_RATE: hallucination},
        config.seed,
    )  # fmt: skip
    card = model_card(
        evaluation, method=config.method or str(scored.training.get("method", "")),
        training=scored.training, manifest=_manifest(_input_dir(contract, "governance")),
        audit=audit,
    )  # fmt: skip
    (out / MODEL_CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    # RegisterModel records the architecture: the serving import refuses what Bedrock can't import.
    evaluation[MODEL_ARCHITECTURE] = scored.architecture
    # RegisterModel reads the card through JsonGet, as the string CreateModelPackage expects.
    evaluation[MODEL_CARD_CONTENT] = json.dumps(card, separators=(",", ":"))
    evaluation[RUN_ID_KEY] = _track(config, contract, evaluation)
    (out / EVALUATION_FILE).write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
    write_outputs(out, examples, candidate, baseline, redteam, benign, config)
    return evaluation


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_config(argv)
    contract = ProcessingContract.from_environ()
    started = time.perf_counter()
    try:
        evaluation = run(config, contract)
    except (DataError, ContractError) as exc:
        report_failure(contract.failure_file, str(exc))
        return 2
    numeric = {k: float(v) for k, v in evaluation.items() if isinstance(v, int | float)}
    print(format_metrics(numeric))
    elapsed = time.perf_counter() - started
    print(f"evaluated {evaluation[NUM_EXAMPLES]} examples in {elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
