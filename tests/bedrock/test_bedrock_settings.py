"""settings.bedrock: bad values fail with one line naming the key."""

from __future__ import annotations

from typing import Any

import pytest

from deployment.settings import SettingsError, load_settings, read_cdk_json_context


def _with_bedrock(**bedrock: Any) -> dict[str, Any]:
    context = read_cdk_json_context()
    context["fmops"] = {
        **context["fmops"],
        "bedrock": {**context["fmops"].get("bedrock", {}), **bedrock},
    }
    return context


def test_zero_concurrent_jobs_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"settings\.bedrock\.max_concurrent_jobs = 0"):
        load_settings(_with_bedrock(max_concurrent_jobs=0))


def test_denied_topic_definition_over_the_api_limit_is_refused() -> None:
    topic = {"name": "Too long", "definition": "x" * 201}
    with pytest.raises(SettingsError, match=r"denied_topics\.legal\.0\.definition"):
        load_settings(_with_bedrock(denied_topics={"legal": [topic]}))


def test_use_case_without_topics_is_refused() -> None:
    with pytest.raises(SettingsError, match="needs 1 to 30 topics"):
        load_settings(_with_bedrock(denied_topics={"legal": []}))
