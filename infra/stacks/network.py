"""Isolated network for multi-node training and Bedrock customization jobs.

No NAT and no internet gateway: every AWS API is reached through a VPC endpoint, so training
data never crosses the public internet and a compromised container has nowhere to send it.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from deployment.contract import TRAINING_SECURITY_GROUP_OUTPUT, VPC_OUTPUT
from deployment.settings import Settings
from infra.nag import acknowledge

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
}


class NetworkStack(cdk.Stack):
    """VPC with isolated subnets, flow logs, endpoints and the training security group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        flow_logs_bucket: s3.IBucket,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        net = settings.network

        self.vpc = ec2.Vpc(
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
                    destination=ec2.FlowLogDestination.to_s3(flow_logs_bucket, "vpc-flow-logs/"),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )

        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="HTTPS from inside the VPC to interface endpoints",
            allow_all_outbound=False,
        )
        self.endpoint_security_group.add_ingress_rule(
            ec2.Peer.ipv4(net.cidr), ec2.Port.tcp(443), "HTTPS from the VPC"
        )
        for name, service in INTERFACE_ENDPOINTS.items():
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                private_dns_enabled=True,
                open=False,  # the shared group above already admits HTTPS from the VPC
                security_groups=[self.endpoint_security_group],
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            )

        self.training_security_group = ec2.SecurityGroup(
            self,
            "TrainingSecurityGroup",
            vpc=self.vpc,
            description="Multi-node training: hosts talk only to each other and to AWS endpoints",
            allow_all_outbound=False,
        )
        sg = self.training_security_group
        # NCCL/SMDDP/EFA use ephemeral ports on every protocol between the job's hosts.
        sg.add_ingress_rule(sg, ec2.Port.all_traffic(), "Training hosts of the same job")
        acknowledge(
            sg,
            ["HIPAA.Security-EC2RestrictedCommonPorts", "NIST.800.53.R5-EC2RestrictedCommonPorts"],
            "The only ingress source is this security group itself: SageMaker distributed "
            "training requires all ports between the hosts of one job (NCCL, EFA).",
        )
        sg.add_egress_rule(sg, ec2.Port.all_traffic(), "Training hosts of the same job")
        # HTTPS egress reaches only the interface endpoints and the S3 gateway endpoint: the
        # VPC has no route to the internet. The S3 prefix-list id cannot be resolved in an
        # environment-agnostic synth, hence the wider peer.
        sg.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "AWS APIs via VPC endpoints")

        self.isolated_subnets = self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        cdk.CfnOutput(self, VPC_OUTPUT, value=self.vpc.vpc_id)
        cdk.CfnOutput(self, TRAINING_SECURITY_GROUP_OUTPUT, value=sg.security_group_id)
