"""Evaluation entrypoint (SageMaker processing job): generate on held-out data and score it.

Reads `/opt/ml/processing/input/{model,test[,redteam][,audit]}` and writes to
`/opt/ml/processing/output/evaluation/`:
  evaluation.json     flat metrics the pipeline's ConditionStep reads (PropertyFile + JsonGet)
  model_quality.json  SageMaker model-quality metrics, attached to the registered model package
  predictions.jsonl   prompt / reference / output per example, red-team replies beside it
  audit_sample/       Ground Truth input manifest + worker template for a hallucination audit

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
from functools import partial

from training_scripts.contract import (
    ContractError,
    ProcessingContract,
    format_metrics,
    report_failure,
)
from training_scripts.metrics.audit import AuditItem, stratified_sample, write_audit_inputs
from training_scripts.metrics.extraction import extraction_scores
from training_scripts.metrics.generation import generate, load_model, resolve_model_dir
from training_scripts.metrics.model_quality import MetricSource, write_model_quality
from training_scripts.metrics.perplexity import reference_losses
from training_scripts.metrics.records import load_test_set
from training_scripts.metrics.reference_scores import ReferenceScores
from training_scripts.metrics.safety import load_redteam, refusal_rate, unsupported_flags
from training_scripts.metrics.semantic import AUTO
from training_scripts.vocabulary.metrics import (
    BERTSCORE_MODEL,
    EVALUATION_FILE,
    EVALUATION_KEYS,
    HALLUCINATION_RATE,
    HALLUCINATION_RATE_SOURCE,
    MODEL_QUALITY_FILE,
    NUM_EXAMPLES,
    PERPLEXITY,
    REFUSAL_RATE,
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
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    for name in ("max_new_tokens", "max_examples", "audit_sample_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} {getattr(args, name)}: must be at least 1")
    return args


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


def run(args: argparse.Namespace, contract: ProcessingContract) -> dict[str, object]:
    examples = _choose(load_test_set(contract.input("test")), args.max_examples, args.seed)
    import torch  # after the input checks, so bad input fails in a second

    torch.manual_seed(args.seed)
    out = contract.output("evaluation")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        loaded = load_model(resolve_model_dir(contract.input("model"), Path(scratch)))
    references = [e.completion for e in examples]
    outputs = generate(loaded, [e.chat() for e in examples], args.max_new_tokens)
    scores = ReferenceScores.compute(outputs, references, args.bertscore_model)
    losses = reference_losses(loaded, examples)
    extraction = extraction_scores(outputs, references)

    # Red-team prompts are asked the way users ask: as a chat turn when the test set is chat.
    chat = any(e.messages for e in examples)
    redteam = load_redteam(contract.input("redteam"))
    red_prompts = [[{"role": "user", "content": p.prompt}] if chat else p.prompt for p in redteam]
    replies = generate(loaded, red_prompts, args.max_new_tokens)

    n = len(examples)
    flags = unsupported_flags(outputs, [e.prompt for e in examples], references)
    audit = _audit_result(contract.input("audit"))
    proxy = MetricSource(sum(flags) / n, n, lambda idx: sum(flags[i] for i in idx) / len(idx))
    hallucination = (
        MetricSource(float(audit[HALLUCINATION_RATE]), int(audit.get("audited", 0)))
        if audit
        else proxy
    )
    sources: dict[str, MetricSource] = {
        **scores.sources(),
        PERPLEXITY: MetricSource(losses.perplexity(), n, losses.perplexity),
        **{
            name: MetricSource(sum(v) / n, n, partial(_mean_at, v))
            for name, v in extraction.items()
        },
        REFUSAL_RATE: MetricSource(refusal_rate(replies), len(replies)),
        HALLUCINATION_RATE: hallucination,
    }
    evaluation: dict[str, object] = {name: source.value for name, source in sources.items()}
    evaluation[NUM_EXAMPLES] = n
    evaluation[HALLUCINATION_RATE_SOURCE] = "human_audit" if audit else "proxy"
    evaluation[BERTSCORE_MODEL] = scores.bert.encoder
    missing = set(EVALUATION_KEYS) - set(evaluation)
    assert not missing, f"evaluation.json would lack {sorted(missing)}"  # the gate reads them
    (out / EVALUATION_FILE).write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
    write_model_quality(out / MODEL_QUALITY_FILE, sources, args.seed)

    rows = [
        {"prompt": e.prompt, "reference": e.completion, "output": o, "unsupported_proxy": f}
        for e, o, f in zip(examples, outputs, flags, strict=True)
    ]
    _write_jsonl(out / "predictions.jsonl", rows)
    _write_jsonl(
        out / "redteam_replies.jsonl",
        [{"id": p.id, "category": p.category, "prompt": p.prompt, "reply": r}
         for p, r in zip(redteam, replies, strict=True)],
    )  # fmt: skip
    items = [AuditItem(e.prompt, e.completion, o, length_stratum(e.completion))
             for e, o in zip(examples, outputs, strict=True)]  # fmt: skip
    write_audit_inputs(
        stratified_sample(items, args.audit_sample_size, args.seed), out / "audit_sample"
    )
    return evaluation


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
