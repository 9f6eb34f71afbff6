"""Isolated network for multi-node training and Bedrock customization jobs.

No NAT and no internet gateway: every AWS API is reached through a VPC endpoint, so training
data never crosses the public internet and a compromised container has nowhere to send it: the
training security group sends HTTPS only to the interface endpoints and to S3's prefix list,
and the S3 gateway endpoint's policy admits only this project's buckets and the AWS-owned
buckets the jobs need (S3_AWS_BUCKETS).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from deployment.contract import TRAINING_SECURITY_GROUP_OUTPUT, VPC_OUTPUT
from deployment.settings import NetworkSettings
from infra.constructs.secure_bucket import SecureBucket
from infra.nag import (
    SYNCHRONOUS_PROVIDER_RULES,
    acknowledge,
    custom_resource_provider,
    justify_wildcards,
    skip_checkov,
)
from infra.stacks.data import FLOW_LOGS_PREFIX

# What SageMaker training/processing jobs and Bedrock jobs call from inside the VPC.
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "SageMakerApi": ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
    "SageMakerRuntime": ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Bedrock": ec2.InterfaceVpcEndpointAwsService.BEDROCK,
    "BedrockRuntime": ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
    # The prepare job reads the PII salt at start.
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
}

# AWS-owned buckets that jobs in this VPC read through the S3 gateway endpoint, each with the
# page that says so. `{region}` is the deployment region.
S3_AWS_BUCKETS: dict[str, str] = {
    # Image layers of every private ECR repository, pulled when SageMaker starts the training
    # image. Amazon ECR user guide, "Amazon ECR interface VPC endpoints (AWS PrivateLink)",
    # section "Minimum Amazon S3 bucket permissions for Amazon ECR":
    # https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    "prod-{region}-starport-layer-bucket": "s3:GetObject",
}
# What jobs do with the project's buckets through the endpoint (read inputs, write outputs,
# multipart uploads of checkpoints and models).
S3_PROJECT_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:ListBucketMultipartUploads",
)


class NetworkStack(cdk.Stack):
    """VPC with isolated subnets, flow logs, endpoints and the training security group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: NetworkSettings,
        flow_logs_bucket: s3.IBucket,
        project_buckets: Sequence[SecureBucket],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        net = network
        # The zones, never a synth-time lookup: the configured ones, else the first az_count of
        # the Region's zones as CloudFormation lists them at deploy time (Fn::GetAZs). A pinned
        # stack would otherwise look them up, which `python app.py` (make synth, the delivery
        # pipeline's Synth step) cannot do: CDK then writes placeholders (dummy1a...).
        self._zones = list(net.availability_zones) or [
            cdk.Fn.select(index, cdk.Fn.get_azs()) for index in range(net.az_count)
        ]

        self.vpc = self._vpc(net, flow_logs_bucket)
        self._restrict_s3_endpoint(project_buckets)
        self.endpoint_security_group = self._interface_endpoints(net.cidr)
        self.training_security_group = self._training_group()
        sg = self.training_security_group
        self._s3_prefix_list = self._s3_prefix_list_id()
        self._allow_aws_apis(sg)
        # Lambdas and Bedrock job ENIs get groups of their own: the training group admits all
        # ports from its members, which only the hosts of one training job should be.
        self.functions_security_group = self._endpoint_client(
            "FunctionsSecurityGroup", "Project Lambdas in the VPC: HTTPS to AWS endpoints only"
        )
        self.bedrock_jobs_security_group = self._endpoint_client(
            "BedrockJobsSecurityGroup",
            "Bedrock customization job ENIs: HTTPS to AWS endpoints only",
        )

        self.isolated_subnets = self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        cdk.CfnOutput(self, VPC_OUTPUT, value=self.vpc.vpc_id)
        cdk.CfnOutput(self, TRAINING_SECURITY_GROUP_OUTPUT, value=sg.security_group_id)

    @property
    def availability_zones(self) -> list[str]:
        """Stack.availability_zones, overridden: see `_zones` in the constructor."""
        return self._zones

    def _vpc(self, net: NetworkSettings, flow_logs_bucket: s3.IBucket) -> ec2.Vpc:
        """Isolated subnets only (no NAT), the S3 gateway endpoint, all traffic flow-logged."""
        return ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(net.cidr),
            max_azs=net.az_count,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
                )
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)
            },
            flow_logs={
                "AllTraffic": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_s3(flow_logs_bucket, FLOW_LOGS_PREFIX),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )

    def _interface_endpoints(self, cidr: str) -> ec2.SecurityGroup:
        """The interface endpoints, behind one group that admits HTTPS from the VPC."""
        group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="HTTPS from inside the VPC to interface endpoints",
            allow_all_outbound=False,
        )
        group.add_ingress_rule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), "HTTPS from the VPC")
        for name, service in INTERFACE_ENDPOINTS.items():
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                private_dns_enabled=True,
                open=False,  # the shared group above already admits HTTPS from the VPC
                security_groups=[group],
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            )
        return group

    def _training_group(self) -> ec2.SecurityGroup:
        """The hosts of one training job talk to each other on every port, and to nothing
        else but the AWS endpoints (added by `_allow_aws_apis`)."""
        sg = ec2.SecurityGroup(
            self,
            "TrainingSecurityGroup",
            vpc=self.vpc,
            description="Multi-node training: hosts talk only to each other and to AWS endpoints",
            allow_all_outbound=False,
        )
        # NCCL/SMDDP/EFA use ephemeral ports on every protocol between the job's hosts.
        sg.add_ingress_rule(sg, ec2.Port.all_traffic(), "Training hosts of the same job")
        acknowledge(
            sg,
            ["HIPAA.Security-EC2RestrictedCommonPorts", "NIST.800.53.R5-EC2RestrictedCommonPorts"],
            "The only ingress source is this security group itself: SageMaker distributed "
            "training requires all ports between the hosts of one job (NCCL, EFA).",
        )
        sg.add_egress_rule(sg, ec2.Port.all_traffic(), "Training hosts of the same job")
        return sg

    def _allow_aws_apis(self, group: ec2.SecurityGroup) -> None:
        # HTTPS only to the interface endpoints and to S3 (gateway endpoint, reached through
        # S3's managed prefix list). DNS to the VPC resolver is not subject to security groups
        # (VPC user guide, "Security group rules").
        group.add_egress_rule(
            self.endpoint_security_group, ec2.Port.tcp(443), "AWS APIs via interface endpoints"
        )
        group.add_egress_rule(
            ec2.Peer.prefix_list(self._s3_prefix_list),
            ec2.Port.tcp(443),
            "S3 via the gateway endpoint",
        )

    def _endpoint_client(self, construct_id: str, description: str) -> ec2.SecurityGroup:
        """A group with no ingress whose members reach only the AWS endpoints."""
        group = ec2.SecurityGroup(
            self, construct_id, vpc=self.vpc, description=description, allow_all_outbound=False
        )
        self._allow_aws_apis(group)
        return group

    def _restrict_s3_endpoint(self, project_buckets: Sequence[SecureBucket]) -> None:
        """The gateway endpoint reaches only the project's buckets and S3_AWS_BUCKETS."""
        endpoint = self.vpc.node.find_child("S3")
        assert isinstance(endpoint, ec2.GatewayVpcEndpoint)
        arns = [bucket.arn_in(self) for bucket in project_buckets]
        endpoint.add_to_policy(
            iam.PolicyStatement(
                sid="ProjectBuckets",
                principals=[iam.AnyPrincipal()],
                actions=list(S3_PROJECT_ACTIONS),
                resources=[*arns, *(f"{arn}/*" for arn in arns)],
            )
        )
        for bucket, action in S3_AWS_BUCKETS.items():
            name = bucket.format(region=self.region)
            endpoint.add_to_policy(
                iam.PolicyStatement(
                    principals=[iam.AnyPrincipal()],
                    actions=[action],
                    resources=[f"arn:{self.partition}:s3:::{name}/*"],
                )
            )

    def _skip_checkov_on_providers(self, lookup_provider: IConstruct) -> None:
        """Deploy-time Lambda functions of aws-cdk-lib: the prefix-list lookup and the one that
        strips the VPC's default security group (@aws-cdk/aws-ec2:restrictDefaultSecurityGroup)."""
        restrict = self.node.find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
        for provider in (lookup_provider, restrict.node.find_child("Handler")):
            skip_checkov(
                provider,
                ["CKV_AWS_115", "CKV_AWS_116"],
                "CloudFormation invokes this deploy-time custom-resource handler once per "
                "update and retries it itself: no concurrency to reserve, no events to "
                "dead-letter.",
            )
            skip_checkov(
                provider,
                "CKV_AWS_117",
                "A deploy-time handler that calls only the EC2 API while the VPC is built; the "
                "isolated VPC has no route to that API except through endpoints it creates.",
            )

    def _s3_prefix_list_id(self) -> str:
        """S3's AWS-managed prefix list in this region, looked up at deploy time.

        Its id differs per region and cannot be resolved in an environment-agnostic synth, so a
        custom resource reads it with DescribeManagedPrefixLists.
        """
        lookup = cr.AwsCustomResource(
            self,
            "S3PrefixList",
            on_update=cr.AwsSdkCall(
                service="EC2",
                action="describeManagedPrefixLists",
                parameters={
                    "Filters": [
                        {"Name": "prefix-list-name", "Values": [f"com.amazonaws.{self.region}.s3"]}
                    ]
                },
                physical_resource_id=cr.PhysicalResourceId.of("s3-managed-prefix-list"),
                output_paths=["PrefixLists.0.PrefixListId"],
            ),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["ec2:DescribeManagedPrefixLists"], resources=["*"])]
            ),
            install_latest_aws_sdk=False,
        )
        justify_wildcards(
            lookup,
            [("ec2:DescribeManagedPrefixLists", "*")],
            "DescribeManagedPrefixLists supports no resource-level permissions; the lookup only "
            "reads the id of S3's managed prefix list.",
        )
        acknowledge(
            lookup,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "AwsCustomResource writes its one read-only statement (DescribeManagedPrefixLists) "
            "as an inline policy of its own provider role; nothing else can attach it.",
        )
        provider = custom_resource_provider(self)
        acknowledge(
            provider,
            SYNCHRONOUS_PROVIDER_RULES,
            "CloudFormation invokes this deploy-time lookup once per stack update and retries "
            "through the custom-resource protocol; there is no event stream to throttle or drop.",
        )
        acknowledge(
            provider,
            ["HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC"],
            "The lookup runs while the VPC is being built and calls only the EC2 API; it touches "
            "no project data, and the isolated VPC has no route it could use.",
        )
        self._skip_checkov_on_providers(provider)
        acknowledge(
            provider,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "AwsCustomResource's provider role carries AWS's basic execution policy for its own "
            "log group; aws-cdk-lib offers no option to replace it.",
        )
        return lookup.get_response_field("PrefixLists.0.PrefixListId")
