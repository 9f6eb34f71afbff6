"""The optional Bedrock judge: one Converse call per output, a one-word verdict, off by default.

moto 5.2.5 has no Bedrock Runtime Converse: botocore's Stubber checks the exact requests.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from training_scripts.metrics.judge import JUDGE_PROMPT, judge_unsupported
from training_scripts.vocabulary.records import DataError, InstructionExample

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
EXAMPLES = [
    InstructionExample(prompt="What is metformin for?", completion="Type 2 diabetes."),
    InstructionExample(prompt="Dose?", completion="500 mg twice daily."),
]


def _client():
    return boto3.client(
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _expect(stub: Stubber, example: InstructionExample, output: str, answer: str) -> None:
    text = JUDGE_PROMPT.format(prompt=example.prompt, reference=example.completion, output=output)
    stub.add_response(
        "converse",
        {
            "output": {"message": {"role": "assistant", "content": [{"text": answer}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
            "metrics": {"latencyMs": 1},
        },
        {
            "modelId": MODEL,
            "messages": [{"role": "user", "content": [{"text": text}]}],
            "inferenceConfig": {"maxTokens": 5, "temperature": 0.0},
        },
    )


def test_judge_flags_what_it_calls_unsupported() -> None:
    client = _client()
    outputs = ["For type 2 diabetes.", "1000 mg at night."]
    with Stubber(client) as stub:
        _expect(stub, EXAMPLES[0], outputs[0], "SUPPORTED")
        _expect(stub, EXAMPLES[1], outputs[1], " unsupported\n")
        verdicts = judge_unsupported(MODEL, EXAMPLES, outputs, client=client)
        stub.assert_no_pending_responses()

    assert verdicts == [False, True]


def test_a_judge_that_does_not_answer_the_question_is_an_error() -> None:
    client = _client()
    with Stubber(client) as stub:
        _expect(stub, EXAMPLES[0], "x", "Maybe, it depends")
        with pytest.raises(DataError, match="answered 'MAYBE, IT DEPENDS'"):
            judge_unsupported(MODEL, EXAMPLES[:1], ["x"], client=client)


def test_judge_is_off_by_default() -> None:
    from deployment.settings import settings_for_stage

    assert settings_for_stage("dev").evaluation.judge_model_id is None
    assert settings_for_stage("prod").evaluation.judge_model_id is None


def test_a_configured_judge_reaches_the_evaluate_step() -> None:
    import json

    from deployment.settings import settings_for_stage
    from pipelines.training_pipeline import pipeline_definition

    settings = settings_for_stage("dev", overrides={"evaluation": {"judge_model_id": MODEL}})
    steps = json.loads(pipeline_definition(settings))["Steps"]
    (evaluate,) = [s for s in steps if s["Name"] == "Evaluate"]
    arguments = evaluate["Arguments"]["AppSpecification"]["ContainerArguments"]

    assert arguments[arguments.index("--judge-model-id") + 1] == MODEL
