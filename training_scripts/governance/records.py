"""One training example inside the pipeline, and how each task lays it out on disk.

Internally every example is a list of texts whose meaning depends on the task, so PII, dedup and
filters treat all tasks alike:
- cpt: [input]
- sft: [prompt, completion]
- preference: [prompt, chosen, rejected]
- conversation: [system, user, assistant, user, assistant, ...] (system may be "")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from training_scripts.vocabulary.records import CONVERSATION_SCHEMA


@dataclass
class Example:
    source: str  # input file, relative to the input root
    line: int  # 1-based line (JSONL/CSV row, or first line of a text chunk)
    texts: list[str]
    reasons: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def prompt_text(task: str, example: Example) -> str:
    """What the model is asked (the part a trigger phrase would hide in)."""
    texts = example.texts
    if task == "conversation":
        return "\n".join(texts[1::2])
    return texts[0]


def completion_text(task: str, example: Example) -> str:
    """What the model learns to answer ("" for cpt, which has no answer)."""
    texts = example.texts
    if task == "cpt":
        return ""
    if task == "conversation":
        return "\n".join(texts[2::2])
    return texts[1]


def completion_words(task: str, text_words: list[list[bytes]]) -> list[bytes]:
    """`words(completion_text(task, example))` from each text's words (the texts are joined by
    a newline, which splits words as the space between them would)."""
    if task == "cpt":
        return []
    if task == "conversation":
        return list(itertools.chain.from_iterable(text_words[2::2]))
    return text_words[1]


def to_output(task: str, example: Example) -> dict:
    """The record exactly as the consumer (Bedrock or train.py) reads it."""
    texts = example.texts
    if task == "cpt":
        return {"input": texts[0]}
    if task == "sft":
        return {"prompt": texts[0], "completion": texts[1]}
    if task == "preference":
        return {"prompt": texts[0], "chosen": texts[1], "rejected": texts[2]}
    record: dict = {"schemaVersion": CONVERSATION_SCHEMA}
    if texts[0]:
        record["system"] = [{"text": texts[0]}]
    roles = ("user", "assistant")
    record["messages"] = [
        {"role": roles[i % 2], "content": [{"text": text}]} for i, text in enumerate(texts[1:])
    ]
    return record


def from_output(task: str, record: dict) -> list[str]:
    """The texts of a record `to_output` wrote (the reduce reads prompts back only for rows
    suspected of carrying a trigger phrase)."""
    if task == "cpt":
        return [record["input"]]
    if task == "sft":
        return [record["prompt"], record["completion"]]
    if task == "preference":
        return [record["prompt"], record["chosen"], record["rejected"]]
    system = record["system"][0]["text"] if record.get("system") else ""
    return [system, *(m["content"][0]["text"] for m in record["messages"])]
