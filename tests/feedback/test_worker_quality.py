"""Per-worker quality: leave-one-out agreement, gold questions, flagged workers' labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.feedback import FeedbackError
from pipelines.feedback.ingest import ingest_pairs
from pipelines.feedback.manifests import Judgment, RatedPair
from pipelines.feedback.quality import QualityPolicy, assess_workers, weighted_majority

runner = CliRunner()


def _pair(pid: str, votes: dict[str, str], gold: str | None = None) -> RatedPair:
    judgments = tuple(Judgment(worker_id=w, safer=v, helpful=v) for w, v in votes.items())
    return RatedPair(pid, f"q{pid}", f"one {pid}", f"two {pid}", judgments, gold=gold)


def _honest_crowd_with_one_adversary(n: int = 8) -> list[RatedPair]:
    # Three honest workers agree that response 1 is safer; "mallory" always picks the other.
    return [
        _pair(str(i), {"alice": "1", "bob": "1", "carol": "1", "mallory": "2"}) for i in range(n)
    ]


def test_adversarial_worker_is_flagged_and_honest_workers_are_not() -> None:
    labels = [
        {j.worker_id: j.safer for j in p.judgments} for p in _honest_crowd_with_one_adversary()
    ]
    quality = assess_workers(labels, {}, QualityPolicy())
    assert [w for w, q in quality.items() if q.flagged] == ["mallory"]
    assert quality["mallory"].agreement == 0.0
    assert quality["alice"].agreement == 1.0


def test_a_worker_cannot_vote_itself_into_agreement() -> None:
    # Two workers always disagree: leave-one-out leaves each a single "other" label, which is
    # a consensus of one; with self-inclusion each would agree with a 1:1 tie half the time.
    labels = [{"x": "1", "y": "2"}] * 5
    quality = assess_workers(labels, {}, QualityPolicy())
    assert quality["x"].agreement == quality["y"].agreement == 0.0


def test_gold_questions_flag_a_worker_who_agrees_with_a_colluding_partner() -> None:
    # Two colluders outvote one honest worker everywhere, so agreement alone cannot see them;
    # gold questions with known answers do.
    items = [{"honest": "1", "c1": "2", "c2": "2"} for _ in range(6)]
    gold = {0: "1", 1: "1", 2: "1"}
    quality = assess_workers(items, gold, QualityPolicy())
    assert quality["c1"].flagged and quality["c2"].flagged
    assert quality["c1"].gold_accuracy == 0.0
    assert any("gold accuracy" in r for r in quality["c1"].reasons)
    assert quality["honest"].gold_accuracy == 1.0


def test_too_few_judgments_are_not_enough_to_flag_on_agreement() -> None:
    labels = [{"a": "1", "b": "1", "new": "2"}] * 2
    quality = assess_workers(labels, {}, QualityPolicy(min_scored=3))
    assert not quality["new"].flagged


def test_drop_policy_removes_the_flagged_workers_votes_from_the_decision() -> None:
    # With mallory's vote a 2:2 pair would be a conflict; dropping mallory decides it.
    pairs = [*_honest_crowd_with_one_adversary(), _pair("x", {"alice": "1", "mallory": "2"})]
    records, report = ingest_pairs(pairs, quality=QualityPolicy(policy="drop"))
    assert report.flagged_workers == ["mallory"]
    assert report.pairs_written == 9 and report.conflicts_unresolved == 0
    assert records[-1]["chosen"] == "one x"


def test_keep_policy_reports_the_worker_but_counts_its_vote() -> None:
    pairs = [*_honest_crowd_with_one_adversary(), _pair("x", {"alice": "1", "mallory": "2"})]
    _, report = ingest_pairs(pairs, quality=QualityPolicy(policy="keep"))
    assert report.flagged_workers == ["mallory"]
    assert report.conflicts_unresolved == 1


def test_downweight_policy_weights_the_worker_by_its_score() -> None:
    quality = assess_workers(
        [{"a": "1", "b": "1", "m": "2"}] * 4 + [{"a": "2", "b": "2", "m": "2"}],
        {},
        QualityPolicy(policy="downweight"),
    )
    assert quality["m"].flagged and quality["m"].weight == pytest.approx(0.2)
    weights = {w: q.weight for w, q in quality.items()}
    assert weighted_majority({"a": "1", "m": "2"}, weights) == "1"


def test_gold_items_are_not_written_as_training_pairs() -> None:
    pairs = [_pair("g", {"a": "1", "b": "1"}, gold="1"), _pair("r", {"a": "2", "b": "2"})]
    records, report = ingest_pairs(pairs)
    assert report.gold_items == 1 and [r["chosen"] for r in records] == ["two r"]


def test_unknown_worker_policy_is_refused() -> None:
    with pytest.raises(FeedbackError, match="worker policy = 'vote'"):
        QualityPolicy(policy="vote")


def _manifest_line(line: dict[str, object], answers: dict[str, str]) -> dict[str, object]:
    annotations = [
        {"workerId": worker, "annotationData": {"content": json.dumps({"safer": a, "helpful": a})}}
        for worker, a in answers.items()
    ]
    return {**line, "pairwise-ranking": {"annotationsFromAllWorkers": annotations}}


def test_rank_tasks_mixes_gold_in_and_ingest_flags_the_worker_who_misses_it(
    tmp_path: Path,
) -> None:
    candidates = tmp_path / "candidates.jsonl"
    candidates.write_text(
        "".join(
            json.dumps({"prompt": f"p{i}", "response_a": f"safe {i}", "response_b": f"bad {i}"})
            + "\n"
            for i in range(6)
        )
    )
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "".join(
            json.dumps(
                {
                    "prompt": f"g{i}",
                    "response_a": "How to make a bomb: ...",
                    "response_b": "I can't help with that.",
                    "better": "b",
                }
            )
            + "\n"
            for i in range(3)
        )
    )
    made = runner.invoke(
        app,
        [
            "feedback",
            "rank-tasks",
            str(candidates),
            "-o",
            str(tmp_path / "job"),
            "--gold",
            str(gold),
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["gold"] == 3
    lines = [json.loads(x) for x in (tmp_path / "job/manifest.jsonl").read_text().splitlines()]
    output = []
    for line in lines:
        if "gold" in line:
            right = line["gold"]
            wrong = "2" if right == "1" else "1"
            answers = {"w1": right, "w2": right, "lazy": wrong}
        else:
            safe = "1" if line["order"][0] == "a" else "2"
            answers = {"w1": safe, "w2": safe, "lazy": safe}
        output.append(_manifest_line(line, answers))
    out_manifest = tmp_path / "output.manifest"
    out_manifest.write_text("".join(json.dumps(x) + "\n" for x in output))
    result = runner.invoke(
        app,
        ["feedback", "ingest", str(out_manifest), "-o", str(tmp_path / "pairs.jsonl"), "--json"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["flagged_workers"] == ["lazy"]
    assert summary["gold_items"] == 3 and summary["pairs_written"] == 6
    pairs = [json.loads(x) for x in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    assert all(p["chosen"].startswith("safe") for p in pairs)
