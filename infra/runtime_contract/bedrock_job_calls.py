"""The calls Bedrock makes as the role a state machine passes it (customization and import jobs),
read from the create task's Parameters: the S3 URIs it reads and writes, the key it encrypts the
model with, the VPC it attaches to, the teacher it invokes.

URIs the execution input supplies are those the CLI builds (`fmops bedrock submit` uploads under
the curated prefix; an import reads the registered model under pipeline-runs/), in the bucket
the deployment contract's stack outputs name.
"""

from __future__ import annotations

import json
from typing import Any

from deployment.contract import (
    ARTIFACTS_BUCKET_OUTPUT,
    CURATED_BUCKET_OUTPUT,
    PIPELINE_RUNS_PREFIX,
)
from deployment.settings import Settings
from infra.runtime_contract.evaluator import Call
from infra.runtime_contract.pipeline_calls import EXECUTION_ID
from infra.runtime_contract.state_machine_calls import CREATOR_KEY_ACTIONS, task_action, task_states
from infra.runtime_contract.templates import Assembly, StackTemplate

# "Protect your model customization jobs using a VPC" (Bedrock user guide,
# https://docs.aws.amazon.com/bedrock/latest/userguide/vpc-model-customization.html).
VPC_DESCRIBE = (
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)
ENI_CHANGES = (
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
# The job's role does with the key what its creator does ("Encryption of custom models").
MODEL_KEY_ACTIONS = CREATOR_KEY_ACTIONS
_JOB_RESOURCE = {
    "bedrock:CreateModelCustomizationJob": "model-customization-job",
    "bedrock:CreateModelImportJob": "model-import-job",
}


def _output(unit: Assembly, name: str) -> str:
    for stack in unit.stacks.values():
        if name in stack.template.get("Outputs", {}):
            return str(stack.resolve(stack.template["Outputs"][name]["Value"]))
    raise KeyError(f"no stack outputs {name}")


def execution_inputs(unit: Assembly, settings: Settings) -> dict[str, str]:
    """JSONPath of the execution input -> the value the CLI or the pipeline puts there."""
    curated = _output(unit, CURATED_BUCKET_OUTPUT)
    artifacts = _output(unit, ARTIFACTS_BUCKET_OUTPUT)
    upload = f"s3://{curated}/{settings.data.curated_prefix}bedrock/sample-job/0123456789ab"
    return {
        "$.trainingDataS3Uri": f"{upload}/train.jsonl",
        "$.validationDataS3Uri": f"{upload}/validation.jsonl",
        "$.package.modelUri": f"s3://{artifacts}/{PIPELINE_RUNS_PREFIX}{EXECUTION_ID}/Train/model/",
    }


def _uris(node: Any, inputs: dict[str, str], path: str = "") -> list[tuple[str, str]]:
    """(parameter path, URI) of every S3Uri in the Parameters, input-driven ones filled in."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key.removesuffix('.$')}"
            if key == "S3Uri":
                found.append((here, value))
            elif key == "S3Uri.$":
                found.append((here, inputs[value]))
            else:
                found += _uris(value, inputs, here)
    elif isinstance(node, list):
        for value in node:
            found += _uris(value, inputs, path)
    return found


class _Job:
    def __init__(
        self, unit: Assembly, stack: StackTemplate, role: str, why: str, vpc: bool
    ) -> None:
        self.unit, self.stack, self.role, self.why, self.vpc = unit, stack, role, why, vpc
        self.label = f"{role.rsplit('/', 1)[-1]} (Bedrock job)"
        self.calls: list[Call] = []

    def add(self, action: str, resource: str, **kw: Any) -> None:
        self.calls.append(Call(self.role, action, resource, self.why, label=self.label, **kw))

    def arn(self, service: str, resource: str) -> str:
        s = self.stack
        return f"arn:{s.partition}:{service}:{s.region}:{s.account}:{resource}"

    def s3(self, uri: str, write: bool) -> None:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        prefix = key if key.endswith("/") else key.rsplit("/", 1)[0] + "/"
        name = key + "part-0" if key.endswith("/") else key
        obj = f"arn:{self.stack.partition}:s3:::{bucket}/{name}"
        self.add(
            "s3:ListBucket",
            f"arn:{self.stack.partition}:s3:::{bucket}",
            context={"s3:prefix": prefix},
            via_vpc=self.vpc,
        )
        self.add("s3:PutObject" if write else "s3:GetObject", obj, via_vpc=self.vpc)
        key_arn = _bucket_key(self.unit, bucket)
        if key_arn:
            via = {"kms:ViaService": f"s3.{self.stack.region}.amazonaws.com"}
            self.add("kms:GenerateDataKey" if write else "kms:Decrypt", key_arn, context=via)

    def network(self, vpc: dict[str, Any], job_arn: str) -> None:
        for action in VPC_DESCRIBE:
            self.add(action, "*")
        eni = self.arn("ec2", "network-interface/eni-0")
        subnet = self.arn("ec2", f"subnet/{vpc['SubnetIds'][0]}")
        tags = {
            "aws:RequestTag/BedrockManaged": "true",
            "aws:RequestTag/BedrockModelCustomizationJobArn": job_arn,
            "aws:TagKeys": ("BedrockManaged", "BedrockModelCustomizationJobArn"),
        }
        for resource in (
            eni,
            subnet,
            self.arn("ec2", f"security-group/{vpc['SecurityGroupIds'][0]}"),
        ):
            self.add("ec2:CreateNetworkInterface", resource, context=tags)
        self.add(
            "ec2:CreateTags", eni, context={**tags, "ec2:CreateAction": "CreateNetworkInterface"}
        )
        owned = {
            "ec2:Subnet": subnet,
            "ec2:ResourceTag/BedrockManaged": "true",
            "ec2:ResourceTag/BedrockModelCustomizationJobArn": job_arn,
        }
        for action in ENI_CHANGES:
            self.add(action, eni, context=owned)


def _bucket_key(unit: Assembly, bucket: str) -> str | None:
    for stack, lid, r in unit.resources("AWS::S3::Bucket"):
        if stack.resolve({"Ref": lid}) == bucket:
            for rule in (
                r["Properties"]
                .get("BucketEncryption", {})
                .get("ServerSideEncryptionConfiguration", [])
            ):
                key = rule["ServerSideEncryptionByDefault"].get("KMSMasterKeyID")
                if key:
                    return str(stack.resolve(key))
    return None


def _teachers(stack: StackTemplate, settings: Settings) -> list[str]:
    arns = []
    for model in settings.bedrock.teacher_models:
        geo, _, base = model.partition(".")
        if base and geo in ("us", "eu", "apac", "us-gov", "jp", "au", "ca", "global"):
            arns.append(
                f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:inference-profile/{model}"
            )
            arns.append(f"arn:{stack.partition}:bedrock:us-west-2::foundation-model/{base}")
        else:
            arns.append(f"arn:{stack.partition}:bedrock:{stack.region}::foundation-model/{model}")
    return arns


def bedrock_job_calls(unit: Assembly, settings: Settings) -> list[Call]:
    calls: list[Call] = []
    inputs = execution_inputs(unit, settings)
    for stack, _, resource in unit.resources("AWS::StepFunctions::StateMachine"):
        definition = json.loads(stack.resolve(resource["Properties"]["DefinitionString"]))
        for state, task in task_states(definition):
            action = task_action(task["Resource"])
            if action not in _JOB_RESOURCE:
                continue
            params = task.get("Parameters") or {}
            vpc = params.get("VpcConfig")
            job = _Job(
                unit, stack, params["RoleArn"], f"{_JOB_RESOURCE[action]} of {state!r}", bool(vpc)
            )
            job_arn = job.arn("bedrock", f"{_JOB_RESOURCE[action]}/sample-job")
            for path, uri in _uris(params, inputs):
                job.s3(uri, write=path.startswith(".OutputDataConfig"))
            for key_param in ("CustomModelKmsKeyId", "ImportedModelKmsKeyId"):
                if key_param in params:
                    for key_action in MODEL_KEY_ACTIONS:
                        job.add(key_action, params[key_param])
            if vpc:
                job.network(vpc, job_arn)
            # Reinforcement fine-tuning: the job's role invokes the grader Lambda ("Lambda
            # permissions for reward functions", Bedrock user guide).
            rft = (params.get("CustomizationConfig") or {}).get("RftConfig") or {}
            grader = ((rft.get("GraderConfig") or {}).get("LambdaGrader") or {}).get("LambdaArn")
            if grader:
                job.add("lambda:InvokeFunction", grader)
            if "Distillation" in state:  # the request shape that names a teacher
                for teacher in _teachers(stack, settings):
                    job.add("bedrock:InvokeModel", teacher)
            calls += job.calls
    return calls
