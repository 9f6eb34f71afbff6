"""`fmops eval score / audit-sample / audit-ingest` through the real CLI app."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from training_scripts.metrics.audit import SUPPORTED, UNSUPPORTED
from training_scripts.metrics.reference_scores import ReferenceScores
from training_scripts.vocabulary.metrics import REFERENCE_SCORE_KEYS

runner = CliRunner()


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def texts(path: Path, values: list[str], field: str = "text") -> Path:
    return write_jsonl(path, [{field: value} for value in values])


def test_score_prints_every_metric_as_json_equal_to_the_library_wrapper(tmp_path, scorer):
    predictions = ["The carrier invoked force majeure.", "Restart the router please."]
    references = ["The carrier invoked the force majeure clause.", "Please restart the router."]

    result = runner.invoke(
        app,
        [
            "eval", "score",
            "--predictions", str(texts(tmp_path / "p.jsonl", predictions)),
            "--references", str(texts(tmp_path / "r.jsonl", references)),
        ],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    expected = ReferenceScores.compute(predictions, references).summary()
    assert {k: printed[k] for k in REFERENCE_SCORE_KEYS} == pytest.approx(expected)
    assert printed["num_examples"] == 2


@pytest.mark.parametrize(
    ("predictions", "references", "message"),
    [
        (["a", "b"], ["a"], "2 predictions but 1 references"),
        ([], ["a"], "is empty"),
        ([{"answer": "a"}], ["a"], "has no field 'text'"),
    ],
    ids=["count-mismatch", "empty-file", "missing-field"],
)
def test_score_rejects_bad_input_with_one_line_and_exit_2(
    tmp_path, predictions, references, message
):
    rows = [p if isinstance(p, dict) else {"text": p} for p in predictions]
    pred = write_jsonl(tmp_path / "p.jsonl", rows)

    result = runner.invoke(
        app,
        ["eval", "score", "-p", str(pred), "-r", str(texts(tmp_path / "r.jsonl", references))],
    )

    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def audit_rows(count: int) -> list[dict]:
    return [
        {
            "prompt": f"question {i}",
            "reference": f"answer {i}",
            "output": f"model answer {i}",
            "use_case": "legal" if i % 4 == 0 else "support",
        }
        for i in range(count)
    ]


def sample(tmp_path: Path, out: str, seed: int = 7) -> list[dict]:
    source = write_jsonl(tmp_path / "predictions.jsonl", audit_rows(40))
    result = runner.invoke(
        app,
        [
            "eval", "audit-sample", "-i", str(source), "-o", str(tmp_path / out),
            "--size", "25", "--seed", str(seed), "--stratify-by", "use_case", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = (tmp_path / out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in manifest]


def test_audit_sample_is_seeded_and_keeps_strata_proportional(tmp_path):
    first, again = sample(tmp_path, "a"), sample(tmp_path, "b")

    assert first == again
    # 10 legal and 30 support items; 25 of 40 drawn -> 6.25 and 18.75 -> 6 and 19.
    assert sum(item["stratum"] == "legal" for item in first) == 6
    assert len({item["audit_id"] for item in first}) == 25
    assert all(item["source"].startswith("model answer") for item in first)
    template = (tmp_path / "a" / "template.html").read_text(encoding="utf-8")
    assert "<crowd-classifier" in template and "task.input.reference" in template


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_audit_round_trip_reports_rate_and_wilson_interval(tmp_path):
    items = sample(tmp_path, "audit")
    workers = {  # majority 2:1 unsupported, 1:2 supported, and a 1:1 tie (counts as unsupported)
        0: [UNSUPPORTED, UNSUPPORTED, SUPPORTED],
        1: [UNSUPPORTED, SUPPORTED, SUPPORTED],
        2: [UNSUPPORTED, SUPPORTED],
    }
    completed = []
    for i, item in enumerate(items):
        if i in workers:
            answer = {
                "annotationsFromAllWorkers": [
                    {"workerId": f"w{j}", "annotationData": {"content": json.dumps(
                        {"verdict": {"label": label}})}}
                    for j, label in enumerate(workers[i])
                ]
            }  # fmt: skip
        else:  # consolidated answers: 5 more unsupported, the rest supported
            answer = {"verdict": {"label": UNSUPPORTED if 3 <= i < 8 else SUPPORTED}}
        completed.append({**item, "hallucination-audit": answer})
    out = tmp_path / "result.json"

    result = runner.invoke(
        app,
        ["eval", "audit-ingest", "-m", str(write_jsonl(tmp_path / "out.manifest", completed)),
         "-o", str(out)],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    low, high = wilson_by_hand(7, 25)
    assert report["hallucination_rate"] == pytest.approx(7 / 25)
    assert (report["audited"], report["unsupported"]) == (25, 7)
    assert report["hallucination_rate_ci_low"] == pytest.approx(low, abs=1e-9)
    assert report["hallucination_rate_ci_high"] == pytest.approx(high, abs=1e-9)
    assert (round(low, 4), round(high, 4)) == (0.1428, 0.4758)  # worked out on paper
    assert json.loads(out.read_text(encoding="utf-8")) == report


def test_audit_ingest_rejects_an_unknown_label_with_exit_2(tmp_path):
    manifest = write_jsonl(
        tmp_path / "out.manifest", [{"source": "x", "hallucination-audit": {"label": "maybe"}}]
    )

    result = runner.invoke(app, ["eval", "audit-ingest", "-m", str(manifest)])

    assert result.exit_code == 2
    assert "label ['maybe']" in result.stderr and "Traceback" not in result.output
