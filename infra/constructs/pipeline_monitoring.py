"""The training pipeline's monitoring: failed runs to an encrypted topic, and a dashboard.

Built in the training stack's scope (construct ids unchanged), from the few names they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions


@dataclass(frozen=True)
class MonitoringProps:
    stage_name: str
    pipeline_name: str
    alarm_email: str | None = None


@jsii.implements(events.IRuleTarget)
class ArnTarget:
    """An EventBridge target by ARN, with a role or none (the target's policy admits events)."""

    def __init__(self, arn: str, role: iam.IRole | None = None) -> None:
        self._arn = arn
        self._role = role

    def bind(self, rule: events.IRule, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(arn=self._arn, role=self._role)


def failure_alarm(stack: cdk.Stack, props: MonitoringProps) -> sns.Topic:
    """Pipeline-failed events to an encrypted topic, published by EventBridge itself.

    EventBridge does not publish to SNS through a target role: the topic policy must let
    events.amazonaws.com publish and the topic's key must let it encrypt ("Amazon SNS
    permissions", EventBridge user guide,
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions;
    "Configure AWS KMS permissions for AWS services", SNS developer guide,
    https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). The topic has a key
    of its own so that no service principal is named in the data key's policy.
    """
    rule_name = f"{props.stage_name}-pipeline-failed"
    topic = _failure_topic(
        stack, props, stack.format_arn(service="events", resource="rule", resource_name=rule_name)
    )
    rule = events.Rule(
        stack,
        "PipelineFailed",
        rule_name=rule_name,
        description="Training pipeline execution failed",
        event_pattern=events.EventPattern(
            source=["aws.sagemaker"],
            detail_type=["SageMaker Model Building Pipeline Execution Status Change"],
            detail={
                "pipelineArn": [
                    stack.format_arn(
                        service="sagemaker",
                        resource="pipeline",
                        resource_name=props.pipeline_name,
                    )
                ],
                "currentPipelineExecutionStatus": ["Failed"],
            },
        ),
    )
    # No role: aws-events-targets' SnsTopic would add an unconditioned topic grant.
    rule.add_target(cast(events.IRuleTarget, ArnTarget(topic.topic_arn)))
    return topic


def _failure_topic(stack: cdk.Stack, props: MonitoringProps, rule_arn: str) -> sns.Topic:
    """A topic under a key of its own that only the failure rule `rule_arn` publishes to."""
    topic_key = kms.Key(
        stack,
        "PipelineFailuresKey",
        description=f"{props.stage_name}: training pipeline failure notifications",
        enable_key_rotation=True,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    events_principal = iam.ServicePrincipal("events.amazonaws.com")
    topic_key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="EventBridgePublishesToTheFailureTopic",
            principals=[events_principal],
            actions=["kms:GenerateDataKey*", "kms:Decrypt"],
            resources=["*"],
            # Only as SNS encrypts this key's one topic for it (the topic policy admits only
            # this rule); EventBridge's request carries no aws:SourceAccount to KMS.
            conditions={"StringEquals": {"kms:ViaService": f"sns.{stack.region}.amazonaws.com"}},
        )
    )
    topic = sns.Topic(
        stack,
        "PipelineFailures",
        display_name=f"{props.stage_name} training pipeline failures",
        master_key=topic_key,
        enforce_ssl=True,
    )
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="PipelineFailedRulePublishes",
            principals=[events_principal],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={"ArnEquals": {"aws:SourceArn": rule_arn}},
        )
    )
    if props.alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(props.alarm_email))
    return topic


def dashboard(stack: cdk.Stack, props: MonitoringProps) -> None:
    dims = {"PipelineName": props.pipeline_name}

    def pipeline_metric(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Sagemaker/ModelBuildingPipeline",
            metric_name=name,
            dimensions_map=dims,
            statistic=statistic,
            period=cdk.Duration.hours(1),
        )

    cloudwatch.Dashboard(
        stack,
        "Dashboard",
        dashboard_name=f"{props.stage_name}-training",
        widgets=[
            [
                cloudwatch.GraphWidget(
                    title="Pipeline executions",
                    left=[
                        pipeline_metric(m)
                        for m in ("ExecutionStarted", "ExecutionSucceeded", "ExecutionFailed")
                    ],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="Execution duration (ms)",
                    left=[pipeline_metric("ExecutionDuration", "Average")],
                    width=12,
                ),
            ]
        ],
    )
