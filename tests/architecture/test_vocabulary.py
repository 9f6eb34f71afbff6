"""The shared vocabulary is read the same way by every consumer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deployment.settings import EvaluationSettings, TrainingSettings
from training_scripts.dataset_formats import FORMATS
from training_scripts.governance.readers import FieldMap
from training_scripts.governance.readers import read_examples as read_raw
from training_scripts.metrics.records import load_test_set
from training_scripts.training_records import read_examples as read_channel
from training_scripts.vocabulary.methods import DATA_TASKS, METHOD_NAMES, METHODS
from training_scripts.vocabulary.metrics import GATE_RULES
from training_scripts.vocabulary.records import DataError, InstructionExample

MULTI_BLOCK = {
    "schemaVersion": "bedrock-conversation-2024",
    "system": [{"text": "Be brief."}],
    "messages": [
        {"role": "user", "content": [{"text": "First paragraph."}, {"text": "Second one."}]},
        {"role": "assistant", "content": [{"text": "Answer"}, {"text": "continued."}]},
    ],
}


def test_training_evaluation_and_preparation_read_multi_block_content_alike(
    tmp_path: Path,
) -> None:
    (tmp_path / "data.jsonl").write_text(json.dumps(MULTI_BLOCK) + "\n", encoding="utf-8")

    [trained] = read_channel(tmp_path, "sft")
    [evaluated] = load_test_set(tmp_path)
    [prepared] = read_raw(tmp_path / "data.jsonl", "data.jsonl", "conversation", FieldMap(), 4000)

    assert isinstance(trained, InstructionExample)
    assert trained == evaluated
    assert prepared.texts == ["Be brief.", trained.messages[-1][1], trained.completion]
    assert trained.completion == "Answer\ncontinued."


def test_a_conversation_that_does_not_alternate_is_refused_by_every_reader(
    tmp_path: Path,
) -> None:
    record = {**MULTI_BLOCK, "messages": MULTI_BLOCK["messages"][::-1]}
    (tmp_path / "data.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="roles must alternate"):
        read_channel(tmp_path, "sft")
    with pytest.raises(DataError, match="roles must alternate"):
        load_test_set(tmp_path)
    with pytest.raises(DataError, match="roles must alternate"):
        list(read_raw(tmp_path / "data.jsonl", "data.jsonl", "conversation", FieldMap(), 4000))


def test_every_method_reads_a_prepared_task_with_a_supported_format() -> None:
    for method in METHODS.values():
        assert method.data_task in DATA_TASKS, method.name
        assert method.dataset_format in FORMATS, method.name
        assert method.reads(method.data_task)
    # The support preset trains sft on conversation data: same record kind.
    assert METHODS["sft"].reads("conversation") and not METHODS["dpo"].reads("sft")


def test_settings_accept_exactly_the_method_table() -> None:
    for name in METHOD_NAMES:
        assert TrainingSettings(method=name, distribution="none").method == name
    with pytest.raises(ValueError, match="method"):
        TrainingSettings(method="ppo", distribution="none")


def test_every_gate_rule_defaults_from_an_evaluation_setting() -> None:
    fields = set(EvaluationSettings.model_fields)
    missing = [rule.settings_field for rule in GATE_RULES if rule.settings_field not in fields]
    assert not missing
    # Min* rules compare >=, Max* rules <=: the parameter name says which way the gate cuts.
    assert all(rule.minimum == bool(re.match("Min", rule.parameter)) for rule in GATE_RULES)
