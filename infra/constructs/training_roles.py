"""Least-privilege roles for the SageMaker training pipeline.

Three roles, so that what runs the containers cannot start jobs, what starts jobs cannot read
the data, and only the prepare step can write curated data: `prepare_role` is assumed by the
prepare processing job (reads raw data and the PII salt, writes curated data; the curated
bucket policy denies writes to everyone else), `job_role` by the training and evaluation jobs,
`pipeline_role` by SageMaker Pipelines to create those jobs and register the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from deployment.contract import BASE_MODELS_PREFIX, PIPELINE_RUNS_PREFIX, regional_role_name
from deployment.settings import DataSettings
from infra.constructs.model_arns import InvocableModels
from infra.constructs.secure_bucket import SecureBucket
from infra.nag import justify_wildcards

SAGEMAKER = "sagemaker.amazonaws.com"


@dataclass(frozen=True)
class TrainingRolesProps:
    """The roles' names, where prepared data lives, and which model group the pipeline fills."""

    job_role_name: str
    pipeline_role_name: str
    prepare_role_name: str
    model_package_group_name: str
    curated_prefix: str = DataSettings().curated_prefix
    # The prepare role also reads back what it wrote: the one-instance reduce step reads the
    # shard outputs of a multi-instance prepare.
    reads_shards: bool = False


@dataclass(frozen=True)
class PipelineData:
    """The buckets, key and secret the pipeline's jobs work with."""

    key: kms.IKey
    raw_bucket: SecureBucket
    curated_bucket: SecureBucket
    artifacts_bucket: SecureBucket
    pii_salt: secretsmanager.ISecret


class TrainingRoles(Construct):
    """Execution role for jobs and service role for the pipeline."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: TrainingRolesProps,
        data: PipelineData,
        image: ecr_assets.DockerImageAsset,
        vpc: ec2.IVpc,
        judge_models: InvocableModels | None = None,
    ) -> None:
        """`judge_models`: the evaluation's LLM judge, which the job role may invoke."""
        super().__init__(scope, construct_id)
        self.props, self._data = props, data
        stack = cdk.Stack.of(self)
        self._container = _container_statements(stack, data.key, image, vpc)
        self._runs = data.artifacts_bucket.arn_in(self, f"{PIPELINE_RUNS_PREFIX}*")
        self._prepared = data.curated_bucket.arn_in(
            self, f"{props.curated_prefix}{PIPELINE_RUNS_PREFIX}*"
        )
        self.job_role = self._role(
            "JobRole",
            props.job_role_name,
            "Assumed by the pipeline's processing and training jobs",
        )
        self._job_policy(judge_models)
        self.prepare_role = self._role(
            "PrepareRole",
            props.prepare_role_name,
            "Assumed by the prepare step: the only writer of curated data",
        )
        self._prepare_policy()
        self.pipeline_role = self._role(
            "PipelineRole",
            props.pipeline_role_name,
            "Assumed by SageMaker Pipelines to run the training pipeline's steps",
        )
        self._pipeline_policy()

    def _role(self, construct_id: str, name: str, description: str) -> iam.Role:
        stack = cdk.Stack.of(self)
        return iam.Role(
            self,
            construct_id,
            role_name=regional_role_name(name, stack.region),
            assumed_by=iam.ServicePrincipal(
                SAGEMAKER, conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description=description,
        )

    def _job_policy(self, judge_models: InvocableModels | None) -> None:
        """Training and evaluation: read data and base models, write the run's outputs."""
        stack, curated, artifacts = (
            cdk.Stack.of(self),
            self._data.curated_bucket,
            self._data.artifacts_bucket,
        )
        runs = self._runs
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
                        curated.arn_in(self, "*"),
                        artifacts.arn_in(self, f"{BASE_MODELS_PREFIX}*"),
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
                    resources=[curated.arn_in(self), artifacts.arn_in(self)],
                ),
                *self._container,
            ],
        )
        judge_any_region = judge_models.any_region if judge_models else []
        if judge_models is not None and judge_models.arns:
            # evaluate.py's LLM-as-a-judge faithfulness score calls InvokeModel on the judge.
            job_policy.add_statements(
                iam.PolicyStatement(
                    sid="InvokeTheJudge",
                    actions=["bedrock:InvokeModel"],
                    resources=judge_models.arns,
                )
            )
        justify_wildcards(
            job_policy,
            [
                ("s3:GetObject", curated.arn_in(self, "*")),
                ("s3:GetObject", artifacts.arn_in(self, f"{BASE_MODELS_PREFIX}*")),
                (["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], runs),
                *(("bedrock:InvokeModel", arn) for arn in judge_any_region),
                *_container_wildcards(stack),
            ],
            "Training and evaluation read prepared data and base models and write only their "
            "run's outputs; EC2 Describe*, ECR login and namespace-conditioned PutMetricData "
            "accept no resource ARN; ENI calls are conditioned on our VPC.",
        )

    def _prepare_policy(self) -> None:
        """The prepare step: read raw data and the salt, write (and maybe re-read) prepared."""
        stack, raw, prepared = cdk.Stack.of(self), self._data.raw_bucket, self._prepared
        prepare_policy = iam.ManagedPolicy(
            self,
            "PreparePolicy",
            roles=[self.prepare_role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadRawData",
                    actions=["s3:GetObject"],
                    resources=[raw.arn_in(self, "*")],
                ),
                iam.PolicyStatement(
                    sid="ListRawData",
                    actions=["s3:ListBucket"],
                    resources=[raw.arn_in(self)],
                ),
                iam.PolicyStatement(
                    sid="WritePreparedData",
                    actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                    resources=[prepared],
                ),
                iam.PolicyStatement(
                    sid="ReadPiiSalt",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[self._data.pii_salt.secret_arn],
                ),
                *self._container,
            ],
        )
        reads_shards = self.props.reads_shards
        if reads_shards:
            prepare_policy.add_statements(*self._shard_statements())
        justify_wildcards(
            prepare_policy,
            [
                ("s3:GetObject", raw.arn_in(self, "*")),
                (["s3:PutObject", "s3:AbortMultipartUpload"], prepared),
                *([("s3:GetObject", prepared)] if reads_shards else []),
                *_container_wildcards(stack),
            ],
            "The prepare step reads any raw object it is pointed at and writes only under the "
            "curated pipeline-runs prefix; EC2 Describe*, ECR login and PutMetricData accept no "
            "resource ARN; ENI calls are conditioned on our VPC.",
        )

    def _shard_statements(self) -> list[iam.PolicyStatement]:
        prefix = f"{self.props.curated_prefix}{PIPELINE_RUNS_PREFIX}*"
        return [
            iam.PolicyStatement(
                sid="ReadShards", actions=["s3:GetObject"], resources=[self._prepared]
            ),
            iam.PolicyStatement(
                sid="ListShards",
                actions=["s3:ListBucket"],
                resources=[self._data.curated_bucket.arn_in(self)],
                conditions={"StringLike": {"s3:prefix": [prefix]}},
            ),
        ]

    def _pipeline_policy(self) -> None:
        """SageMaker Pipelines: run the jobs as the two job roles, register in the group."""
        stack, group, runs = cdk.Stack.of(self), self.props.model_package_group_name, self._runs
        packages = stack.format_arn(
            service="sagemaker", resource="model-package", resource_name=f"{group}/*"
        )
        pipeline_policy = iam.ManagedPolicy(
            self,
            "PipelinePolicy",
            roles=[self.pipeline_role],
            statements=[
                iam.PolicyStatement(
                    sid="RunJobs",
                    actions=_RUN_JOB_ACTIONS,
                    resources=[
                        _job_arn(stack, kind) for kind in ("processing-job", "training-job")
                    ],
                ),
                iam.PolicyStatement(
                    sid="RegisterModel",
                    actions=_REGISTER_ACTIONS,
                    resources=[
                        stack.format_arn(
                            service="sagemaker", resource="model-package-group", resource_name=group
                        ),
                        packages,
                    ],
                ),
                iam.PolicyStatement(
                    sid="PassJobRoles",
                    actions=["iam:PassRole"],
                    resources=[self.job_role.role_arn, self.prepare_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER}},
                ),
                # The gate's JsonGet reads evaluation.json as this role.
                iam.PolicyStatement(
                    sid="ReadEvaluation", actions=["s3:GetObject"], resources=[runs]
                ),
                iam.PolicyStatement(
                    sid="DecryptEvaluation",
                    actions=["kms:Decrypt"],
                    resources=[self._data.key.key_arn],
                ),
            ],
        )
        justify_wildcards(
            pipeline_policy,
            [
                (_RUN_JOB_ACTIONS, _job_arn(stack, kind))
                for kind in ("processing-job", "training-job")
            ]
            + [(_REGISTER_ACTIONS, packages), ("s3:GetObject", runs)],
            "SageMaker Pipelines names each job at run time, so job ARNs end in *; model "
            "packages are limited to this project's group and objects to pipeline-runs/.",
        )


_REGISTER_ACTIONS = [
    "sagemaker:CreateModelPackage",
    "sagemaker:DescribeModelPackage",
    "sagemaker:AddTags",
]
_RUN_JOB_ACTIONS = [
    "sagemaker:CreateProcessingJob",
    "sagemaker:DescribeProcessingJob",
    "sagemaker:StopProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:StopTrainingJob",
    "sagemaker:AddTags",
]
_VPC_DESCRIBE = [
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeDhcpOptions",
]
_VPC_INTERFACES = [
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
]
_JOB_LOG_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
]


def _job_arn(stack: cdk.Stack, kind: str) -> str:
    return stack.format_arn(service="sagemaker", resource=kind, resource_name="*")


def _job_logs(stack: cdk.Stack) -> str:
    return stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name="/aws/sagemaker/*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


def _container_wildcards(stack: cdk.Stack) -> list[tuple[str | list[str], str]]:
    """The wildcards every SageMaker container role needs, as (actions, resource)."""
    return [
        ("ecr:GetAuthorizationToken", "*"),
        ("cloudwatch:PutMetricData", "*"),
        (_VPC_DESCRIBE, "*"),
        (_VPC_INTERFACES, "*"),
        (_JOB_LOG_ACTIONS, _job_logs(stack)),
    ]


def _container_statements(
    stack: cdk.Stack, key: kms.IKey, image: ecr_assets.DockerImageAsset, vpc: ec2.IVpc
) -> list[iam.PolicyStatement]:
    """What any of the pipeline's containers needs: data key, image, logs, metrics, ENIs."""
    return [
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
        iam.PolicyStatement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]),
        iam.PolicyStatement(sid="JobLogs", actions=_JOB_LOG_ACTIONS, resources=[_job_logs(stack)]),
        iam.PolicyStatement(
            sid="JobMetrics",
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        ),
        # VPC jobs attach ENIs in our subnets; EC2 Describe* calls take no resource.
        iam.PolicyStatement(sid="VpcDescribe", resources=["*"], actions=_VPC_DESCRIBE),
        iam.PolicyStatement(
            sid="VpcInterfaces",
            resources=["*"],
            actions=_VPC_INTERFACES,
            conditions={
                "ArnEquals": {
                    "ec2:Vpc": stack.format_arn(
                        service="ec2", resource="vpc", resource_name=vpc.vpc_id
                    )
                }
            },
        ),
    ]
