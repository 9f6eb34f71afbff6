"""The hyperparameter schema parses SageMaker's strings and rejects bad values by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from training_scripts.hyperparameters import (
    HyperparameterError,
    defaults,
    markdown_table,
    other_methods_settings,
    parse_hyperparameters,
    specs_for,
)
from training_scripts.vocabulary.methods import METHOD_NAMES


def test_strings_become_typed_values_with_defaults_filled_in() -> None:
    hp = parse_hyperparameters("lora", {"lora_r": "16", "bf16": "true", "learning_rate": "1e-4"})
    assert hp.lora_r == 16 and hp.bf16 is True and hp.learning_rate == 1e-4
    assert hp.lora_alpha == defaults("lora").lora_alpha


def test_out_of_range_value_names_the_hyperparameter_value_and_range() -> None:
    with pytest.raises(HyperparameterError) as err:
        parse_hyperparameters("sft", {"batch_size": "0"})
    assert str(err.value) == "hyperparameter batch_size = '0': must be int in [1, 4096]"


def test_unparsable_number_is_rejected() -> None:
    with pytest.raises(HyperparameterError, match="learning_rate = 'fast'"):
        parse_hyperparameters("sft", {"learning_rate": "fast"})


def test_hyperparameter_of_another_method_is_checked_and_left_unused() -> None:
    # One definition serves every Method chosen at start time, so it may carry lora_r for a run
    # that trains sft: accepted and not used, but still range-checked.
    hp = parse_hyperparameters("sft", {"lora_r": "32", "learning_rate": "0.01"})
    assert (hp.lora_r, hp.learning_rate) == (8, 0.01)
    assert other_methods_settings("sft", {"lora_r": "32", "learning_rate": "0.01"}) == ["lora_r"]
    with pytest.raises(HyperparameterError, match="lora_r = '0': must be int in"):
        parse_hyperparameters("sft", {"lora_r": "0"})


def test_unknown_name_lists_the_allowed_ones() -> None:
    with pytest.raises(HyperparameterError, match=r"not used by any method \(allowed: .*seed"):
        parse_hyperparameters("sft", {"epoch": "3"})


def test_unknown_method_lists_the_methods() -> None:
    with pytest.raises(HyperparameterError, match="method = 'ppo': must be one of cpt, sft"):
        parse_hyperparameters("ppo", {})


def test_sagemaker_sdk_entries_are_ignored_and_json_quoted_strings_unquoted() -> None:
    raw = {"sagemaker_program": '"train.py"', "lr_scheduler": '"linear"'}
    assert parse_hyperparameters("cpt", raw).lr_scheduler == "linear"


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_defaults_round_trip_through_strings(method: str) -> None:
    # As SageMaker carries them: every value a string, booleans lowercase.
    as_strings = {
        k: str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in defaults(method).as_dict().items()
    }
    assert parse_hyperparameters(method, as_strings) == defaults(method)


def test_docs_table_lists_every_hyperparameter() -> None:
    table = markdown_table()
    assert all(f"`{spec.name}`" in table for spec in specs_for("cpt") + specs_for("lora"))


def test_docs_hyperparameter_table_matches_the_schema() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "training.md"
    assert markdown_table() in docs.read_text()
