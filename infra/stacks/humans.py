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
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct

from deployment.contract import (
    CONSOLIDATION_OUTPUT,
    LABELING_ROLE_OUTPUT,
    PRE_ANNOTATION_OUTPUT,
    WORKTEAM_OUTPUT,
)
from deployment.settings import Settings
from infra.constructs.secure_bucket import SecureBucket
from infra.nag import acknowledge, justify_wildcards

LAMBDA_CODE = Path(__file__).resolve().parent.parent / "lambdas" / "ground_truth"
SAGEMAKER = "sagemaker.amazonaws.com"
# The construct id aws-cdk-lib gives AwsCustomResource's singleton provider function.
AWS_CUSTOM_RESOURCE_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287"
# A Lambda in a VPC manages its network interfaces (AWSLambdaVPCAccessExecutionRole's actions);
# they support no resource-level permissions.
ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]
PROVIDER_ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
]


class HumansStack(cdk.Stack):
    """Workforce, workteam, labeling role and the two custom-workflow Lambdas."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: kms.IKey,
        artifacts_bucket: SecureBucket,
        vpc: ec2.IVpc,
        subnets: ec2.SelectedSubnets,
        security_group: ec2.ISecurityGroup,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cfg = settings.feedback
        name = settings.name
        same_account = {"StringEquals": {"aws:SourceAccount": self.account}}
        tasks = artifacts_bucket.arn_in(self, f"{cfg.task_prefix}*")
        outputs = artifacts_bucket.arn_in(self, f"{cfg.output_prefix}*")
        via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{self.region}.amazonaws.com"}}

        dead_letters = sqs.Queue(
            self,
            "LambdaDeadLetters",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            dead_letters,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of the Ground Truth Lambdas; a "
            "dead-letter queue for it would only move the same failed events once more.",
        )
        function_role = iam.Role(
            self,
            "FunctionRole",
            role_name=f"{name}-gt-functions",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com", conditions=same_account),
            description="Ground Truth pre-annotation and consolidation Lambdas",
        )
        self.functions: dict[str, lambda_.Function] = {}
        for label, module in (
            ("PreAnnotation", "pre_annotation"),
            ("Consolidation", "consolidation"),
        ):
            log_group = logs.LogGroup(
                self,
                f"{label}Logs",
                log_group_name=f"/aws/lambda/{name}-gt-{module.replace('_', '-')}",
                retention=logs.RetentionDays.ONE_YEAR,
                encryption_key=key,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            self.functions[module] = lambda_.Function(
                self,
                label,
                function_name=f"{name}-gt-{module.replace('_', '-')}",
                runtime=lambda_.Runtime.PYTHON_3_14,
                handler=f"{module}.handler",
                code=lambda_.Code.from_asset(str(LAMBDA_CODE), exclude=["__pycache__", "*.pyc"]),
                # Immutable: CDK's own grants (DLQ, X-Ray) would land in an inline policy; the
                # managed policy below carries them explicitly.
                role=function_role.without_policy_updates(),
                timeout=cdk.Duration.seconds(60),
                memory_size=256,
                vpc=vpc,
                vpc_subnets=ec2.SubnetSelection(subnets=subnets.subnets),
                security_groups=[security_group],
                dead_letter_queue=dead_letters,
                reserved_concurrent_executions=10,
                log_group=log_group,
                tracing=lambda_.Tracing.ACTIVE,
            )
        function_logs = (
            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:"
            f"/aws/lambda/{name}-gt-*:*"
        )
        function_policy = iam.ManagedPolicy(
            self,
            "FunctionPolicy",
            roles=[function_role],
            statements=[
                # Ground Truth writes each consolidation request under the job's output path.
                iam.PolicyStatement(
                    sid="ReadConsolidationRequests", actions=["s3:GetObject"], resources=[outputs]
                ),
                iam.PolicyStatement(
                    sid="UseDataKeyThroughS3",
                    actions=["kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions=via_s3,
                ),
                iam.PolicyStatement(
                    sid="DeadLetters",
                    actions=["sqs:SendMessage"],
                    resources=[dead_letters.queue_arn],
                ),
                iam.PolicyStatement(
                    sid="DeadLetterKey",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"sqs.{self.region}.amazonaws.com"}
                    },
                ),
                iam.PolicyStatement(
                    sid="Logs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[function_logs],
                ),
                iam.PolicyStatement(
                    sid="Tracing",
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    resources=["*"],
                ),
                # Lambda in a VPC: ENI management (AWSLambdaVPCAccessExecutionRole's actions).
                iam.PolicyStatement(
                    sid="VpcNetworkInterfaces", actions=ENI_ACTIONS, resources=["*"]
                ),
            ],
        )
        justify_wildcards(
            function_policy,
            [
                ("s3:GetObject", outputs),
                (["logs:CreateLogStream", "logs:PutLogEvents"], function_logs),
                (["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"),
                (ENI_ACTIONS, "*"),
            ],
            "X-Ray segments and VPC network-interface actions support no resource-level "
            "permissions; the functions read only the Ground Truth output prefix and write only "
            "their own log groups.",
        )

        self.labeling_role = iam.Role(
            self,
            "LabelingRole",
            role_name=f"{name}-gt-labeling",
            assumed_by=iam.ServicePrincipal(SAGEMAKER, conditions=same_account),
            description="Assumed by Ground Truth labeling jobs started by fmops feedback start",
        )
        labeling_policy = iam.ManagedPolicy(
            self,
            "LabelingPolicy",
            roles=[self.labeling_role],
            statements=[
                iam.PolicyStatement(sid="ReadTasks", actions=["s3:GetObject"], resources=[tasks]),
                iam.PolicyStatement(
                    sid="WriteResults",
                    actions=["s3:GetObject", "s3:PutObject"],
                    resources=[outputs],
                ),
                iam.PolicyStatement(
                    sid="ListTaskAndOutputPrefixes",
                    actions=["s3:ListBucket"],
                    resources=[artifacts_bucket.arn_in(self)],
                    conditions={
                        "StringLike": {
                            "s3:prefix": [f"{cfg.task_prefix}*", f"{cfg.output_prefix}*"]
                        }
                    },
                ),
                iam.PolicyStatement(
                    sid="UseDataKeyThroughS3",
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[key.key_arn],
                    conditions=via_s3,
                ),
                iam.PolicyStatement(
                    sid="InvokeWorkflowFunctions",
                    actions=["lambda:InvokeFunction"],
                    resources=[f.function_arn for f in self.functions.values()],
                ),
            ],
        )
        justify_wildcards(
            labeling_policy,
            [("s3:GetObject", tasks), (["s3:GetObject", "s3:PutObject"], outputs)],
            "Labeling jobs read task manifests under the task prefix and write results under "
            "the output prefix; object names are chosen per job at run time.",
        )

        self.workteam_arn = cfg.workteam_arn or self._private_workteam(name, vpc, subnets)

        cdk.CfnOutput(self, WORKTEAM_OUTPUT, value=self.workteam_arn)
        cdk.CfnOutput(self, LABELING_ROLE_OUTPUT, value=self.labeling_role.role_arn)
        cdk.CfnOutput(
            self, PRE_ANNOTATION_OUTPUT, value=self.functions["pre_annotation"].function_arn
        )
        cdk.CfnOutput(
            self, CONSOLIDATION_OUTPUT, value=self.functions["consolidation"].function_arn
        )

    def _private_workteam(self, name: str, vpc: ec2.IVpc, subnets: ec2.SelectedSubnets) -> str:
        """A Cognito-backed private workforce (MFA required) and the stage's workteam on it."""
        self.user_pool = cognito.UserPool(
            self,
            "Labelers",
            user_pool_name=f"{name}-labelers",
            self_sign_up_enabled=False,  # workers are invited, never self-registered
            sign_in_aliases=cognito.SignInAliases(email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # The labeling portal signs workers in through the pool's hosted domain and app client.
        self.user_pool.add_domain(
            "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"{name}-labelers")
        )
        client = self.user_pool.add_client(
            "LabelingPortal",
            generate_secret=True,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
            ),
        )
        group = cognito.CfnUserPoolGroup(
            self,
            "LabelersGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=f"{name}-labelers",
            description="Workers of this stage's Ground Truth workteam",
        )
        workforce_name = f"{name}-workforce"
        provider_role = iam.Role(
            self,
            "WorkforceProviderRole",
            assumed_by=iam.ServicePrincipal(
                "lambda.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            ),
            description="Creates and deletes the stage's Ground Truth private workforce",
        )
        lambda_logs = (
            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:/aws/lambda/*"
        )
        provider_policy = iam.ManagedPolicy(
            self,
            "WorkforceProviderPolicy",
            roles=[provider_role],
            statements=[
                iam.PolicyStatement(
                    actions=["sagemaker:CreateWorkforce", "sagemaker:DeleteWorkforce"],
                    resources=[
                        f"arn:{self.partition}:sagemaker:{self.region}:{self.account}:"
                        f"workforce/{workforce_name}"
                    ],
                ),
                # CreateWorkforce configures the pool and client it is given.
                iam.PolicyStatement(
                    actions=[
                        "cognito-idp:DescribeUserPool",
                        "cognito-idp:DescribeUserPoolClient",
                        "cognito-idp:UpdateUserPool",
                        "cognito-idp:UpdateUserPoolClient",
                    ],
                    resources=[self.user_pool.user_pool_arn],
                ),
                iam.PolicyStatement(
                    actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[lambda_logs],
                ),
                iam.PolicyStatement(actions=PROVIDER_ENI_ACTIONS, resources=["*"]),
            ],
        )
        justify_wildcards(
            provider_policy,
            [
                (["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], lambda_logs),
                (PROVIDER_ENI_ACTIONS, "*"),
            ],
            "CDK names the provider function at deploy time, so its log group is known only as "
            "/aws/lambda/*; VPC network-interface actions support no resource-level permissions.",
        )
        workforce = cr.AwsCustomResource(
            self,
            "Workforce",
            on_create=cr.AwsSdkCall(
                service="SageMaker",
                action="createWorkforce",
                parameters={
                    "WorkforceName": workforce_name,
                    "CognitoConfig": {
                        "UserPool": self.user_pool.user_pool_id,
                        "ClientId": client.user_pool_client_id,
                    },
                },
                physical_resource_id=cr.PhysicalResourceId.of(workforce_name),
            ),
            on_delete=cr.AwsSdkCall(
                service="SageMaker",
                action="deleteWorkforce",
                parameters={"WorkforceName": workforce_name},
            ),
            role=provider_role.without_policy_updates(),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnets=subnets.subnets),
            install_latest_aws_sdk=False,
        )
        # AwsCustomResource's provider is one singleton function per stack, named by CDK.
        provider = self.node.find_child(AWS_CUSTOM_RESOURCE_PROVIDER_ID)
        acknowledge(
            provider,
            [
                "HIPAA.Security-LambdaConcurrency",
                "NIST.800.53.R5-LambdaConcurrency",
                "HIPAA.Security-LambdaDLQ",
                "NIST.800.53.R5-LambdaDLQ",
            ],
            "CloudFormation invokes this provider synchronously, once per create or delete of "
            "the workforce, and reports a failure on the stack itself: there is no event to "
            "queue and no concurrency to cap.",
        )
        workteam = sagemaker.CfnWorkteam(
            self,
            "Workteam",
            workteam_name=f"{name}-labelers",
            workforce_name=workforce_name,
            description=f"{name}: safety rankings and hallucination audits",
            member_definitions=[
                sagemaker.CfnWorkteam.MemberDefinitionProperty(
                    cognito_member_definition=sagemaker.CfnWorkteam.CognitoMemberDefinitionProperty(
                        cognito_user_pool=self.user_pool.user_pool_id,
                        cognito_client_id=client.user_pool_client_id,
                        cognito_user_group=group.group_name or f"{name}-labelers",
                    )
                )
            ],
        )
        workteam.node.add_dependency(workforce)
        workteam.node.add_dependency(group)
        return workteam.attr_workteam_arn
