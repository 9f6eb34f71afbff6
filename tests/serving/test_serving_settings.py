"""serving.* settings: the guardrail invokers must use has to exist."""

from __future__ import annotations

import pytest

from deployment.settings import SettingsError, settings_for_stage


def test_unknown_guardrail_use_case_fails_with_one_line_naming_the_allowed_ones() -> None:
    with pytest.raises(SettingsError) as caught:
        settings_for_stage(overrides={"serving": {"guardrail_use_case": "retail"}})
    assert str(caught.value) == (
        "settings.serving.guardrail_use_case = 'retail': no guardrail for it in "
        "bedrock.denied_topics (allowed: healthcare, legal, support)"
    )


def test_invoke_guardrail_defaults_to_the_first_use_case_and_follows_the_setting() -> None:
    assert settings_for_stage().invoke_guardrail == "healthcare"
    chosen = settings_for_stage(overrides={"serving": {"guardrail_use_case": "legal"}})
    assert chosen.invoke_guardrail == "legal"
