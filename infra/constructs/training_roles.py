"""Least-privilege roles for the SageMaker training pipeline.

Two roles, so that what runs the containers cannot start jobs and what starts jobs cannot read
the data: `job_role` is assumed by processing/training jobs, `pipeline_role` by SageMaker
Pipelines to create those jobs and register the model.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from deployment.contract import BASE_MODELS_PREFIX, PIPELINE_RUNS_PREFIX
from infra.constructs.secure_bucket import SecureBucket
from infra.nag import justify_wildcards

SAGEMAKER = "sagemaker.amazonaws.com"


class TrainingRoles(Construct):
    """Execution role for jobs and service role for the pipeline."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job_role_name: str,
        pipeline_role_name: str,
        key: kms.IKey,
        curated_bucket: SecureBucket,
        artifacts_bucket: SecureBucket,
        image: ecr_assets.DockerImageAsset,
        vpc: ec2.IVpc,
        model_package_group_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        same_account = {"StringEquals": {"aws:SourceAccount": stack.account}}

        self.job_role = iam.Role(
            self,
            "JobRole",
            role_name=job_role_name,
            assumed_by=iam.ServicePrincipal(SAGEMAKER, conditions=same_account),
            description="Assumed by the pipeline's processing and training jobs",
        )
        runs = artifacts_bucket.arn_in(self, f"{PIPELINE_RUNS_PREFIX}*")
        # Managed (not inline) policies with explicit actions: HIPAA/NIST packs reject inline
        # policies, and grant_* helpers add action wildcards (s3:GetObject*, kms:ReEncrypt*).
        job_policy = iam.ManagedPolicy(
            self,
            "JobPolicy",
            roles=[self.job_role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadData",
                    actions=["s3:GetObject"],
                    resources=[
                        curated_bucket.arn_in(self, "*"),
                        artifacts_bucket.arn_in(self, f"{BASE_MODELS_PREFIX}*"),
                    ],
                ),
                iam.PolicyStatement(
                    sid="WriteRunOutputs",
                    resources=[runs],
                    actions=["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                ),
                iam.PolicyStatement(
                    sid="ListData",
                    actions=["s3:ListBucket"],
                    resources=[curated_bucket.arn_in(self), artifacts_bucket.arn_in(self)],
                ),
                iam.PolicyStatement(
                    sid="UseDataKey",
                    resources=[key.key_arn],
                    actions=[
                        "kms:Decrypt",
                        "kms:Encrypt",
                        "kms:GenerateDataKey",
                        "kms:DescribeKey",
                        "kms:CreateGrant",
                    ],
                ),
                iam.PolicyStatement(
                    sid="PullImage",
                    resources=[image.repository.repository_arn],
                    actions=[
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchCheckLayerAvailability",
                    ],
                ),
                iam.PolicyStatement(
                    sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]
                ),
                iam.PolicyStatement(
                    sid="JobLogs",
                    actions=[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    resources=[
                        stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="/aws/sagemaker/*",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                ),
                iam.PolicyStatement(
                    sid="JobMetrics",
                    actions=["cloudwatch:PutMetricData"],
                    resources=["*"],
                    conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
                ),
                # VPC jobs attach ENIs in our subnets; EC2 Describe* calls take no resource.
                iam.PolicyStatement(
                    sid="VpcDescribe",
                    resources=["*"],
                    actions=[
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeVpcs",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeDhcpOptions",
                    ],
                ),
                iam.PolicyStatement(
                    sid="VpcInterfaces",
                    resources=["*"],
                    actions=[
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateNetworkInterfacePermission",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission",
                    ],
                    conditions={
                        "ArnEquals": {
                            "ec2:Vpc": stack.format_arn(
                                service="ec2", resource="vpc", resource_name=vpc.vpc_id
                            )
                        }
                    },
                ),
            ],
        )
        justify_wildcards(
            job_policy,
            ["Resource::*", "/*", "log-group:/aws/sagemaker/*"],
            "Object wildcards stay inside this project's buckets and prefixes; log groups under "
            "/aws/sagemaker/ only; EC2 Describe*, ECR login and namespace-conditioned "
            "PutMetricData accept no resource ARN; ENI calls are conditioned on our VPC.",
        )

        self.pipeline_role = iam.Role(
            self,
            "PipelineRole",
            role_name=pipeline_role_name,
            assumed_by=iam.ServicePrincipal(SAGEMAKER, conditions=same_account),
            description="Assumed by SageMaker Pipelines to run the training pipeline's steps",
        )
        group = model_package_group_name
        pipeline_policy = iam.ManagedPolicy(
            self,
            "PipelinePolicy",
            roles=[self.pipeline_role],
            statements=[
                iam.PolicyStatement(
                    sid="RunJobs",
                    actions=[
                        "sagemaker:CreateProcessingJob",
                        "sagemaker:DescribeProcessingJob",
                        "sagemaker:StopProcessingJob",
                        "sagemaker:CreateTrainingJob",
                        "sagemaker:DescribeTrainingJob",
                        "sagemaker:StopTrainingJob",
                        "sagemaker:AddTags",
                    ],
                    resources=[
                        stack.format_arn(service="sagemaker", resource=kind, resource_name="*")
                        for kind in ("processing-job", "training-job")
                    ],
                ),
                iam.PolicyStatement(
                    sid="RegisterModel",
                    actions=[
                        "sagemaker:CreateModelPackage",
                        "sagemaker:DescribeModelPackage",
                        "sagemaker:AddTags",
                    ],
                    resources=[
                        stack.format_arn(
                            service="sagemaker", resource="model-package-group", resource_name=group
                        ),
                        stack.format_arn(
                            service="sagemaker",
                            resource="model-package",
                            resource_name=f"{group}/*",
                        ),
                    ],
                ),
                iam.PolicyStatement(
                    sid="PassJobRole",
                    actions=["iam:PassRole"],
                    resources=[self.job_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER}},
                ),
                # The gate's JsonGet reads evaluation.json as this role.
                iam.PolicyStatement(
                    sid="ReadEvaluation", actions=["s3:GetObject"], resources=[runs]
                ),
                iam.PolicyStatement(
                    sid="DecryptEvaluation", actions=["kms:Decrypt"], resources=[key.key_arn]
                ),
            ],
        )
        justify_wildcards(
            pipeline_policy,
            [
                "processing-job/*",
                "training-job/*",
                f"model-package/{group}/*",
                f"/{PIPELINE_RUNS_PREFIX}*",
            ],
            "SageMaker Pipelines names each job at run time, so job ARNs end in *; model "
            "packages are limited to this project's group and objects to pipeline-runs/.",
        )
