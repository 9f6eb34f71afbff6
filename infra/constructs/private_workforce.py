"""The stage's own Ground Truth workteam: a private workforce on a Cognito user pool.

CloudFormation has no workforce resource, so `CreateWorkforce` runs as a custom resource; one
private workforce per account and region (the humans stack uses `feedback.workteam_arn` instead
where the account already has one). Built in the humans stack's scope, so its construct paths,
and so its logical IDs, are the stack's own.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import custom_resources as cr
from constructs import IConstruct

from infra.constructs.vpc_function import function_role
from infra.nag import (
    SYNCHRONOUS_PROVIDER_RULES,
    acknowledge,
    custom_resource_provider,
    justify_wildcards,
    skip_checkov,
)


def private_workteam(stack: cdk.Stack, name: str) -> str:
    """A Cognito-backed private workforce (MFA required) and the stage's workteam on it."""
    user_pool, client, group = _labelers(stack, name)
    workforce_name = f"{name}-workforce"
    workforce = _workforce(stack, workforce_name, user_pool, client)
    workteam = sagemaker.CfnWorkteam(
        stack,
        "Workteam",
        workteam_name=f"{name}-labelers",
        workforce_name=workforce_name,
        description=f"{name}: safety rankings and hallucination audits",
        member_definitions=[
            sagemaker.CfnWorkteam.MemberDefinitionProperty(
                cognito_member_definition=sagemaker.CfnWorkteam.CognitoMemberDefinitionProperty(
                    cognito_user_pool=user_pool.user_pool_id,
                    cognito_client_id=client.user_pool_client_id,
                    cognito_user_group=group.group_name or f"{name}-labelers",
                )
            )
        ],
    )
    workteam.node.add_dependency(workforce)
    workteam.node.add_dependency(group)
    return workteam.attr_workteam_arn


def _labelers(
    stack: cdk.Stack, name: str
) -> tuple[cognito.UserPool, cognito.UserPoolClient, cognito.CfnUserPoolGroup]:
    """The workers' user pool (invited only, MFA, retained), its portal client and group."""
    user_pool = cognito.UserPool(
        stack,
        "Labelers",
        # No fixed name: the pool is retained and CloudFormation names each deployment's own.
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
    user_pool.add_domain(
        "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"{name}-labelers")
    )
    client = user_pool.add_client(
        "LabelingPortal",
        generate_secret=True,
        o_auth=cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True),
            scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        ),
    )
    group = cognito.CfnUserPoolGroup(
        stack,
        "LabelersGroup",
        user_pool_id=user_pool.user_pool_id,
        group_name=f"{name}-labelers",
        description="Workers of this stage's Ground Truth workteam",
    )
    return user_pool, client, group


def _workforce(
    stack: cdk.Stack,
    workforce_name: str,
    user_pool: cognito.UserPool,
    client: cognito.UserPoolClient,
) -> cr.AwsCustomResource:
    """CreateWorkforce/DeleteWorkforce as a custom resource, with a role for exactly that."""
    provider_role = function_role(
        stack,
        "WorkforceProviderRole",
        description="Creates and deletes the stage's Ground Truth private workforce",
    )
    provider_policy = _provider_policy(stack, provider_role, workforce_name, user_pool)
    workforce = cr.AwsCustomResource(
        stack,
        "Workforce",
        on_create=cr.AwsSdkCall(
            service="SageMaker",
            action="createWorkforce",
            parameters={
                "WorkforceName": workforce_name,
                "CognitoConfig": {
                    "UserPool": user_pool.user_pool_id,
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
        # Outside the VPC on purpose: the provider answers CloudFormation by a PUT to a
        # presigned URL in CloudFormation's response bucket, which the isolated subnets reach
        # only if the S3 endpoint policy admitted that AWS-owned bucket for every job in the VPC
        # (an exfiltration path). The provider calls two control-plane APIs and handles no data.
        install_latest_aws_sdk=False,
    )
    # CreateWorkforce configures the pool: the custom resource must wait for its permissions.
    workforce.node.add_dependency(provider_policy)
    _acknowledge_provider(custom_resource_provider(stack))
    return workforce


def _provider_policy(
    stack: cdk.Stack, role: iam.Role, workforce_name: str, user_pool: cognito.UserPool
) -> iam.ManagedPolicy:
    """Create/DeleteWorkforce on this workforce, configuring this pool, writing its logs."""
    lambda_logs = (
        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/lambda/*"
    )
    provider_policy = iam.ManagedPolicy(
        stack,
        "WorkforceProviderPolicy",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=["sagemaker:CreateWorkforce", "sagemaker:DeleteWorkforce"],
                resources=[
                    f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:"
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
                resources=[user_pool.user_pool_arn],
            ),
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[lambda_logs],
            ),
        ],
    )
    justify_wildcards(
        provider_policy,
        [
            (["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], lambda_logs),
        ],
        "CDK names the provider function at deploy time, so its log group is known only as "
        "/aws/lambda/*.",
    )
    return provider_policy


def _acknowledge_provider(provider: IConstruct) -> None:
    """CDK's shared provider function: why it is synchronous and outside the VPC."""
    acknowledge(
        provider,
        SYNCHRONOUS_PROVIDER_RULES,
        "CloudFormation invokes this provider synchronously, once per create or delete of "
        "the workforce, and reports a failure on the stack itself: there is no event to "
        "queue and no concurrency to cap.",
    )
    acknowledge(
        provider,
        ["HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC"],
        "The provider must reach CloudFormation's response bucket, which the isolated VPC's S3 "
        "endpoint does not admit; it calls only Create/DeleteWorkforce and touches no data.",
    )
    skip_checkov(
        provider,
        ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"],
        "CloudFormation invokes this deploy-time custom-resource handler once per create or "
        "delete and retries it itself (no concurrency to reserve, no events to dead-letter); "
        "it must reach CloudFormation's response bucket, which the isolated VPC cannot.",
    )
