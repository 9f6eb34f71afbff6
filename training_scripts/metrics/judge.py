"""Optional LLM-as-a-judge faithfulness check through Amazon Bedrock (off by default).

Each output is shown to a judge model with its prompt and the trusted reference and the judge
answers SUPPORTED or UNSUPPORTED, the same question the human audit template asks (audit.py).
Called with the Bedrock Runtime Converse API (temperature 0). Enabled by the evaluate step's
`--judge-model-id` (settings: `evaluation.judge_model_id`); when set, the hallucination rate in
evaluation.json comes from it and `hallucination_rate_source` says "bedrock_judge".
Its agreement with the human audit is not measured yet; not verified against AWS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from training_scripts.vocabulary.records import DataError, InstructionExample

JUDGE_PROMPT = """You check a model's answer against a trusted reference.
Prompt:
{prompt}

Reference (the only source of truth):
{reference}

Model answer:
{output}

Does the model answer state any fact, number, name, date, dose or obligation that the reference
does not contain or that contradicts it? An empty answer or one that only repeats the prompt
counts as UNSUPPORTED. Reply with exactly one word: SUPPORTED or UNSUPPORTED."""


def judge_unsupported(
    model_id: str,
    examples: Sequence[InstructionExample],
    outputs: Sequence[str],
    client: Any = None,
) -> list[bool]:
    """Per output: True when the judge calls it UNSUPPORTED."""
    import boto3

    client = client or boto3.client("bedrock-runtime")
    verdicts: list[bool] = []
    for example, output in zip(examples, outputs, strict=True):
        text = JUDGE_PROMPT.format(
            prompt=example.prompt, reference=example.completion, output=output
        )
        response = client.converse(
            modelId=model_id,
            messages=[{"role": "user", "content": [{"text": text}]}],
            inferenceConfig={"maxTokens": 5, "temperature": 0.0},
        )
        answer = (
            "".join(part.get("text", "") for part in response["output"]["message"]["content"])
            .strip()
            .upper()
        )
        if answer not in ("SUPPORTED", "UNSUPPORTED"):
            raise DataError(
                f"judge {model_id}: answered {answer[:40]!r}; expected SUPPORTED or UNSUPPORTED"
            )
        verdicts.append(answer == "UNSUPPORTED")
    return verdicts
