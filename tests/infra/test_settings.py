"""Settings load from cdk.json, apply stage overrides, and fail with one actionable line."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

from deployment.settings import (
    SettingsError,
    load_settings,
    read_cdk_json_context,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def context() -> dict:
    return copy.deepcopy(read_cdk_json_context())


def test_default_stage_is_dev_with_its_overrides(context: dict) -> None:
    settings = load_settings(context)
    assert settings.stage == "dev"
    assert settings.training.instance_count == 1
    assert settings.name == "fmops-dev"


def test_prod_stage_overrides_shared_values(context: dict) -> None:
    context["stage"] = "prod"
    # A shared value in the section prod overrides too (cdk.json may not set one: defaults).
    context["fmops"].setdefault("network", {})["cidr"] = "10.50.0.0/16"
    settings = load_settings(context)
    assert settings.network.az_count == 3
    assert settings.evaluation.max_hallucination_rate == 0.05
    # Untouched shared values survive the deep merge.
    assert settings.network.cidr == "10.50.0.0/16"


def test_synth_without_account_or_region_is_environment_agnostic(context: dict) -> None:
    # Whatever cdk.json pins (README's accounts per stage), take the pins out for this check.
    context["fmops"].pop("delivery", None)
    for section in (context["fmops"], *context.get("fmops:stages", {}).values()):
        section.pop("account", None)
        section.pop("region", None)
    settings = load_settings(context)
    assert settings.account is None and settings.region is None


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        (
            "network",
            "az_count",
            0,
            "settings.network.az_count = 0: must be greater than or equal to 2",
        ),
        (
            "network",
            "az_count",
            9,
            "settings.network.az_count = 9: must be less than or equal to 6",
        ),
        (
            "network",
            "cidr",
            "8.8.0.0/16",
            "settings.network.cidr = '8.8.0.0/16': must be a private",
        ),
        (
            "data",
            "noncurrent_version_expiry_days",
            -5,
            "settings.data.noncurrent_version_expiry_days = -5: must be greater than or equal to 1",
        ),
        (
            "data",
            "raw_glacier_days",
            30,
            "settings.data.raw_glacier_days = 30: must be greater than or equal to 31",
        ),
        (
            "training",
            "instance_count",
            0,
            "settings.training.instance_count = 0: must be greater than or equal to 1",
        ),
        (
            "training",
            "instance_type",
            "p4d.24xlarge",
            "settings.training.instance_type = 'p4d.24xlarge': must match pattern",
        ),
    ],
)
def test_invalid_value_names_key_value_and_allowed_range(
    context: dict, section: str, key: str, value: object, expected: str
) -> None:
    context["fmops:stages"]["dev"].setdefault(section, {})[key] = value
    with pytest.raises(SettingsError) as excinfo:
        load_settings(context)
    message = str(excinfo.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_glacier_transition_must_follow_infrequent_access(context: dict) -> None:
    context["fmops"].setdefault("data", {}).update(
        raw_infrequent_access_days=120, raw_glacier_days=100
    )
    with pytest.raises(
        SettingsError,
        match=r"raw_glacier_days = 100: must be greater than "
        r"raw_infrequent_access_days \(120\)",
    ):
        load_settings(context)


def test_unknown_stage_lists_the_defined_stages(context: dict) -> None:
    context["stage"] = "qa"
    with pytest.raises(
        SettingsError, match=r"^stage = 'qa': unknown stage \(allowed: dev, prod\)$"
    ):
        load_settings(context)


def test_misspelled_key_is_refused_with_the_allowed_keys(context: dict) -> None:
    context["fmops"].setdefault("network", {})["az_cont"] = 3
    with pytest.raises(
        SettingsError,
        match=r"settings.network.az_cont: unknown key \(allowed: "
        r"availability_zones, az_count, cidr\)",
    ):
        load_settings(context)


def test_stage_override_is_validated_too(context: dict) -> None:
    context["fmops:stages"]["prod"]["network"] = {"az_count": 1}
    context["stage"] = "prod"
    with pytest.raises(SettingsError, match=r"settings\.network\.az_count = 1"):
        load_settings(context)


def test_app_py_prints_one_line_and_exits_non_zero_on_bad_stage(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "CDK_CONTEXT_JSON": '{"stage": "qa"}',
            "CDK_OUTDIR": str(tmp_path),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: stage = 'qa': unknown stage (allowed: dev, prod)"
    ]
