"""feedback/cloud.py called directly: the labeling job's deployment comes from the humans and
data stacks of the stage (moto CloudFormation), a missing output is named."""

from __future__ import annotations

import pytest

from deployment import contract
from deployment.settings import settings_for_stage
from pipelines.deployment_outputs import Deployment, DeploymentOutputError
from pipelines.feedback.cloud import humans_deployment
from pipelines.feedback.labeling import HumansDeployment
from tests.deployed_stacks import aws, deploy_outputs  # noqa: F401 - the moto fixture

pytestmark = pytest.mark.usefixtures("aws")
SETTINGS = settings_for_stage("dev")
HUMANS = {
    contract.WORKTEAM_OUTPUT: "team",
    contract.LABELING_ROLE_OUTPUT: "role",
    contract.PRE_ANNOTATION_OUTPUT: "pre",
    contract.CONSOLIDATION_OUTPUT: "cons",
}
DATA = {contract.ARTIFACTS_BUCKET_OUTPUT: "bucket", contract.DATA_KEY_OUTPUT: "key"}


def test_the_labeling_deployment_joins_the_humans_and_data_stacks() -> None:
    deploy_outputs(SETTINGS, "humans", HUMANS)
    deploy_outputs(SETTINGS, "data", DATA)
    found = humans_deployment(Deployment.of(SETTINGS))
    assert found == HumansDeployment("team", "role", "pre", "cons", "bucket", "key")


def test_a_humans_stack_without_the_workteam_output_is_named() -> None:
    deploy_outputs(
        SETTINGS, "humans", {k: v for k, v in HUMANS.items() if k != contract.WORKTEAM_OUTPUT}
    )
    deploy_outputs(SETTINGS, "data", DATA)
    name = contract.stack_name(SETTINGS, "humans")
    with pytest.raises(
        DeploymentOutputError, match=f"{name} .* has no output {contract.WORKTEAM_OUTPUT}"
    ):
        humans_deployment(Deployment.of(SETTINGS))
