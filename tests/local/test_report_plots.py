"""The report's gains forest plot: a row per gate metric, the rule's threshold on the gain scale."""

from __future__ import annotations

from pathlib import Path

from pipelines.local.report_plots import gain_rows, plot_gains
from training_scripts.vocabulary.metrics import GATE_RULES, gain_key


def _evaluation(metrics: list[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for metric in metrics:
        values |= {gain_key(metric): 0.03, gain_key(metric, "low"): 0.01,
                   gain_key(metric, "high"): 0.05}  # fmt: skip
    return values


def test_one_row_per_text_gate_metric_in_the_gates_order() -> None:
    compared = ["rougeL", "bleu", "bertscore_f1", "unsupported_word_rate", "refusal_rate"]
    rows = gain_rows(_evaluation(compared), {}, {})
    expected = list(dict.fromkeys(r.metric for r in GATE_RULES if r.metric in compared))
    assert [r.metric for r in rows] == expected


def test_thresholds_are_drawn_on_the_gain_scale_with_the_gates_decision() -> None:
    rows = gain_rows(
        _evaluation(["rougeL", "refusal_rate"]),
        {"MinRougeLGain": "0.02", "MaxRefusalDrop": "0.05", "MinRougeL": "0.3"},
        {"MinRougeLGain": False},
    )
    by_metric = {r.metric: r for r in rows}
    assert (by_metric["rougeL"].threshold, by_metric["rougeL"].passed) == (0.02, False)
    # refusal_drop = -gain <= MaxRefusalDrop, so the bound on the gain is -0.05; not reached.
    assert (by_metric["refusal_rate"].threshold, by_metric["refusal_rate"].passed) == (-0.05, None)


def test_plot_is_a_png_and_nothing_is_drawn_without_baseline_gains(tmp_path: Path) -> None:
    rows = gain_rows(_evaluation(["rougeL"]), {"MinRougeLGain": "0.02"}, {"MinRougeLGain": True})
    assert plot_gains(rows, tmp_path / "gains.png")
    assert (tmp_path / "gains.png").read_bytes()[:4] == b"\x89PNG"
    assert not plot_gains(gain_rows({"pairwise_accuracy": 0.7}, {}, {}), tmp_path / "none.png")
