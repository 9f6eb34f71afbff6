"""Calls AWS services make as their own service principals into the stacks' resources (no role:
only the bucket, key and function policies authorize them), read from what configures them:
- S3 server access logging (`LoggingConfiguration` of a bucket): `logging.s3.amazonaws.com`
  puts log objects under the prefix, for the source bucket ("Permissions for log delivery", S3
  user guide, https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
- VPC flow logs to S3 (`AWS::EC2::FlowLog`): `delivery.logs.amazonaws.com` checks the bucket's
  ACL, lists it and puts objects under AWSLogs/<account>/ with bucket-owner-full-control ("Amazon
  S3 bucket permissions for flow logs", https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html).
- Bedrock model invocation logging (the Custom::AWS PutModelInvocationLoggingConfiguration):
  `bedrock.amazonaws.com` puts objects under keyPrefix/AWSLogs/<account>/ and encrypts them with
  the bucket's key ("Model invocation logging", Bedrock user guide).
- Reinforcement fine-tuning: Bedrock invokes the grader Lambda the stack exports (what `fmops
  bedrock submit` passes as rftConfig's lambdaArn), for a customization job of the account.
- S3 Vectors background indexing decrypts with the vector bucket's key as
  `indexing.s3vectors.amazonaws.com` ("Data protection and encryption in S3 Vectors").
"""

from __future__ import annotations

import json
from typing import Any

from deployment.contract import RFT_GRADER_OUTPUT
from infra.runtime_contract.evaluator import Call
from infra.runtime_contract.humans_calls import stack_outputs
from infra.runtime_contract.pipeline_calls import bucket_key
from infra.runtime_contract.templates import Assembly, StackTemplate

S3_LOGGING = "logging.s3.amazonaws.com"
LOG_DELIVERY = "delivery.logs.amazonaws.com"
BEDROCK = "bedrock.amazonaws.com"
S3_VECTORS_INDEXING = "indexing.s3vectors.amazonaws.com"


def _source(stack: StackTemplate, arn: str) -> dict[str, str]:
    return {"aws:SourceArn": arn, "aws:SourceAccount": stack.account}


def access_log_calls(unit: Assembly) -> list[Call]:
    calls = []
    for stack, lid, resource in unit.resources("AWS::S3::Bucket"):
        logging = stack.resolve(resource["Properties"].get("LoggingConfiguration"))
        if not logging or "DestinationBucketName" not in logging:
            continue
        source = stack.resolve({"Fn::GetAtt": [lid, "Arn"]})
        target = f"{logging['DestinationBucketName']}/{logging.get('LogFilePrefix', '')}log-0"
        calls.append(
            Call(
                S3_LOGGING,
                "s3:PutObject",
                f"arn:{stack.partition}:s3:::{target}",
                f"server access logs of {stack.name}/{lid}",
                context=_source(stack, source),
                label=f"S3 server access logging ({stack.name}/{lid})",
            )
        )
    return calls


def flow_log_calls(unit: Assembly) -> list[Call]:
    calls = []
    for stack, lid, resource in unit.resources("AWS::EC2::FlowLog"):
        props = stack.resolve(resource["Properties"])
        if props.get("LogDestinationType") != "s3":
            continue
        destination = str(props["LogDestination"]).rstrip("/")
        bucket = destination.split("/", 1)[0]
        context = _source(stack, f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:*")
        label = f"VPC flow log delivery ({stack.name}/{lid})"
        why = f"flow log {stack.name}/{lid}"
        obj = f"{destination}/AWSLogs/{stack.account}/vpcflowlogs/{stack.region}/log.gz"
        put = {**context, "s3:x-amz-acl": "bucket-owner-full-control"}
        calls.append(Call(LOG_DELIVERY, "s3:PutObject", obj, why, context=put, label=label))
        calls += [
            Call(LOG_DELIVERY, a, bucket, why, context=context, label=label)
            for a in ("s3:GetBucketAcl", "s3:ListBucket")
        ]
    return calls


def invocation_logging_calls(unit: Assembly) -> list[Call]:
    calls: list[Call] = []
    for stack, lid, resource in unit.resources("Custom::AWS"):
        create = json.loads(stack.resolve(resource["Properties"].get("Create", "{}")))
        if create.get("action") != "PutModelInvocationLoggingConfiguration":
            continue
        s3 = create["parameters"]["loggingConfig"].get("s3Config")
        if not s3:
            continue
        context = _source(stack, f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:*")
        label = f"Bedrock invocation logging ({stack.name}/{lid})"
        obj = (
            f"arn:{stack.partition}:s3:::{s3['bucketName']}/{s3['keyPrefix']}/AWSLogs/"
            f"{stack.account}/BedrockModelInvocationLogs/{stack.region}/log.json.gz"
        )
        why = "writes model invocation logs"
        calls.append(Call(BEDROCK, "s3:PutObject", obj, why, context=context, label=label))
        key = bucket_key(unit, s3["bucketName"])
        if key:
            calls.append(
                Call(BEDROCK, "kms:GenerateDataKey", key, why, context=context, label=label)
            )
    return calls


def grader_invoke_calls(unit: Assembly) -> list[Call]:
    outputs = stack_outputs(unit)
    if RFT_GRADER_OUTPUT not in outputs:
        return []
    stack, function = outputs[RFT_GRADER_OUTPUT]
    job = f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:model-customization-job/j"
    return [
        Call(
            BEDROCK,
            "lambda:InvokeFunction",
            function,
            "a reinforcement fine-tuning job grades a response",
            context=_source(stack, job),
            label=f"Bedrock RFT grading ({stack.name})",
        )
    ]


def vector_indexing_calls(unit: Assembly) -> list[Call]:
    calls = []
    for stack, lid, resource in unit.resources("AWS::S3Vectors::VectorBucket"):
        encryption: dict[str, Any] = stack.resolve(
            resource["Properties"].get("EncryptionConfiguration", {})
        )
        key = encryption.get("KmsKeyArn")
        if not key:
            continue
        bucket = stack.resolve({"Fn::GetAtt": [lid, "VectorBucketArn"]})
        calls.append(
            Call(
                S3_VECTORS_INDEXING,
                "kms:Decrypt",
                key,
                f"indexes vectors of {stack.name}/{lid}",
                context=_source(stack, bucket),
                label=f"S3 Vectors indexing ({stack.name}/{lid})",
            )
        )
    return calls


def service_principal_calls(unit: Assembly) -> list[Call]:
    return (
        access_log_calls(unit)
        + flow_log_calls(unit)
        + invocation_logging_calls(unit)
        + grader_invoke_calls(unit)
        + vector_indexing_calls(unit)
    )
