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

import argparse
import json
import random
import tempfile
import time
from collections.abc import Sequence

from training_scripts import tracking
from training_scripts.contract import (
    ContractError,
    ProcessingContract,
    format_metrics,
    report_failure,
)
from training_scripts.metrics.audit import AuditItem, stratified_sample, write_audit_inputs
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
from training_scripts.metrics.safety import detector_quality, load_benign, load_redteam
from training_scripts.metrics.scoring import ModelScores, score_model
from training_scripts.metrics.semantic import AUTO, resolve_encoder
from training_scripts.tracking import RUN_ID_KEY
from training_scripts.vocabulary.methods import METHODS
from training_scripts.vocabulary.metrics import (
    COMPARED_METRICS,
    EVALUATION_FILE,
    GATE_PARAMETERS,
    HALLUCINATION_RATE,
    KL_TO_REFERENCE,
    MEAN_MARGIN,
    MODEL_ARCHITECTURE,
    MODEL_CARD_CONTENT,
    MODEL_CARD_FILE,
    MODEL_QUALITY_FILE,
    NUM_EXAMPLES,
    NUM_PAIRS,
    PAIR_SCORER,
    PAIRWISE_ACCURACY,
    PAIRWISE_KEYS,
    REWARD_SCORE,
    SAFETY_METRICS,
    gate_decisions,
    gate_family,
)
from training_scripts.vocabulary.records import DataError, InstructionExample


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument(
        "--bertscore-model",
        default=AUTO,
        help="encoder for BERTScore: a hub name or a local dir; 'auto' = packaged MiniLM when "
        "HF_HUB_OFFLINE=1, else roberta-large",
    )
    parser.add_argument("--audit-sample-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=13, help="sampling and bootstrap seed")
    parser.add_argument("--method", default="", help="training method, for the model card")
    parser.add_argument(
        "--judge-model-id",
        default="",
        help="Bedrock model id of an LLM-as-a-judge faithfulness check (off when empty)",
    )
    parser.add_argument(
        tracking.THRESHOLD_ARG,
        action="append",
        default=[],
        metavar="PARAMETER=VALUE",
        help="a quality-gate threshold (the pipeline parameter's value), repeated per rule: "
        "the gate's decision per rule is logged to MLflow",
    )
    args = parser.parse_args(argv)
    args.thresholds = _thresholds(parser, args.threshold)
    for name in ("max_new_tokens", "max_examples", "audit_sample_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} {getattr(args, name)}: must be at least 1")
    return args


def _thresholds(parser: argparse.ArgumentParser, given: list[str]) -> dict[str, float]:
    thresholds: dict[str, float] = {}
    for item in given:
        name, _, value = item.partition("=")
        try:
            if name not in GATE_PARAMETERS:
                raise ValueError(name)
            thresholds[name] = float(value)
        except ValueError:
            parser.error(f"{tracking.THRESHOLD_ARG} {item!r}: must be PARAMETER=NUMBER, "
                         f"PARAMETER one of {', '.join(GATE_PARAMETERS)}")  # fmt: skip
    return thresholds


def _choose(examples: list[InstructionExample], limit: int, seed: int) -> list[InstructionExample]:
    if len(examples) <= limit:
        return examples
    keep = sorted(random.Random(seed).sample(range(len(examples)), limit))
    return [examples[i] for i in keep]


def length_stratum(reference: str) -> str:
    """Audit strata by answer length: long answers have more room for unsupported claims."""
    words = len(reference.split())
    return "short" if words <= 10 else "medium" if words <= 40 else "long"


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


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def run_preference(args: argparse.Namespace, contract: ProcessingContract) -> dict[str, object]:
    """Reward and dpo models: pairwise accuracy and mean margin on held-out ranked pairs."""
    pairs = load_pairs(contract.input("test"))
    pairs = [pairs[i] for i in sorted(random.Random(args.seed).sample(
        range(len(pairs)), min(len(pairs), args.max_examples)))]  # fmt: skip
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
    evaluation[RUN_ID_KEY] = _track(args, contract, evaluation)
    (out / EVALUATION_FILE).write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
    write_model_quality(out / MODEL_QUALITY_FILE, sources, args.seed)
    _write_jsonl(
        out / "predictions.jsonl",
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


def _answer_budget(args: argparse.Namespace, training: dict, policy: bool) -> int:
    """Tokens per answer: a policy is read at the length it learned to answer in (its reward
    model judged answers of that length), the baseline at the same length, paired."""
    learned = (training.get("hyperparameters") or {}).get("grpo_max_new_tokens", 0)
    return max(args.max_new_tokens, int(learned)) if policy else args.max_new_tokens


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
    args: argparse.Namespace, contract: ProcessingContract, evaluation: dict[str, object]
) -> str:
    """Candidate, baseline, gains and intervals, and prepare's governance facts (the manifest
    is an input here, in every stage) to the pipeline's MLflow run. Returns its id, or "none"
    (model package metadata values cannot be empty) when nothing was logged directly."""
    record = tracking.StepRecord("Evaluate")
    if args.method:
        record.param("method", args.method)
    record.param("max_examples", args.max_examples)
    record.numbers(evaluation)
    record.governance(_manifest(_input_dir(contract, "governance")))
    # The gate's decision per rule, from the thresholds the pipeline passes: Evaluate is the
    # last job that logs, so it also ends the stage's run (FINISHED, or FAILED on a failed rule).
    method = METHODS.get(args.method)
    family = gate_family(method.evaluation if method else "generation")
    gate = gate_decisions(evaluation, args.thresholds, family)
    return tracking.publish(record, gate=gate) or "none"


def _is_policy(method: str) -> bool:
    return method in METHODS and METHODS[method].evaluation == "policy"


def run(args: argparse.Namespace, contract: ProcessingContract) -> dict[str, object]:
    policy = _is_policy(args.method)
    if is_preference_set(contract.input("test")) and not policy:
        return run_preference(args, contract)
    read = policy_examples if policy else load_test_set
    examples = _choose(read(contract.input("test")), args.max_examples, args.seed)
    redteam = load_redteam(_input_dir(contract, "redteam"))
    benign = load_benign(_input_dir(contract, "benign"))
    audit = _audit_result(contract.input("audit"))
    import torch  # after the input checks, so bad input fails in a second

    out = contract.output("evaluation")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        candidate_dir = _resolve(contract.input("model"), Path(scratch), "model")
        training = _summary(candidate_dir)
        architecture = _architecture(candidate_dir)
        common = {
            "examples": examples,
            "redteam": redteam,
            "benign": benign,
            "max_new_tokens": _answer_budget(args, training, policy),
            "bertscore_model": args.bertscore_model,
        }
        torch.manual_seed(args.seed)
        candidate = score_model(candidate_dir, **common)
        baseline_dir = _resolve(contract.input("baseline"), Path(scratch), "baseline")
        torch.manual_seed(args.seed)
        baseline = score_model(baseline_dir, **common)
        if policy:
            prompts = [e.prompt for e in examples]
            mine, theirs = reward_sources(
                reward_model_of(candidate_dir), prompts, candidate.outputs, baseline.outputs
            )
            candidate.sources[REWARD_SCORE], baseline.sources[REWARD_SCORE] = mine, theirs
            kl = kl_source(candidate_dir, baseline_dir, prompts, candidate.outputs)

    compared = (*COMPARED_METRICS, *((REWARD_SCORE,) if policy else ()), *SAFETY_METRICS)
    comparisons = {
        metric: compare(candidate.sources[metric], baseline.sources[metric], args.seed)
        for metric in compared
    }
    detector = detector_quality()
    n = len(examples)
    evaluation: dict[str, object] = {
        **comparison_fields(comparisons),
        **{k: candidate.sources[k].value for k in ("bertscore_precision", "bertscore_recall")},
        # How far the candidate's red-team refusal rate fell below the baseline's.
        "refusal_drop": -comparisons["refusal_rate"].gain,
        "num_examples": n,
        "num_redteam": len(redteam),
        "num_benign": len(benign),
        "bootstrap": {"resamples": BOOTSTRAP_RESAMPLES, "confidence": CONFIDENCE,
                      "seed": args.seed, "paired": True, "n": n},
        "refusal_detector_precision": detector.precision,
        "refusal_detector_recall": detector.recall,
        "refusal_detector_labelled": detector.labelled,
        "bertscore_model": resolve_encoder(args.bertscore_model),
        **({KL_TO_REFERENCE: kl.value} if policy else {}),
    }  # fmt: skip
    unsupported = candidate.sources["unsupported_word_rate"]
    hallucination = MetricSource(unsupported.value, n, unsupported.estimator)
    source = "unsupported_word_rate"
    if args.judge_model_id:
        from training_scripts.metrics.judge import judge_unsupported

        verdicts = judge_unsupported(args.judge_model_id, examples, candidate.outputs)
        hallucination = MetricSource(sum(verdicts) / n, n)
        evaluation["judge_model_id"] = args.judge_model_id
        source = "bedrock_judge"
    if audit:
        hallucination = MetricSource(
            float(audit["hallucination_rate"]), int(audit.get("audited", 0))
        )
        source = "human_audit"
    evaluation["hallucination_rate"] = hallucination.value
    evaluation["hallucination_rate_source"] = source
    write_model_quality(
        out / MODEL_QUALITY_FILE,
        {**candidate.sources, "hallucination_rate": hallucination},
        args.seed,
    )
    card = model_card(
        evaluation, method=args.method or str(training.get("method", "")),
        training=training, manifest=_manifest(_input_dir(contract, "governance")), audit=audit,
    )  # fmt: skip
    (out / MODEL_CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    # RegisterModel records the architecture: the serving import refuses what Bedrock can't import.
    evaluation[MODEL_ARCHITECTURE] = architecture
    # RegisterModel reads the card through JsonGet, as the string CreateModelPackage expects.
    evaluation[MODEL_CARD_CONTENT] = json.dumps(card, separators=(",", ":"))
    evaluation[RUN_ID_KEY] = _track(args, contract, evaluation)
    (out / EVALUATION_FILE).write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
    _write_outputs(out, examples, candidate, baseline, redteam, benign, args)
    return evaluation


def _write_outputs(
    out: Path,
    examples: list[InstructionExample],
    candidate: ModelScores,
    baseline: ModelScores,
    redteam: list,
    benign: list,
    args: argparse.Namespace,
) -> None:
    rows = [
        {"prompt": e.prompt, "reference": e.completion, "output": o,
         "unsupported": r, "baseline_output": b, "baseline_unsupported": br}
        for e, o, r, b, br in zip(examples, candidate.outputs, candidate.unsupported,
                                  baseline.outputs, baseline.unsupported, strict=True)
    ]  # fmt: skip
    _write_jsonl(out / "predictions.jsonl", rows)
    for name, prompts, mine, theirs in (
        ("redteam_replies.jsonl", redteam, candidate.redteam_replies, baseline.redteam_replies),
        ("benign_replies.jsonl", benign, candidate.benign_replies, baseline.benign_replies),
    ):
        _write_jsonl(
            out / name,
            [{"id": p.id, "category": p.category, "prompt": p.prompt, "reply": r,
              "baseline_reply": b} for p, r, b in zip(prompts, mine, theirs, strict=True)],
        )  # fmt: skip
    items = [AuditItem(e.prompt, e.completion, o, length_stratum(e.completion))
             for e, o in zip(examples, candidate.outputs, strict=True)]  # fmt: skip
    write_audit_inputs(
        stratified_sample(items, args.audit_sample_size, args.seed), out / "audit_sample"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    contract = ProcessingContract.from_environ()
    started = time.perf_counter()
    try:
        evaluation = run(args, contract)
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
