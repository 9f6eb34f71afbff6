"""Ranking tasks from real traffic: Bedrock model-invocation logs -> candidate pairs.

Invocation logging (the serving stack turns it on) writes one JSON record per call:
`{"schemaType": "ModelInvocationLog", "operation", "modelId", "input": {"inputBodyJson"},
"output": {"outputBodyJson"}, ...}` (Bedrock user guide, "Monitor model invocation using
CloudWatch Logs and Amazon S3",
https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html). Files are
JSON lines, gzipped or not. The prompt and answer are read from the Converse shape (messages /
output.message) and the common InvokeModel bodies (Titan `inputText`/`results`, Llama `prompt`/
`generation`, messages-style bodies).

Two answers per prompt: when two models answered the same prompt in the logs (champion vs
candidate), those two; otherwise a `Responder` answers it twice at two temperatures. PII is
redacted from prompt and answers before anything is written, because people will read it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.feedback import FeedbackError

# (prompt, temperature) -> answer: the current model, in the cloud or locally.
Responder = Callable[[str, float], str]


@dataclass(frozen=True)
class LoggedCall:
    model_id: str
    prompt: str
    answer: str


def _text_blocks(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            block["text"] for block in content if isinstance(block, dict) and "text" in block
        )
    return ""


def prompt_of(body: dict[str, Any]) -> str:
    """The user's last turn (Converse/messages bodies) or the raw prompt of InvokeModel."""
    messages = body.get("messages")
    if isinstance(messages, list):
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        return _text_blocks(users[-1].get("content")).strip() if users else ""
    for key in ("inputText", "prompt"):
        if isinstance(body.get(key), str):
            return str(body[key]).strip()
    return ""


def answer_of(body: dict[str, Any]) -> str:
    """The model's text in a Converse, messages-style or common InvokeModel response."""
    output = body.get("output")
    if isinstance(output, dict) and isinstance(output.get("message"), dict):
        return _text_blocks(output["message"].get("content")).strip()
    if isinstance(body.get("content"), list):
        return _text_blocks(body["content"]).strip()
    results = body.get("results")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        return str(results[0].get("outputText", "")).strip()
    for key in ("generation", "completion", "text"):
        if isinstance(body.get(key), str):
            return str(body[key]).strip()
    return ""


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            yield from enumerate(handle, start=1)
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedbackError(f"{path}: cannot read as UTF-8 JSON lines ({exc})") from None


def read_logged_calls(paths: Iterable[Path]) -> list[LoggedCall]:
    """Every logged call with a prompt; a malformed line names its file and line."""
    calls: list[LoggedCall] = []
    for path in sorted(paths):
        for number, line in _lines(path):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FeedbackError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict) or record.get("schemaType") != "ModelInvocationLog":
                raise FeedbackError(
                    f"{path}:{number}: not a Bedrock invocation log record "
                    '(expected "schemaType": "ModelInvocationLog")'
                )
            body_in = (record.get("input") or {}).get("inputBodyJson") or {}
            body_out = (record.get("output") or {}).get("outputBodyJson") or {}
            prompt = prompt_of(body_in) if isinstance(body_in, dict) else ""
            if prompt:
                answer = answer_of(body_out) if isinstance(body_out, dict) else ""
                calls.append(LoggedCall(str(record.get("modelId", "")), prompt, answer))
    return calls


def log_files(directory: Path) -> list[Path]:
    files = [p for p in directory.rglob("*") if p.is_file() and p.name.endswith((".json", ".gz"))]
    if not files:
        raise FeedbackError(f"{directory}: no invocation log files (*.json, *.json.gz)")
    return files


def candidate_pairs(
    calls: list[LoggedCall],
    *,
    responder: Responder | None,
    temperatures: tuple[float, float] = (0.2, 1.0),
    limit: int | None = None,
) -> list[dict[str, str]]:
    """`{"prompt", "response_a", "response_b", "source_a", "source_b"}` per distinct prompt."""
    by_prompt: dict[str, dict[str, str]] = {}
    for call in calls:
        answers = by_prompt.setdefault(call.prompt, {})
        if call.answer and call.model_id not in answers:
            answers[call.model_id] = call.answer
    pairs: list[dict[str, str]] = []
    for prompt, answers in by_prompt.items():
        if limit is not None and len(pairs) >= limit:
            break
        if len(answers) >= 2:
            (model_a, a), (model_b, b) = sorted(answers.items())[:2]
            pairs.append(_pair(prompt, a, b, model_a, model_b))
        elif responder is not None:
            low, high = temperatures
            pairs.append(
                _pair(
                    prompt,
                    responder(prompt, low),
                    responder(prompt, high),
                    f"temperature={low}",
                    f"temperature={high}",
                )
            )
    if not pairs:
        raise FeedbackError(
            "no prompt has two answers in the logs and no model was given to answer them"
        )
    return pairs


def _pair(prompt: str, a: str, b: str, source_a: str, source_b: str) -> dict[str, str]:
    return {
        "prompt": prompt,
        "response_a": a,
        "response_b": b,
        "source_a": source_a,
        "source_b": source_b,
    }


def redact_pairs(pairs: list[dict[str, str]], salt: str) -> tuple[list[dict[str, str]], dict]:
    """Prompt and both answers with PII replaced by type labels; counts per type."""
    from training_scripts.governance.pii import PiiEngine  # Presidio: loaded only when used

    engine = PiiEngine("redact", salt)
    redacted = []
    for pair in pairs:
        prompt, a, b = engine.anonymize([pair["prompt"], pair["response_a"], pair["response_b"]])
        redacted.append({**pair, "prompt": prompt, "response_a": a, "response_b": b})
    return redacted, dict(engine.found)
