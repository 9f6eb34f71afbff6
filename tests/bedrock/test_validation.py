"""Local refusal of requests Bedrock would reject, per model family, before any AWS call."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.bedrock.catalog import MODELS, find_model
from pipelines.bedrock.validation import check_request, parse_hyperparameters
from tests.bedrock.conftest import claude_record, conversation, write_jsonl


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
        (
            "anthropic.claude-3-haiku-20240307-v1:0:200k",
            "FINE_TUNING",
            "claude_conversations",
            {
                "epochCount": "2",
                "batchSize": "32",
                "learningRateMultiplier": "1",
                "earlyStoppingThreshold": "0.001",
                "earlyStoppingPatience": "2",
            },
        ),
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


CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0:200k"


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("epochCount", "11", "between 1 and 10"),
        ("batchSize", "2", "between 4 and 256"),
        ("batchSize", "512", "between 4 and 256"),
        ("learningRateMultiplier", "2.5", "between 0.1 and 2"),
        ("earlyStoppingThreshold", "0.2", "between 0 and 0.1"),
        ("earlyStoppingPatience", "0", "between 1 and 10"),
    ],
)
def test_claude_hyperparameter_out_of_range_is_refused(
    claude_conversations: Path, name: str, value: str, allowed: str
) -> None:
    problems = check_request(CLAUDE, "FINE_TUNING", claude_conversations, None, {name: value})
    assert [p.where for p in problems] == [f"--hp {name}={value}"]
    assert allowed in problems[0].message and "cm-hp-anth-claude-3" in problems[0].message


def test_claude_refuses_learning_rate_it_takes_only_a_multiplier(
    claude_conversations: Path,
) -> None:
    problems = check_request(
        CLAUDE, "FINE_TUNING", claude_conversations, None, {"learningRate": "1e-5"}
    )
    assert len(problems) == 1 and "unknown hyperparameter" in problems[0].message
    assert "learningRateMultiplier, earlyStoppingThreshold" in problems[0].message


def test_claude_refuses_prompt_completion_records_per_line(prompt_completion: Path) -> None:
    problems = check_request(CLAUDE, "FINE_TUNING", prompt_completion)
    assert problems[0].where == f"{prompt_completion}:1"
    assert "missing key 'messages'" in problems[0].message
    assert "claude_conversation format, training" in problems[0].message


def test_claude_refuses_bedrock_conversation_records(conversations: Path) -> None:
    messages = _messages(check_request(CLAUDE, "FINE_TUNING", conversations))
    assert f"{conversations}:1: unexpected key(s) 'schemaVersion'" in messages
    assert "'messages[0].content' must be a string, got list" in messages


def test_claude_validation_file_is_checked_with_its_own_limits(
    tmp_path: Path, claude_conversations: Path
) -> None:
    # 1,000 validation records at most; the training file needs at least 32.
    validation = write_jsonl(tmp_path / "v.jsonl", [claude_record("q", "a")] * 1001)
    problems = check_request(CLAUDE, "FINE_TUNING", claude_conversations, validation)
    assert [(p.where, "above the maximum of 1000" in p.message) for p in problems] == [
        (str(validation), True)
    ]


def test_claude_needs_at_least_32_training_records(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "few.jsonl", [claude_record("q", "a")] * 31)
    assert "below the minimum of 32" in _messages(check_request(CLAUDE, "FINE_TUNING", path))


def test_claude_record_over_32000_tokens_is_refused(tmp_path: Path) -> None:
    records = [claude_record("q", "a")] * 32 + [claude_record("x" * 192_006, "a")]
    path = write_jsonl(tmp_path / "long.jsonl", records)
    problems = check_request(CLAUDE, "FINE_TUNING", path)
    assert [p.where for p in problems] == [f"{path}:33"]
    assert "above the limit of 32000" in problems[0].message


def test_claude_continued_pre_training_is_refused(cpt_text: Path) -> None:
    problems = check_request(CLAUDE, "CONTINUED_PRE_TRAINING", cpt_text)
    assert "not offered for this model (allowed for anthropic.claude-3-haiku" in _messages(problems)


def test_claude_haiku_distils_only_from_claude_3_5_sonnet(conversations: Path) -> None:
    ok = check_request(
        CLAUDE, "DISTILLATION", conversations, teacher="anthropic.claude-3-5-sonnet-20241022-v2:0"
    )
    wrong = check_request(CLAUDE, "DISTILLATION", conversations, teacher="amazon.nova-pro-v1:0")
    assert ok == []
    assert "cannot teach anthropic.claude-3-haiku-20240307-v1" in _messages(wrong)
