"""Humans in the loop: the Ground Truth workforce, labeling role and custom-workflow Lambdas.

`fmops feedback start` creates labeling jobs against what this stack deploys (its outputs):
- a private workteam: the one named in `feedback.workteam_arn`, or one created here on a private
  workforce backed by a Cognito user pool with MFA required (CloudFormation has no workforce
  resource, so `CreateWorkforce` runs as a custom resource; one private workforce per account and
  region — set `workteam_arn` where the account already has one);
- the labeling role Ground Truth assumes: reads only the task prefix, writes only the output
  prefix, uses the data key through S3, invokes only the two Lambdas;
- the pre-annotation Lambda (shows workers only the fields they judge) and the consolidation
  Lambda (keeps every worker's answer for the per-worker quality check), in the isolated VPC,
  with a KMS-encrypted dead-letter queue and log group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from deployment.contract import (
    CONSOLIDATION_OUTPUT,
    LABELING_ROLE_OUTPUT,
    PRE_ANNOTATION_OUTPUT,
    WORKTEAM_OUTPUT,
)
from deployment.platform_settings import FeedbackSettings
from infra.constructs.encrypted_log_group import encrypted_log_group
from infra.constructs.private_workforce import private_workteam
from infra.constructs.secure_bucket import SecureBucket
from infra.constructs.vpc_function import (
    LOG_ACTIONS,
    TRACING_ACTIONS,
    FunctionPlacement,
    VpcFunctionProps,
    dead_letter_queue,
    execution_statements,
    function_role,
    vpc_function,
)
from infra.nag import justify_wildcards, skip_checkov

LAMBDA_CODE = Path(__file__).resolve().parent.parent / "lambdas" / "ground_truth"
SAGEMAKER = "sagemaker.amazonaws.com"
# A Lambda in a VPC manages its network interfaces (AWSLambdaVPCAccessExecutionRole's actions);
# they support no resource-level permissions. (The grader's list, vpc_function.ENI_ACTIONS, has
# no DescribeSubnets: kept here until the runtime contract decides, so templates stay as they are.)
GT_ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]

LABELING_KEY_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
# Of those, what SageMaker calls as the role directly (the runtime contract found these denied
# while the whole list was conditioned on kms:ViaService s3).
LABELING_DIRECT_KEY = ["kms:Encrypt", "kms:DescribeKey"]
LABELING_LOG_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
]


class HumansStack(cdk.Stack):
    """Workforce, workteam, labeling role and the two custom-workflow Lambdas."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        feedback: FeedbackSettings,
        key: kms.IKey,
        artifacts_bucket: SecureBucket,
        vpc: ec2.IVpc,
        subnets: ec2.SelectedSubnets,
        security_group: ec2.ISecurityGroup,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._name, self._feedback, self._key = name, feedback, key
        self._bucket = artifacts_bucket
        self._tasks = artifacts_bucket.arn_in(self, f"{feedback.task_prefix}*")
        self._outputs = artifacts_bucket.arn_in(self, f"{feedback.output_prefix}*")
        self._via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{self.region}.amazonaws.com"}}
        dead_letters = dead_letter_queue(
            self,
            "LambdaDeadLetters",
            key=key,
            owner="dead-letter queue of the Ground Truth Lambdas",
        )
        function_role_ = function_role(
            self,
            "FunctionRole",
            description="Ground Truth pre-annotation and consolidation Lambdas",
        )
        self.functions = self._workflow_functions(
            function_role_, FunctionPlacement(vpc, subnets.subnets, security_group), dead_letters
        )
        self._function_policy(function_role_, dead_letters)
        self.labeling_role = iam.Role(
            self,
            "LabelingRole",
            assumed_by=iam.ServicePrincipal(
                SAGEMAKER, conditions={"StringEquals": {"aws:SourceAccount": self.account}}
            ),
            description="Assumed by Ground Truth labeling jobs started by fmops feedback start",
        )
        self._labeling_policy()
        self.workteam_arn = feedback.workteam_arn or private_workteam(self, name)
        self._outputs_for_the_cli()

    def _workflow_functions(
        self, role: iam.Role, placement: FunctionPlacement, dead_letters: sqs.IQueue
    ) -> dict[str, lambda_.Function]:
        """Pre-annotation and consolidation, each with its own encrypted log group."""
        # The functions' logs get a key of their own: the data key protects raw PHI and should
        # not name CloudWatch Logs in its policy.
        logs_key = kms.Key(
            self,
            "LogsKey",
            description=f"{self._name}: Ground Truth workflow Lambda logs",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        code = lambda_.Code.from_asset(str(LAMBDA_CODE), exclude=["__pycache__", "*.pyc"])
        functions: dict[str, lambda_.Function] = {}
        for label, module in (
            ("PreAnnotation", "pre_annotation"),
            ("Consolidation", "consolidation"),
        ):
            function_name = f"{self._name}-gt-{module.replace('_', '-')}"
            log_group = encrypted_log_group(
                self, f"{label}Logs", log_group_name=f"/aws/lambda/{function_name}", key=logs_key
            )
            functions[module] = vpc_function(
                self,
                label,
                VpcFunctionProps(function_name=function_name, handler=f"{module}.handler"),
                code=code,
                role=role,
                # No ingress, HTTPS to AWS endpoints only (not the training hosts' group).
                placement=placement,
                dead_letters=dead_letters,
                log_group=log_group,
            )
        return functions

    def _function_policy(self, role: iam.Role, dead_letters: sqs.IQueue) -> None:
        """The functions' immutable role's statements, in one managed policy they wait for."""
        function_logs = (
            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:"
            f"/aws/lambda/{self._name}-gt-*:*"
        )
        function_policy = iam.ManagedPolicy(
            self,
            "FunctionPolicy",
            roles=[role],
            statements=[
                # Ground Truth writes each consolidation request under the job's output path.
                iam.PolicyStatement(
                    sid="ReadConsolidationRequests",
                    actions=["s3:GetObject"],
                    resources=[self._outputs],
                ),
                iam.PolicyStatement(
                    sid="UseDataKeyThroughS3",
                    actions=["kms:Decrypt"],
                    resources=[self._key.key_arn],
                    conditions=self._via_s3,
                ),
                # Lambda in a VPC: ENI management (AWSLambdaVPCAccessExecutionRole's actions).
                *execution_statements(
                    dead_letters=dead_letters,
                    key=self._key,
                    log_streams=function_logs,
                    eni_actions=GT_ENI_ACTIONS,
                ),
            ],
        )
        skip_checkov(
            function_policy,
            "CKV_AWS_111",
            "Lambda manages a VPC function's network interfaces with its execution role: the "
            "ENI actions and X-Ray's PutTraceSegments take no resource ARN the function knows "
            "(AWSLambdaVPCAccessExecutionRole grants the same on *).",
        )
        # The role is immutable and its ENI permissions live in this managed policy: Lambda
        # checks them when the function is created, so each function must wait for it.
        for function in self.functions.values():
            function.node.add_dependency(function_policy)
        justify_wildcards(
            function_policy,
            [
                ("s3:GetObject", self._outputs),
                (LOG_ACTIONS, function_logs),
                (TRACING_ACTIONS, "*"),
                (GT_ENI_ACTIONS, "*"),
            ],
            "X-Ray segments and VPC network-interface actions support no resource-level "
            "permissions; the functions read only the Ground Truth output prefix and write only "
            "their own log groups.",
        )

    def _labeling_policy(self) -> None:
        """What Ground Truth does as the labeling role: the task and output prefixes only."""
        key = self._key
        labeling_logs = (
            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:"
            "/aws/sagemaker/LabelingJobs*"
        )
        labeling_policy = iam.ManagedPolicy(
            self,
            "LabelingPolicy",
            roles=[self.labeling_role],
            statements=[*self._s3_statements(), *self._service_statements(labeling_logs)],
        )
        justify_wildcards(
            labeling_policy,
            [
                ("s3:GetObject", self._tasks),
                (["s3:GetObject", "s3:PutObject"], self._outputs),
                (LABELING_LOG_ACTIONS, labeling_logs),
                ("cloudwatch:PutMetricData", "*"),
                *((action, key.key_arn) for action in LABELING_KEY_ACTIONS if "*" in action),
            ],
            "Labeling jobs read task manifests under the task prefix and write results under "
            "the output prefix (object names are chosen per job at run time); Ground Truth "
            "names its log streams per job; PutMetricData takes no resource; the key actions "
            "are the documented list for output encryption, usable through S3 only.",
        )

    def _s3_statements(self) -> list[iam.PolicyStatement]:
        """Read the task prefix, write the output prefix, list only those."""
        cfg, bucket = self._feedback, self._bucket
        return [
            iam.PolicyStatement(sid="ReadTasks", actions=["s3:GetObject"], resources=[self._tasks]),
            iam.PolicyStatement(
                sid="WriteResults",
                actions=["s3:GetObject", "s3:PutObject"],
                resources=[self._outputs],
            ),
            iam.PolicyStatement(
                sid="ListTaskAndOutputPrefixes",
                actions=["s3:ListBucket"],
                resources=[bucket.arn_in(self)],
                conditions={
                    "StringLike": {"s3:prefix": [f"{cfg.task_prefix}*", f"{cfg.output_prefix}*"]}
                },
            ),
            iam.PolicyStatement(
                sid="LocateBucket",
                actions=["s3:GetBucketLocation"],
                resources=[bucket.arn_in(self)],
            ),
        ]

    def _service_statements(self, labeling_logs: str) -> list[iam.PolicyStatement]:
        """The data key for output, the job's logs and metrics, the two workflow Lambdas."""
        key = self._key
        return [
            # OutputConfig.KmsKeyId is the data key: the actions "Encrypt Output Data and
            # Storage Volume with AWS KMS" lists (SageMaker developer guide,
            # https://docs.aws.amazon.com/sagemaker/latest/dg/sms-security-kms-permissions.html),
            # through S3 only.
            iam.PolicyStatement(
                sid="UseDataKeyThroughS3",
                actions=[a for a in LABELING_KEY_ACTIONS if a not in LABELING_DIRECT_KEY],
                resources=[key.key_arn],
                conditions=self._via_s3,
            ),
            # SageMaker checks the key and calls kms:Encrypt as the role itself, not
            # through S3 (LabelingJobOutputConfig.KmsKeyId, SageMaker API reference).
            iam.PolicyStatement(
                sid="UseOutputKey", actions=LABELING_DIRECT_KEY, resources=[key.key_arn]
            ),
            # Worker metrics and job status logs ("Create a SageMaker Execution Role for a
            # Ground Truth Labeling Job", https://docs.aws.amazon.com/sagemaker/latest/dg/
            # sms-security-permission-execution-role.html; the log group and namespace of
            # AmazonSageMakerGroundTruthExecution).
            iam.PolicyStatement(
                sid="LabelingJobLogs",
                actions=LABELING_LOG_ACTIONS,
                resources=[labeling_logs],
            ),
            iam.PolicyStatement(
                sid="LabelingJobMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="InvokeWorkflowFunctions",
                actions=["lambda:InvokeFunction"],
                resources=[f.function_arn for f in self.functions.values()],
            ),
        ]

    def _outputs_for_the_cli(self) -> None:
        """What `fmops feedback start` reads (names from deployment/contract.py)."""
        cdk.CfnOutput(self, WORKTEAM_OUTPUT, value=self.workteam_arn)
        cdk.CfnOutput(self, LABELING_ROLE_OUTPUT, value=self.labeling_role.role_arn)
        cdk.CfnOutput(
            self, PRE_ANNOTATION_OUTPUT, value=self.functions["pre_annotation"].function_arn
        )
        cdk.CfnOutput(
            self, CONSOLIDATION_OUTPUT, value=self.functions["consolidation"].function_arn
        )
