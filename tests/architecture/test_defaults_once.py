"""A default lives in one settings class: cdk.json carries only what differs from it."""

from __future__ import annotations

from collections.abc import Mapping

from deployment.settings import (
    CDK_JSON,
    SETTINGS_KEY,
    STAGES_KEY,
    Settings,
    load_settings,
    read_cdk_json_context,
)


def restated(
    values: Mapping[str, object], defaults: Mapping[str, object], at: str = ""
) -> list[str]:
    """Keys of `values` (nested objects walked) whose value equals the one in `defaults`."""
    found = []
    for key, value in values.items():
        if key not in defaults:
            continue
        where, default = f"{at}{key}", defaults[key]
        if isinstance(value, Mapping) and isinstance(default, Mapping):
            found += restated(value, default, f"{where}.")
        elif value == default:  # JSON numbers: 1 and 1.0 are the same value
            found.append(where)
    return found


def _json(settings: Settings) -> dict[str, object]:
    return settings.model_dump(mode="json")


def test_cdk_json_shared_values_differ_from_the_settings_defaults() -> None:
    context = read_cdk_json_context(CDK_JSON)
    shared = context.get(SETTINGS_KEY) or {}
    defaults = _json(Settings(stage="dev"))

    assert not restated(shared, defaults), f"{CDK_JSON.name} restates settings defaults"


def test_cdk_json_stage_overrides_change_their_stage() -> None:
    context = read_cdk_json_context(CDK_JSON)
    shared_only = {**context, STAGES_KEY: {name: {} for name in context.get(STAGES_KEY) or {}}}
    redundant = {}
    for stage, overrides in (context.get(STAGES_KEY) or {}).items():
        without = _json(load_settings({**shared_only, "stage": stage}))
        redundant[stage] = restated(overrides or {}, without)

    assert not any(redundant.values()), f"stage overrides equal to the shared value: {redundant}"


def test_restated_finds_a_default_and_ignores_a_change() -> None:
    defaults = _json(Settings(stage="dev"))
    minimum = defaults["evaluation"]["min_rouge_l"]  # type: ignore[index]

    found = restated({"evaluation": {"min_rouge_l": minimum, "min_bleu": 99.0}}, defaults)

    assert found == ["evaluation.min_rouge_l"]
