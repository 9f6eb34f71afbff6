"""rank-tasks → simulated completed Ground Truth job → ingest: pairs, counts and agreement."""

from __future__ import annotations

import json
import re
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.feedback.template import CHOICES, CRITERIA, PAIRWISE_RANKING_TEMPLATE

runner = CliRunner()

# What each simulated worker thinks, in terms of the ORIGINAL candidates a/b, per prompt:
# (safer, more helpful). The test maps them onto the shuffled sides through `order`.
PLAN: dict[str, list[tuple[str, str]]] = {
    "unanimous": [("a", "a"), ("a", "b"), ("a", "tie")],  # safety decides: a, 3 of 3
    "majority": [("b", "b"), ("b", "a"), ("a", "a")],  # b wins 2:1
    "all_tie": [("tie", "tie"), ("tie", "tie")],  # no preference
    "split": [("a", "a"), ("b", "b")],  # 1:1, unresolved
    "helpful_breaks_tie": [("tie", "b")],  # safety tie, helpfulness decides: b
}


def _candidates(path: Path) -> Path:
    rows = [
        {
            "id": pid,
            "prompt": f"question {pid}",
            "response_a": f"A:{pid}",
            "response_b": f"B:{pid}",
            "source_a": "model-a",
            "source_b": "model-b",
        }
        for pid in PLAN
    ]
    rows.append({"id": "same", "prompt": "q", "response_a": "same text", "response_b": "same text"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _radio_content(safer: str, helpful: str) -> dict[str, object]:
    # Exactly what crowd-radio-button names in the template produce.
    content: dict[str, object] = {"reason": "because"}
    for criterion, picked in (("safer", safer), ("helpful", helpful)):
        for choice in CHOICES:
            content[f"{criterion}_{choice}"] = {"on": choice == picked}
    return content


def _complete(manifest: Path, out: Path) -> Path:
    """Simulate the consolidation Lambda's output manifest for the planned judgments."""
    lines = []
    for raw in manifest.read_text().splitlines():
        line = json.loads(raw)
        side = {cand: str(i + 1) for i, cand in enumerate(line["order"])}
        side["tie"] = "tie"
        annotations = [
            {
                "workerId": f"private.worker-{n}",
                "annotationData": {"content": json.dumps(_radio_content(side[s], side[h]))},
            }
            for n, (s, h) in enumerate(PLAN[line["pair_id"]])
        ]
        line["pairwise-ranking"] = {"annotationsFromAllWorkers": annotations}
        line["pairwise-ranking-metadata"] = {"type": "groundtruth/custom", "job-name": "t"}
        lines.append(json.dumps(line))
    out.write_text("\n".join(lines) + "\n")
    return out


@pytest.fixture()
def job(tmp_path: Path) -> dict[str, object]:
    candidates = _candidates(tmp_path / "candidates.jsonl")
    made = runner.invoke(
        app,
        ["feedback", "rank-tasks", str(candidates), "--out-dir", str(tmp_path / "job"), "--json"],
    )
    assert made.exit_code == 0, made.output
    output = _complete(tmp_path / "job" / "manifest.jsonl", tmp_path / "output.manifest")
    pairs = tmp_path / "preference.jsonl"
    result = runner.invoke(app, ["feedback", "ingest", str(output), "--out", str(pairs), "--json"])
    assert result.exit_code == 0, result.output
    return {
        "tasks": json.loads(made.stdout),
        "manifest": tmp_path / "job" / "manifest.jsonl",
        "report": json.loads(result.stdout),
        "pairs": [json.loads(line) for line in pairs.read_text().splitlines()],
    }


def test_rank_tasks_skips_identical_responses(job: dict) -> None:
    assert job["tasks"]["tasks"] == len(PLAN)
    assert job["tasks"]["skipped_identical"] == 1


def test_rank_tasks_shuffles_sides_and_records_the_order(job: dict) -> None:
    lines = [json.loads(x) for x in job["manifest"].read_text().splitlines()]
    orders = {tuple(line["order"]) for line in lines}
    assert orders == {("a", "b"), ("b", "a")}
    for line in lines:
        first = line["order"][0].upper()
        assert line["response_1"].startswith(f"{first}:")
        assert line["source"] == line["prompt"]  # Ground Truth requires `source`


def test_ingest_writes_only_pairs_with_a_winner_in_the_preference_format(job: dict) -> None:
    by_prompt = {p["prompt"]: p for p in job["pairs"]}
    assert all(set(p) == {"prompt", "chosen", "rejected"} for p in job["pairs"])
    assert by_prompt["question unanimous"]["chosen"] == "A:unanimous"
    assert by_prompt["question majority"]["chosen"] == "B:majority"
    assert by_prompt["question helpful_breaks_tie"]["chosen"] == "B:helpful_breaks_tie"
    assert by_prompt["question majority"]["rejected"] == "A:majority"
    assert set(by_prompt) == {
        "question unanimous",
        "question majority",
        "question helpful_breaks_tie",
    }


def test_ingest_counts_ties_conflicts_and_majority_resolutions(job: dict) -> None:
    report = job["report"]
    assert report["pairs"] == 5
    assert report["pairs_written"] == 3
    assert report["ties"] == 1
    assert report["conflicts_unresolved"] == 1
    assert report["disagreements_resolved_by_majority"] == 1
    assert report["judgments"] == 11
    assert report["wins_by_source"] == {"model-a": 1, "model-b": 2}


def test_percent_agreement_counts_agreeing_worker_pairs(job: dict) -> None:
    agreement = job["report"]["agreement"]
    # Several raters on 4 pairs: 3/3 agree (6 of 6 ordered pairs), 2:1 (2 of 6),
    # 2 ties (2 of 2), 1:1 (0 of 2) → 10 of 16.
    assert agreement["pairs_rated_by_several"] == 4
    assert agreement["percent_agreement"] == pytest.approx(10 / 16, abs=1e-4)


def test_alpha_matches_krippendorff_on_the_rater_by_item_matrix(job: dict) -> None:
    # Same judgments in the other input form krippendorff accepts: rows = worker slots, labels
    # as the workers saw them (Response 1 / 2 / tie, after the side shuffle).
    lines = [json.loads(x) for x in job["manifest"].read_text().splitlines()]
    shown = {line["pair_id"]: {c: i for i, c in enumerate(line["order"])} for line in lines}
    several = [
        [shown[pid].get(s if s != "tie" else h, 2) for s, h in plan]
        for pid, plan in PLAN.items()
        if len(plan) >= 2
    ]
    matrix = np.full((3, len(several)), np.nan)
    for col, labels in enumerate(several):
        matrix[: len(labels), col] = labels
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert job["report"]["agreement"]["krippendorff_alpha"] == pytest.approx(expected, abs=1e-4)


def test_criterion_helpful_ignores_safety(tmp_path: Path, job: dict) -> None:
    output = _complete(job["manifest"], tmp_path / "again.manifest")
    result = runner.invoke(
        app,
        [
            "feedback",
            "ingest",
            str(output),
            "--out",
            str(tmp_path / "h.jsonl"),
            "--criterion",
            "helpful",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    pairs = [json.loads(x) for x in (tmp_path / "h.jsonl").read_text().splitlines()]
    chosen = {p["prompt"]: p["chosen"] for p in pairs}
    # unanimous: helpfulness votes a, b, tie → no plurality winner under `helpful`.
    assert "question unanimous" not in chosen
    # majority: safety said b 2:1, helpfulness says a 2:1.
    assert chosen["question majority"] == "A:majority"


def test_blank_answers_are_counted_invalid_not_guessed(tmp_path: Path) -> None:
    line = {
        "pair_id": "p",
        "prompt": "q",
        "response_1": "x",
        "response_2": "y",
        "job": {
            "answers": [
                {"workerId": "w1", "answerContent": {"safer": "1", "helpful": "1"}},
                {"workerId": "w2", "answerContent": {"reason": "forgot to click"}},
            ]
        },
    }
    path = tmp_path / "out.manifest"
    path.write_text(json.dumps(line) + "\n")
    result = runner.invoke(
        app, ["feedback", "ingest", str(path), "--out", str(tmp_path / "p.jsonl"), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["invalid_judgments"] == 1
    assert report["pairs_written"] == 1


def test_template_field_names_are_the_ones_ingest_reads() -> None:
    names = set(re.findall(r'name="([^"]+)"', PAIRWISE_RANKING_TEMPLATE))
    expected = {f"{c}_{o}" for c in CRITERIA for o in CHOICES} | {"reason"}
    assert names == expected
    assert "<crowd-form>" in PAIRWISE_RANKING_TEMPLATE
    assert "task.input.response_1" in PAIRWISE_RANKING_TEMPLATE


def test_missing_response_field_fails_with_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "q", "response_a": "x"}) + "\n")
    result = runner.invoke(app, ["feedback", "rank-tasks", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: {bad}:1: field 'response_b'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_ingest_of_a_non_ranking_manifest_fails_with_exit_2(tmp_path: Path) -> None:
    other = tmp_path / "other.manifest"
    other.write_text(json.dumps({"source": "an image caption job"}) + "\n")
    result = runner.invoke(app, ["feedback", "ingest", str(other), "-o", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "missing 'prompt'" in result.stderr
