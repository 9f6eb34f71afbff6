"""Build a Ground Truth pairwise-ranking job: input manifest lines + worker template.

Input: JSONL, one object per prompt with two candidate responses (two models, or two samples of
one model): `{"prompt", "response_a", "response_b"}` plus optional `id`, `source_a`, `source_b`.
The sides are shuffled per pair (seeded) because raters favour the first response they read;
`order` records which candidate is shown as Response 1 so results can be traced back.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.feedback import FeedbackError
from pipelines.feedback.manifests import read_jsonl
from pipelines.feedback.template import PAIRWISE_RANKING_TEMPLATE

MANIFEST_NAME = "manifest.jsonl"
TEMPLATE_NAME = "pairwise_ranking.html"


class Candidates(BaseModel):
    """One prompt and its two candidate responses, as the user supplies them."""

    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(min_length=1)
    response_a: str = Field(min_length=1)
    response_b: str = Field(min_length=1)
    id: str | None = None
    source_a: str | None = None
    source_b: str | None = None


class GoldQuestion(Candidates):
    """A pair whose better response is known; mixed in to measure each worker."""

    better: Literal["a", "b"]


@dataclass
class RankTasksResult:
    manifest: Path
    template: Path
    tasks: int = 0
    skipped_identical: int = 0
    swapped: int = 0
    gold: int = 0
    skipped_ids: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "manifest": str(self.manifest),
            "template": str(self.template),
            "tasks": self.tasks,
            "swapped": self.swapped,
            "skipped_identical": self.skipped_identical,
            "gold": self.gold,
        }


def _pair_id(candidates: Candidates) -> str:
    if candidates.id:
        return candidates.id
    # Stable across runs so a re-issued job's results join back to the same pair.
    digest = hashlib.sha256(
        "\x1f".join((candidates.prompt, candidates.response_a, candidates.response_b)).encode()
    )
    return digest.hexdigest()[:16]


def manifest_line(candidates: Candidates, *, swap: bool) -> dict[str, object]:
    """One input-manifest object; `source` is the field Ground Truth requires on every line."""
    shown = [("a", candidates.response_a, candidates.source_a)]
    shown.append(("b", candidates.response_b, candidates.source_b))
    if swap:
        shown.reverse()
    line: dict[str, object] = {
        "source": candidates.prompt,
        "pair_id": _pair_id(candidates),
        "prompt": candidates.prompt,
        "response_1": shown[0][1],
        "response_2": shown[1][1],
        "order": [shown[0][0], shown[1][0]],
    }
    if candidates.source_a or candidates.source_b:
        line["response_sources"] = [shown[0][2], shown[1][2]]
    return line


_Row = TypeVar("_Row", bound=Candidates)


def _read(path: Path, model: type[_Row]) -> list[tuple[int, _Row]]:
    rows: list[tuple[int, _Row]] = []
    for number, raw in read_jsonl(path):
        try:
            rows.append((number, model.model_validate(raw)))
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(p) for p in first["loc"])
            expected = "prompt, response_a, response_b as non-empty strings"
            if model is GoldQuestion:
                expected += ' and better = "a" or "b"'
            raise FeedbackError(
                f"{path}:{number}: field {key!r} {first['msg'].lower()} (expected {expected})"
            ) from None
    return rows


def build_rank_tasks(
    candidates_path: Path,
    out_dir: Path,
    *,
    seed: int = 13,
    shuffle: bool = True,
    gold_path: Path | None = None,
) -> RankTasksResult:
    """Write `manifest.jsonl` and `pairwise_ranking.html` into `out_dir`.

    Gold questions (`gold_path`) are spread through the manifest at seeded positions and carry
    `gold`: the side ("1"/"2") that shows the better response.
    """
    rng = random.Random(seed)
    lines: list[dict[str, object]] = []
    result = RankTasksResult(out_dir / MANIFEST_NAME, out_dir / TEMPLATE_NAME)
    seen: set[str] = set()
    for number, candidates in _read(candidates_path, Candidates):
        pair_id = _pair_id(candidates)
        if pair_id in seen:
            raise FeedbackError(f"{candidates_path}:{number}: duplicate pair id {pair_id!r}")
        seen.add(pair_id)
        if candidates.response_a.strip() == candidates.response_b.strip():
            # Two identical texts carry no preference; asking people to rank them wastes money.
            result.skipped_identical += 1
            result.skipped_ids.append(pair_id)
            continue
        swap = shuffle and rng.random() < 0.5
        result.swapped += swap
        lines.append(manifest_line(candidates, swap=swap))
    if not lines:
        raise FeedbackError(f"{candidates_path}: no rankable pairs (every pair was identical)")
    if gold_path is not None:
        for number, question in _read(gold_path, GoldQuestion):
            pair_id = _pair_id(question)
            if pair_id in seen:
                raise FeedbackError(f"{gold_path}:{number}: duplicate pair id {pair_id!r}")
            seen.add(pair_id)
            swap = rng.random() < 0.5
            line = manifest_line(question, swap=swap)
            line["gold"] = "2" if (question.better == "a") == swap else "1"
            lines.insert(rng.randint(0, len(lines)), line)
            result.gold += 1
    out_dir.mkdir(parents=True, exist_ok=True)
    result.manifest.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    result.template.write_text(PAIRWISE_RANKING_TEMPLATE, encoding="utf-8")
    result.tasks = len(lines)
    return result
