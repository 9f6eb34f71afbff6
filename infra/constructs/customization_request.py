"""How one Bedrock customization request is rendered from the execution input.

aws-cdk-lib's `BedrockCreateModelCustomizationJob` wants a base model, a VPC config and fixed
parameters at synth time; the workflow (customization_workflow.py) renders the task once per
request shape with these placeholders and then rewrites its Parameters with `input_driven`.
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_stepfunctions_tasks as tasks

# Request shapes: one rendered create task each, chosen by a Choice on the execution input.
SHAPES = ("WithValidation", "WithoutValidation", "Distillation")
# Reinforcement fine-tuning: `rftConfig` with the stack's grader Lambda; rendered only where the
# workflow has a grader.
RFT_SHAPE = "ReinforcementFineTuning"


@jsii.implements(bedrock.IModel)
class AnyFoundationModel:
    """Base model placeholder: the real identifier comes from the execution input.

    Its ARN is what CDK puts in the caller's IAM policy, so it names foundation models only.
    """

    def __init__(self, arn: str) -> None:
        self._arn = arn

    @property
    def model_arn(self) -> str:
        return self._arn


@jsii.implements(tasks.IBedrockCreateModelCustomizationJobVpcConfig)
class JobVpc:
    def __init__(self, subnets: list[ec2.ISubnet], security_group: ec2.ISecurityGroup) -> None:
        self._subnets = subnets
        self._security_group = security_group

    @property
    def subnets(self) -> list[ec2.ISubnet]:
        return self._subnets

    @property
    def security_groups(self) -> list[ec2.ISecurityGroup]:
        return [self._security_group]


def create_state(shape: str) -> str:
    return f"Create job ({shape})"


def input_driven(
    parameters: dict[str, Any], shape: str, model_key_arn: str, grader_arn: str | None = None
) -> dict[str, Any]:
    """Replace the placeholders CDK rendered with values from the execution input.

    The RFT grader is the stack's own Lambda, never one named in the input: a job can only be
    graded by code this project deployed.
    """
    out = {
        k: v for k, v in parameters.items() if k not in ("BaseModelIdentifier", "CustomizationType")
    }
    # The task refuses an imported key (it wants to edit the key policy, which lives in the
    # data stack); the key policy already delegates to IAM, so the ARN is set here instead.
    out["CustomModelKmsKeyId"] = model_key_arn
    out["BaseModelIdentifier.$"] = "$.baseModelIdentifier"
    out["CustomizationType.$"] = "$.customizationType"
    out["TrainingDataConfig"] = {"S3Uri.$": "$.trainingDataS3Uri"}
    out.pop("ValidationDataConfig", None)
    if shape == "WithValidation":
        out["ValidationDataConfig"] = {"Validators": [{"S3Uri.$": "$.validationDataS3Uri"}]}
    if shape == "Distillation":
        out["CustomizationConfig"] = {
            "DistillationConfig": {
                "TeacherModelConfig": {
                    "TeacherModelIdentifier.$": "$.teacherModelIdentifier",
                    "MaxResponseLengthForInference.$": "$.maxResponseLengthForInference",
                }
            }
        }
    elif shape == RFT_SHAPE:
        # RFT's hyperparameters are a typed structure inside rftConfig, not the string map.
        out["CustomizationConfig"] = {
            "RftConfig": {
                "GraderConfig": {"LambdaGrader": {"LambdaArn": grader_arn}},
                "HyperParameters.$": "$.rftHyperParameters",
            }
        }
    else:
        out["HyperParameters.$"] = "$.hyperParameters"
    return out
