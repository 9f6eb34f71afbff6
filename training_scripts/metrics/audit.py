"""Human hallucination audit through SageMaker Ground Truth (custom labeling workflow).

sample -> input manifest + worker template -> labeling job -> output manifest -> rate with a 95%
Wilson interval. No metric sees a fluent but unsupported claim; people reading the reference do.

Liquid escapes variables by default, so HTML inside a model output is shown, never run.
Input manifest: one JSON object per line; without a pre-annotation Lambda every field of the line
becomes `task.input.<field>` in the Liquid template ("Adding automation with Liquid",
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-custom-templates-step2-automate.html).
The Wilson score interval stays inside [0, 1] and keeps its coverage for small audits and rates
near 0, where the normal approximation does not (Brown, Cai & DasGupta, 2001).
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training_scripts.metrics.records import read_jsonl
from training_scripts.vocabulary.metrics import HALLUCINATION_RATE
from training_scripts.vocabulary.records import DataError

LABEL_ATTRIBUTE = "hallucination-audit"
ANSWER_FIELD = "verdict"  # the crowd-classifier's name in the template
UNSUPPORTED = "Unsupported content"
SUPPORTED = "Fully supported"
CONFIDENCE = 0.95

TASK_TEMPLATE = f"""<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-classifier name="{ANSWER_FIELD}" categories="['{UNSUPPORTED}', '{SUPPORTED}']"
      header="Does the model output state anything that the reference does not support?">
    <classification-target>
      <h3>Prompt</h3><p style="white-space: pre-wrap">{{{{ task.input.prompt }}}}</p>
      <h3>Reference (trusted)</h3>
      <p style="white-space: pre-wrap">{{{{ task.input.reference }}}}</p>
      <h3>Model output</h3><p style="white-space: pre-wrap">{{{{ task.input.source }}}}</p>
    </classification-target>
    <full-instructions header="Hallucination review">
      <p>Read the reference as the only source of truth. Choose <b>{UNSUPPORTED}</b> if the
      output states any fact, number, name, date, dose or obligation that the reference does not
      contain or that contradicts it, even if it sounds plausible or is true elsewhere.
      Choose <b>{SUPPORTED}</b> if everything the output claims can be found in the reference
      (rewording, shortening and refusing to answer are fine).</p>
    </full-instructions>
    <short-instructions>
      Unsupported = the output claims something the reference does not say.
    </short-instructions>
  </crowd-classifier>
</crowd-form>
"""


@dataclass(frozen=True)
class AuditItem:
    prompt: str
    reference: str
    output: str
    stratum: str = "all"


def _allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Proportional allocation (Hamilton's largest-remainder method) of `total` over strata.

    The leftover after flooring is below the number of strata with a fractional share, so each
    extra goes to a stratum whose exact share is below its size: no stratum is over-drawn.
    """
    population = sum(sizes.values())
    exact = {name: total * size / population for name, size in sizes.items()}
    counts = {name: int(share) for name, share in exact.items()}
    leftover = total - sum(counts.values())
    for name in sorted(sizes, key=lambda name: (counts[name] - exact[name], name))[:leftover]:
        counts[name] += 1
    return counts


def stratified_sample(items: Sequence[AuditItem], size: int, seed: int) -> list[AuditItem]:
    """A seeded sample of `size` items with every stratum represented in proportion."""
    if size < 1:
        raise DataError(f"audit sample size {size}: must be at least 1")
    strata: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        strata[item.stratum].append(index)
    counts = _allocate({name: len(idx) for name, idx in strata.items()}, min(size, len(items)))
    rng = random.Random(seed)
    chosen = [i for name in sorted(strata) for i in rng.sample(strata[name], counts[name])]
    return [items[i] for i in sorted(chosen)]


def write_audit_inputs(
    sample: Sequence[AuditItem], directory: Path, model_version: str | None = None
) -> tuple[Path, Path]:
    """Ground Truth input manifest (`source` = the output under review) and worker template.

    With `model_version`, every line names the version it audits, so the result can only be
    recorded against that version (audit-ingest checks it).
    """
    directory.mkdir(parents=True, exist_ok=True)
    manifest, template = directory / "manifest.jsonl", directory / "template.html"
    with manifest.open("w", encoding="utf-8") as handle:
        for number, item in enumerate(sample, start=1):
            line = {
                "source": item.output,
                "prompt": item.prompt,
                "reference": item.reference,
                "stratum": item.stratum,
                "audit_id": f"audit-{number:04d}",
                **({"model_version": model_version} if model_version else {}),
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    template.write_text(TASK_TEMPLATE, encoding="utf-8")
    return manifest, template


def _label(answer: Any) -> str | None:
    """The chosen category from a crowd-classifier answer, bare or under the element's name."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, dict):
        if isinstance(answer.get("label"), str):
            return answer["label"]
        if ANSWER_FIELD in answer:
            return _label(answer[ANSWER_FIELD])
    return None


def _worker_labels(value: object) -> list[str]:
    """Labels in a label attribute: consolidated, or every worker's raw answer."""
    if isinstance(value, dict) and isinstance(value.get("annotationsFromAllWorkers"), list):
        labels = []
        for worker in value["annotationsFromAllWorkers"]:
            content = (worker.get("annotationData") or {}).get("content")
            answer = json.loads(content) if isinstance(content, str) else content
            if (label := _label(answer)) is not None:
                labels.append(label)
        return labels
    label = _label(value)
    return [] if label is None else [label]


def item_is_unsupported(labels: list[str]) -> bool:
    """Majority vote; a tie counts as unsupported, because a missed hallucination costs more."""
    votes = Counter(labels)
    return votes[UNSUPPORTED] >= votes[SUPPORTED]


def wilson_interval(unsupported: int, audited: int) -> tuple[float, float]:
    from scipy.stats import binomtest  # a second of import time the evaluation step never needs

    interval = binomtest(unsupported, audited).proportion_ci(CONFIDENCE, method="wilson")
    return float(interval.low), float(interval.high)


def ingest_output_manifest(
    path: Path, label_attribute: str = LABEL_ATTRIBUTE, model_version: str | None = None
) -> dict[str, Any]:
    """Hallucination rate + Wilson interval from a completed Ground Truth output manifest.

    With `model_version`, every line must have been sampled from that version's outputs.
    """
    unsupported = audited = 0
    for number, record in enumerate(read_jsonl(path), start=1):
        sampled = record.get("model_version")
        if model_version and sampled != model_version:
            raise DataError(
                f"{path}: record {number} was sampled from {sampled or 'an unnamed model'}, not "
                f"{model_version}; audit the sample `fmops eval audit-sample` drew for it"
            )
        if label_attribute not in record:
            have = ", ".join(sorted(record))
            raise DataError(
                f"{path}: record {number} has no label attribute '{label_attribute}' "
                f"(fields: {have}); pass the job's LabelAttributeName"
            )
        labels = _worker_labels(record[label_attribute])
        unknown = sorted(set(labels) - {UNSUPPORTED, SUPPORTED})
        if not labels or unknown:
            raise DataError(
                f"{path}: record {number} label {unknown or 'missing'}: must be "
                f"'{UNSUPPORTED}' or '{SUPPORTED}'"
            )
        audited += 1
        unsupported += item_is_unsupported(labels)
    low, high = wilson_interval(unsupported, audited)
    return {
        HALLUCINATION_RATE: unsupported / audited,
        f"{HALLUCINATION_RATE}_ci_low": low,
        f"{HALLUCINATION_RATE}_ci_high": high,
        "confidence": CONFIDENCE,
        "interval": "wilson",
        "audited": audited,
        "unsupported": unsupported,
        "source": "human_audit",
        **({"model_version": model_version} if model_version else {}),
    }
