"""serving/service.py called directly: the guardrail from the serving stack (moto), a deployment
plan priced before anything is created."""

from __future__ import annotations

import pytest

from deployment.contract import INVOKE_GUARDRAIL_ID_OUTPUT, INVOKE_GUARDRAIL_VERSION_OUTPUT
from deployment.settings import settings_for_stage
from pipelines.deployment_outputs import Deployment, DeploymentOutputError
from pipelines.serving.service import Guardrail, plan_model_deployment, stage_guardrail
from tests.deployed_stacks import aws, deploy_outputs  # noqa: F401 - the moto fixture

pytestmark = pytest.mark.usefixtures("aws")
SETTINGS = settings_for_stage("dev")
CUSTOM = "arn:aws:bedrock:us-east-1:123456789012:custom-model/titan/abc123"


def test_the_guardrail_comes_from_the_serving_stack() -> None:
    outputs = {INVOKE_GUARDRAIL_ID_OUTPUT: "gr-1", INVOKE_GUARDRAIL_VERSION_OUTPUT: "3"}
    deploy_outputs(SETTINGS, "serving", outputs)
    assert stage_guardrail(Deployment.of(SETTINGS)) == Guardrail("gr-1", "3")


def test_a_serving_stack_without_guardrail_outputs_names_the_options_to_pass() -> None:
    deploy_outputs(SETTINGS, "serving", {"Other": "x"})
    with pytest.raises(DeploymentOutputError, match="--guardrail and --guardrail-version"):
        stage_guardrail(Deployment.of(SETTINGS))


def test_a_given_guardrail_reads_no_stack() -> None:
    assert stage_guardrail(Deployment.of(SETTINGS), "gr-9", "1") == Guardrail("gr-9", "1")


def test_a_provisioned_plan_is_priced_per_model_unit_without_aws_calls() -> None:
    deployment = Deployment.of(SETTINGS)
    object.__setattr__(deployment, "client", lambda service: _NoCalls())
    one = plan_model_deployment(deployment, CUSTOM, "support-v3", "provisioned", 1)
    two = plan_model_deployment(deployment, CUSTOM, "support-v3", "provisioned", 2)
    assert one.request == {"provisionedModelName": "support-v3", "modelId": CUSTOM, "modelUnits": 1}
    assert two.usd_per_hour == pytest.approx(2 * one.usd_per_hour) and one.usd_per_hour > 0


class _NoCalls:
    def __getattr__(self, name: str) -> None:
        raise AssertionError(f"AWS call {name} made")
