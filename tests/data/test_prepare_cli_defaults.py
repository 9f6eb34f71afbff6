"""`fmops data prepare` takes its option defaults from PrepareSettings, FieldMap and
QualitySettings: written as literals in the command they would silently stop following them."""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

import pytest

from pipelines.commands import data
from training_scripts.governance.pipeline import PrepareSettings
from training_scripts.governance.quality import QualitySettings
from training_scripts.governance.readers import FieldMap

# option parameter -> (settings class, field)
FROM_SETTINGS: dict[str, tuple[type, str]] = {
    "task": (PrepareSettings, "task"),
    "pii_mode": (PrepareSettings, "pii_mode"),
    "validation_fraction": (PrepareSettings, "validation_fraction"),
    "seed": (PrepareSettings, "seed"),
    "near_dup_threshold": (PrepareSettings, "near_dup_threshold"),
    "allow_empty": (PrepareSettings, "allow_empty"),
    "text_field": (FieldMap, "text"),
    "prompt_field": (FieldMap, "prompt"),
    "completion_field": (FieldMap, "completion"),
    "chosen_field": (FieldMap, "chosen"),
    "rejected_field": (FieldMap, "rejected"),
    "min_tokens": (QualitySettings, "min_tokens"),
    "max_tokens": (QualitySettings, "max_tokens"),
}


def _written_defaults() -> dict[str, ast.expr]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(data.prepare_command)))
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    arguments = function.args.args
    defaults = function.args.defaults
    return {
        a.arg: d for a, d in zip(arguments[len(arguments) - len(defaults) :], defaults, strict=True)
    }


@pytest.mark.parametrize("option", sorted(FROM_SETTINGS))
def test_prepare_option_default_is_read_from_the_settings_class(option: str) -> None:
    owner, field = FROM_SETTINGS[option]
    written = _written_defaults()[option]
    assert not isinstance(written, ast.Constant), (
        f"--{option.replace('_', '-')} restates {owner.__name__}.{field} as {written.value!r}"
    )
    default: Any = inspect.signature(data.prepare_command).parameters[option].default
    assert default == getattr(owner(), field)
