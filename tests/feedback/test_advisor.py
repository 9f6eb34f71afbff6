"""`fmops advise`: the recommendation follows goal and data freshness; costs move the right way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.advisor.costs import Workload, monthly_costs
from pipelines.advisor.prices import DEFAULT_PRICES, load_prices
from pipelines.cli import app

runner = CliRunner()
PRICES = load_prices()


def _advise(*args: str) -> dict:
    result = runner.invoke(app, ["advise", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _costs(**overrides: object) -> dict:
    base: dict = {"queries_per_day": 1000, "corpus_tokens": 5_000_000, "data_changes": "monthly"}
    return monthly_costs(PRICES, Workload(**{**base, **overrides}))


def test_daily_changing_facts_get_rag() -> None:
    advice = _advise("--data-changes", "daily", "--goal", "facts")
    assert advice["recommendation"] == "RAG"
    assert any("daily" in reason for reason in advice["reasons"])


@pytest.mark.parametrize("goal", ["style", "vocabulary", "format"])
def test_stable_behaviour_goals_get_fine_tuning(goal: str) -> None:
    advice = _advise("--data-changes", "yearly", "--goal", goal)
    assert advice["recommendation"] == "FINE_TUNING"


def test_style_with_fast_moving_content_gets_both() -> None:
    assert _advise("--data-changes", "weekly", "--goal", "style")["recommendation"] == "BOTH"


def test_json_output_has_recommendation_reasons_and_a_cost_per_path() -> None:
    advice = _advise("--data-changes", "monthly", "--goal", "facts")
    assert {"recommendation", "reasons", "costs"} <= set(advice)
    assert set(advice["costs"]) == {"rag", "fine_tuning_bedrock", "fine_tuning_sagemaker", "both"}
    for path in advice["costs"].values():
        assert path["monthly_usd"] == pytest.approx(sum(path["items"].values()), abs=0.05)


def test_more_queries_cost_rag_more() -> None:
    low, high = _costs(queries_per_day=100), _costs(queries_per_day=10_000)
    assert high["rag"].total > low["rag"].total


def test_more_queries_do_not_change_provisioned_fine_tuning_cost() -> None:
    low, high = _costs(queries_per_day=100), _costs(queries_per_day=10_000)
    assert high["fine_tuning_bedrock"].total == pytest.approx(low["fine_tuning_bedrock"].total)


def test_more_frequent_changes_cost_fine_tuning_more_through_retraining() -> None:
    yearly, daily = _costs(data_changes="yearly"), _costs(data_changes="daily")
    key = "customization_training_tokens"
    assert daily["fine_tuning_bedrock"].items[key] > yearly["fine_tuning_bedrock"].items[key]
    assert (
        daily["fine_tuning_sagemaker"].items["training_instance_hours"]
        > yearly["fine_tuning_sagemaker"].items["training_instance_hours"]
    )


def test_larger_corpus_costs_more_to_train_and_to_index() -> None:
    small, large = _costs(corpus_tokens=1_000_000), _costs(corpus_tokens=50_000_000)
    assert large["fine_tuning_bedrock"].total > small["fine_tuning_bedrock"].total
    assert large["rag"].items["vector_storage"] > small["rag"].items["vector_storage"]


def test_retrieved_context_makes_each_rag_query_dearer_than_a_fine_tuned_one() -> None:
    costs = _costs(hosting="on-demand")
    rag_in = costs["rag"].items["generation_input_tokens_with_retrieved_context"]
    ft_in = costs["fine_tuning_bedrock"].items["generation_input_tokens_without_retrieved_context"]
    assert rag_in > ft_in


def test_edited_price_table_changes_the_estimate(tmp_path: Path) -> None:
    table = json.loads(DEFAULT_PRICES.read_text())
    table["prices"]["bedrock_input_per_1k_tokens"]["value"] *= 2
    edited = tmp_path / "prices.json"
    edited.write_text(json.dumps(table))
    args = ["--data-changes", "daily", "--goal", "facts"]
    base = _advise(*args)["costs"]["rag"]["items"]
    doubled = _advise(*args, "--prices", str(edited))["costs"]["rag"]["items"]
    key = "generation_input_tokens_with_retrieved_context"
    assert doubled[key] == pytest.approx(2 * base[key], rel=0.01)


def test_price_table_is_dated_and_every_figure_cites_a_source() -> None:
    assert PRICES.as_of
    for figure in [*PRICES.prices.values(), *PRICES.workload.values()]:
        source = PRICES.sources[figure.source]
        assert source.url and source.read


def test_price_table_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    table = json.loads(DEFAULT_PRICES.read_text())
    table["prices"]["bedrock_input_per_1k_tokens"]["source"] = "a blog"
    bad = tmp_path / "prices.json"
    bad.write_text(json.dumps(table))
    result = runner.invoke(
        app, ["advise", "--data-changes", "daily", "--goal", "facts", "--prices", str(bad)]
    )
    assert result.exit_code == 2
    assert "bedrock_input_per_1k_tokens.source = 'a blog': not in sources" in result.stderr


def test_unknown_goal_fails_with_one_line_and_exit_2() -> None:
    result = runner.invoke(app, ["advise", "--data-changes", "daily", "--goal", "speed"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --goal = 'speed': unknown (allowed: facts, style, vocabulary, format)"
    )
