"""Cost shown before spending: definition estimate, Bedrock estimate, price sources, --yes."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from deployment.settings import Settings, settings_for_stage
from pipelines.advisor.prices import load_prices
from pipelines.cli import app
from pipelines.cost_estimate import CostError
from pipelines.cost_estimate.estimates import bedrock_estimate, dataset_tokens, pipeline_estimate
from pipelines.cost_estimate.price_book import LIVE, TABLE, PriceBook
from pipelines.cost_estimate.price_list import hourly_price, sagemaker_filters
from tests.pipelines.conftest import placeholder_values

FIXTURES = Path(__file__).parent / "fixtures"
# Written to the documented GetProducts format (Billing user guide, "Finding services and
# products using AWS Price List Query API"); not captured from a live call.
RECORDED = json.loads((FIXTURES / "get_products_sagemaker_training_p4d.json").read_text())
TABLE_DAY = dt.date(2026, 11, 30)
runner = CliRunner()


def _table_book(**kwargs: Any) -> PriceBook:
    return PriceBook.load(region="us-east-1", today=TABLE_DAY, **kwargs)


def _figure(key: str) -> float:
    figure = load_prices().figure(key)
    assert figure is not None, key
    return figure.value


def test_prod_estimate_equals_a_hand_computation(
    prod_settings: Settings, prod_definition_text: str
) -> None:
    training = prod_settings.training
    train = _figure(f"sagemaker_instance_hours.training.{training.instance_type}")
    process = _figure(f"sagemaker_instance_hours.processing.{training.processing_instance_type}")
    processing_hours = _figure("workload.processing_step_hours")
    # prepare + evaluate on one processing instance each; train on the cluster for its max runtime
    by_hand = (
        training.instance_count * training.max_run_hours * train
        + 2 * 1 * processing_hours * process
    )
    estimate = pipeline_estimate(prod_definition_text, _table_book())
    assert estimate.total == pytest.approx(by_hand)
    # 2 x ml.p4d.24xlarge x 24 h x $37.688 + 2 x 1 h x $0.23, with the table of 2026-11-25
    assert round(by_hand, 2) == 1809.48
    assert [item.label.split(":")[0] for item in estimate.items] == [
        "PrepareData",
        "Train",
        "Evaluate",
    ]


def test_spot_training_shows_its_savings(dev_definition_text: str) -> None:
    estimate = pipeline_estimate(dev_definition_text, _table_book())
    train = next(i for i in estimate.items if i.label.startswith("Train:"))
    saving = next(i for i in estimate.items if "managed spot savings" in i.label)
    assert saving.usd == pytest.approx(-train.usd * _figure("workload.managed_spot_savings"))


def test_expected_hours_are_capped_at_max_runtime(prod_definition_text: str) -> None:
    estimate = pipeline_estimate(
        prod_definition_text, _table_book(), {"Train": 100.0, "Evaluate": 0.5}
    )
    labels = [item.label for item in estimate.items]
    assert any(label.startswith("Train: 2 x ml.p4d.24xlarge x 24 h") for label in labels)
    assert any(label.startswith("Evaluate: 1 x ml.m5.xlarge x 0.5 h") for label in labels)


def test_unknown_instance_type_is_unpriced_and_needs_confirmation(
    prod_definition_text: str,
) -> None:
    definition = json.loads(prod_definition_text)
    train = next(s for s in definition["Steps"] if s["Name"] == "Train")
    train["Arguments"]["ResourceConfig"]["InstanceType"] = "ml.trn2.48xlarge"
    estimate = pipeline_estimate(json.dumps(definition), _table_book())
    assert estimate.unpriced and estimate.needs_confirmation(threshold_usd=1e9)


def test_recorded_price_list_response_parses_to_the_hourly_rate() -> None:
    price = hourly_price(RECORDED, "ml.p4d.24xlarge")
    assert price.usd == 37.688
    assert price.unit == "Hrs"
    assert price.sku == "8Q2NAX8UH4M3ZQ4C"


def test_price_list_entry_for_another_instance_is_ignored() -> None:
    with pytest.raises(CostError, match=r"no hourly on-demand rate for ml\.p4de\.24xlarge"):
        hourly_price(RECORDED, "ml.p4de.24xlarge")


def test_price_list_with_two_different_rates_is_refused() -> None:
    product = json.loads(RECORDED["PriceList"][0])
    other = copy.deepcopy(product)
    (offer,) = other["terms"]["OnDemand"].values()
    (dimension,) = offer["priceDimensions"].values()
    dimension["pricePerUnit"]["USD"] = "45.0000000000"
    response = {"PriceList": [json.dumps(product), json.dumps(other)]}
    with pytest.raises(CostError, match=r"several hourly rates \(37.688, 45\)"):
        hourly_price(response, "ml.p4d.24xlarge")


def test_live_price_is_asked_with_exact_filters_and_used() -> None:
    # moto has no Price List API: botocore's Stubber checks the exact request instead.
    pricing = boto3.client("pricing", region_name="us-east-1")
    with Stubber(pricing) as stub:
        stub.add_response(
            "get_products",
            RECORDED,
            {
                "ServiceCode": "AmazonSageMaker",
                "Filters": sagemaker_filters("training", "ml.p4d.24xlarge", "us-east-1"),
                "FormatVersion": "aws_v1",
                "MaxResults": 10,
            },
        )
        book = _table_book(pricing=pricing)
        price = book.instance_hour("training", "ml.p4d.24xlarge")
    assert price is not None and price.source == LIVE and price.assumption is False
    assert any("AWS Price List API" in line for line in book.source_lines())


def test_price_list_failure_falls_back_to_the_table_and_says_so() -> None:
    pricing = boto3.client("pricing", region_name="us-east-1")
    with Stubber(pricing) as stub:
        stub.add_client_error("get_products", "AccessDeniedException", "not allowed")
        book = _table_book(pricing=pricing)
        price = book.instance_hour("training", "ml.p4d.24xlarge")
    assert price is not None and price.source == TABLE and price.assumption is True
    lines = book.source_lines()
    assert any("price list API unavailable" in line and "AccessDenied" in line for line in lines)
    assert any("dated 2026-11-25 (5 days old)" in line for line in lines)


def test_an_old_table_is_called_stale() -> None:
    book = PriceBook.load(region="us-east-1", today=dt.date(2027, 6, 1), max_age_days=120)
    book.instance_hour("training", "ml.p4d.24xlarge")
    assert any("STALE" in line for line in book.source_lines())


def test_bedrock_estimate_is_tokens_times_epochs_plus_storage(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    records = [{"prompt": "p" * 300, "completion": "c" * 300}] * 10  # 6,000 characters
    train.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert dataset_tokens(train) == 1000  # 6 characters per token
    estimate = bedrock_estimate(
        "amazon.titan-text-express-v1", "FINE_TUNING", train, {"epochCount": "3"}, _table_book()
    )
    per_1k = _figure("bedrock_customization.amazon.titan-text-express-v1.training_per_1k_tokens")
    storage = _figure("bedrock_customization.amazon.titan-text-express-v1.storage_per_month")
    assert estimate.total == pytest.approx(1000 * 3 / 1000 * per_1k + storage)


def test_nova_conversation_roles_and_schema_are_not_counted(tmp_path: Path) -> None:
    record = {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "s" * 60}],
        "messages": [
            {"role": "user", "content": [{"text": "u" * 60}]},
            {"role": "assistant", "content": [{"text": "a" * 60}]},
        ],
    }
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps(record) + "\n")
    assert dataset_tokens(train) == 30


def test_unpriced_bedrock_model_needs_confirmation(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps({"prompt": "p", "completion": "c"}) + "\n")
    estimate = bedrock_estimate("cohere.command-text-v14", "FINE_TUNING", train, {}, _table_book())
    assert estimate.unpriced and estimate.needs_confirmation(threshold_usd=1e9)


def test_prod_start_above_the_threshold_needs_yes(
    aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, prod_definition_text: str
) -> None:
    # The session's prod definition, instead of three more builds of the same bytes.
    monkeypatch.setattr(
        "pipelines.commands.pipeline._definition",
        lambda settings, values=None: prod_definition_text,
    )
    values = tmp_path / "values.json"
    values.write_text(json.dumps(placeholder_values(prod_definition_text)))
    upsert = runner.invoke(app, ["pipeline", "upsert", "--stage", "prod", "--values", str(values)])
    assert upsert.exit_code == 0, upsert.output
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")

    refused = runner.invoke(app, ["pipeline", "start", "--stage", "prod"])
    assert refused.exit_code == 2
    assert "total: $1,809.48" in refused.stdout
    assert "above cost.confirm_above_usd" in refused.stderr and "--yes" in refused.stderr
    runs = sagemaker.list_pipeline_executions(PipelineName="fmops-prod-training")
    assert runs["PipelineExecutionSummaries"] == []

    started = runner.invoke(app, ["pipeline", "start", "--stage", "prod", "--yes", "--json"])
    assert started.exit_code == 0, started.output
    assert json.loads(started.stdout)["estimate"]["total_usd"] == 1809.48
    runs = sagemaker.list_pipeline_executions(PipelineName="fmops-prod-training")
    assert len(runs["PipelineExecutionSummaries"]) == 1


def test_bedrock_submit_above_the_threshold_needs_yes_and_uploads_nothing(
    aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    strict = settings_for_stage("dev", overrides={"cost": {"confirm_above_usd": 1.0}})
    monkeypatch.setattr("pipelines.commands.shared.stage_settings", lambda stage: strict)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="curated")
    from tests.bedrock.conftest import as_prepared

    raw = tmp_path / "train.jsonl"
    raw.write_text(json.dumps({"prompt": "p" * 40, "completion": "c" * 40}) + "\n")
    train = as_prepared(raw)  # submit accepts only prepared data
    result = runner.invoke(
        app,
        ["bedrock", "submit", "--base-model", "amazon.titan-text-express-v1",
         "--customization", "FINE_TUNING", "--train", str(train), "--bucket", "curated",
         "--state-machine-arn", "arn:aws:states:us-east-1:123456789012:stateMachine:x"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "custom model storage" in result.stdout
    assert "above cost.confirm_above_usd = $1.00" in result.stderr
    assert "Contents" not in s3.list_objects_v2(Bucket="curated")
