"""Local refusal of requests Bedrock would reject, per model family, before any AWS call."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.bedrock.catalog import MODELS, find_model
from pipelines.bedrock.validation import check_request, parse_hyperparameters
from tests.bedrock.conftest import conversation, write_jsonl


def _messages(problems: list) -> str:
    return "\n".join(str(p) for p in problems)


@pytest.mark.parametrize(
    ("base_model", "customization", "dataset", "hp"),
    [
        (
            "amazon.titan-text-express-v1:0:8k",
            "FINE_TUNING",
            "prompt_completion",
            {"epochCount": "3"},
        ),
        ("amazon.titan-text-lite-v1", "CONTINUED_PRE_TRAINING", "cpt_text", {"batchSize": "8"}),
        (
            "amazon.titan-text-premier-v1:0:32k",
            "FINE_TUNING",
            "prompt_completion",
            {"learningRate": "1e-6"},
        ),
        (
            "amazon.nova-micro-v1:0:128k",
            "FINE_TUNING",
            "conversations",
            {"learningRateWarmupSteps": "20"},
        ),
        (
            "meta.llama3-1-8b-instruct-v1:0:128k",
            "FINE_TUNING",
            "prompt_completion",
            {"epochCount": "2"},
        ),
        ("meta.llama3-2-1b-instruct-v1:0:128k", "FINE_TUNING", "conversations", {}),
        ("cohere.command-light-text-v14", "FINE_TUNING", "prompt_completion", {"batchSize": "32"}),
    ],
)
def test_valid_request_passes_for_each_family(
    request: pytest.FixtureRequest, base_model: str, customization: str, dataset: str, hp: dict
) -> None:
    path = request.getfixturevalue(dataset)
    assert check_request(base_model, customization, path, path, hp) == []


def test_out_of_range_hyperparameter_names_the_range_and_source(prompt_completion: Path) -> None:
    problems = check_request(
        "amazon.titan-text-premier-v1:0:32k",
        "FINE_TUNING",
        prompt_completion,
        None,
        {"epochCount": "6"},
    )
    assert len(problems) == 1
    assert "epochCount=6" in problems[0].where
    assert "between 1 and 5" in problems[0].message and "cm-hp-titan-text" in problems[0].message


def test_cohere_command_batch_size_is_fixed_at_eight(prompt_completion: Path) -> None:
    problems = check_request(
        "cohere.command-text-v14", "FINE_TUNING", prompt_completion, None, {"batchSize": "16"}
    )
    assert "between 8 and 8" in _messages(problems)


def test_unknown_hyperparameter_lists_the_allowed_names(conversations: Path) -> None:
    problems = check_request(
        "amazon.nova-lite-v1:0:300k", "FINE_TUNING", conversations, None, {"batchSize": "4"}
    )
    assert len(problems) == 1
    assert "unknown hyperparameter" in problems[0].message
    assert "epochCount, learningRate, learningRateWarmupSteps" in problems[0].message


def test_non_numeric_hyperparameter_is_refused(prompt_completion: Path) -> None:
    problems = check_request(
        "meta.llama3-1-70b-instruct-v1",
        "FINE_TUNING",
        prompt_completion,
        None,
        {"epochCount": "two"},
    )
    assert "must be an integer" in _messages(problems)


def test_prompt_completion_given_to_a_conversation_model_is_refused_per_line(
    prompt_completion: Path,
) -> None:
    problems = check_request("amazon.nova-pro-v1:0:300k", "FINE_TUNING", prompt_completion)
    assert problems, "prompt/completion records must not pass as bedrock-conversation-2024"
    assert problems[0].where == f"{prompt_completion}:1"
    assert "conversation format" in problems[0].message


def test_broken_jsonl_reports_the_line_number(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"input": "ok"}\n{"input": "unterminated\n', encoding="utf-8")
    problems = check_request("amazon.titan-text-express-v1", "CONTINUED_PRE_TRAINING", path)
    assert [p.where for p in problems] == [f"{path}:2"]


def test_record_over_the_token_limit_is_refused(tmp_path: Path) -> None:
    # Titan: 4,096 tokens at ~6 characters per token.
    path = write_jsonl(tmp_path / "long.jsonl", [{"prompt": "x" * 30000, "completion": "y"}])
    assert check_request("amazon.titan-text-express-v1", "FINE_TUNING", path)


def test_llama_needs_at_least_one_hundred_records(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "few.jsonl", [{"prompt": "p", "completion": "c"}] * 10)
    assert check_request("meta.llama3-1-8b-instruct-v1", "FINE_TUNING", path)


def test_continued_pre_training_is_refused_where_not_offered(cpt_text: Path) -> None:
    problems = check_request("amazon.nova-micro-v1", "CONTINUED_PRE_TRAINING", cpt_text)
    assert "not offered for this model" in _messages(problems)


def test_unknown_base_model_is_refused(cpt_text: Path) -> None:
    assert "no customization facts" in _messages(
        check_request("acme.model-v1", "FINE_TUNING", cpt_text)
    )


def test_distillation_accepts_a_documented_teacher_student_pair(conversations: Path) -> None:
    problems = check_request(
        "amazon.nova-micro-v1:0:128k",
        "DISTILLATION",
        conversations,
        teacher="us.amazon.nova-premier-v1:0",
    )
    assert problems == []


def test_distillation_refuses_a_pair_bedrock_does_not_offer(conversations: Path) -> None:
    problems = check_request(
        "meta.llama3-2-3b-instruct-v1",
        "DISTILLATION",
        conversations,
        teacher="meta.llama3-1-405b-instruct-v1:0",
    )
    assert "cannot teach" in _messages(problems)


def test_distillation_needs_a_teacher_and_takes_no_validation_or_hyperparameters(
    tmp_path: Path,
) -> None:
    path = write_jsonl(
        tmp_path / "p.jsonl", [conversation("Summarise the clause.", "It excuses delay.")] * 120
    )
    problems = check_request("amazon.nova-lite-v1", "DISTILLATION", path, path, {"epochCount": "2"})
    wheres = _messages(problems)
    assert "--teacher: required" in wheres
    assert "--validation" in wheres
    assert "unknown hyperparameter" in wheres


def test_malformed_hp_pair_is_reported() -> None:
    values, problems = parse_hyperparameters(["epochCount=2", "learningRate"])
    assert values == {"epochCount": "2"}
    assert "expected NAME=VALUE" in problems[0].message


def test_every_catalog_entry_cites_an_aws_page() -> None:
    for model in MODELS:
        for spec in model.customizations.values():
            assert spec.hp_source.startswith("https://docs.aws.amazon.com/")
            assert spec.data_source.startswith("https://docs.aws.amazon.com/")
    assert find_model("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0:300k")
