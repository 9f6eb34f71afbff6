"""Step Functions workflow that runs one Bedrock model customization job to its end.

CreateModelCustomizationJob has no `.sync` form, so the workflow starts the job with the native
`BedrockCreateModelCustomizationJob` task and then polls `GetModelCustomizationJob` (Wait ->
Get -> Choice) until the job is Completed, Failed or Stopped, or the poll budget runs out.

aws-cdk-lib 2.275's task cannot express three things this platform needs: the distillation
`CustomizationConfig` (teacher model), a base model / customization type / S3 URIs / hyperparameter
map taken from the execution input, and the absence of validation data. We therefore render the
native task once per request shape and extend its Parameters (`input_driven`, in
customization_request.py) before the definition is written; the task's resource ARN, role pass,
KMS key and VPC config stay CDK's own.

Execution input (built by `pipelines.bedrock.jobs.state_machine_input`):
  {"jobName", "customModelName", "baseModelIdentifier", "customizationType",
   "trainingDataS3Uri", "validationDataS3Uri"?, "hyperParameters": {...},
   "teacherModelIdentifier"?, "maxResponseLengthForInference"?,
   "rftHyperParameters"? (REINFORCEMENT_FINE_TUNING: typed RFTHyperParameters)}
A REINFORCEMENT_FINE_TUNING request is graded by the stack's grader Lambda (`grader_arn`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from deployment.bedrock_settings import BedrockSettings
from deployment.settings import DataSettings
from infra.constructs.bedrock_job_role import MODEL_KEY_ACTIONS
from infra.constructs.customization_request import (
    RFT_SHAPE,
    SHAPES,
    AnyFoundationModel,
    JobVpc,
    create_state,
    input_driven,
)
from infra.constructs.workflow_role import (
    LOG_DELIVERY_ACTIONS,
    XRAY_ACTIONS,
    pass_roles_only_to_bedrock,
    workflow_role,
)
from infra.constructs.workflow_steps import every, notify, retry_when_busy

J = sfn.JsonPath
# SDK-integration error names for Bedrock throttling (Step Functions prefixes the service name).
THROTTLING_ERRORS = ["Bedrock.ThrottlingException", "Bedrock.ServiceQuotaExceededException"]
# The props' defaults are the settings' own (one home: deployment/).
_BEDROCK, _DATA = BedrockSettings(), DataSettings()


@dataclass(frozen=True)
class CustomizationWorkflowProps:
    """The machine's name, where jobs read and write, how it polls, what it deploys."""

    name: str
    data_prefix: str = _DATA.curated_prefix
    output_prefix: str = _BEDROCK.output_prefix
    poll_interval_seconds: int = _BEDROCK.poll_interval_seconds
    max_polls: int = _BEDROCK.max_polls
    # Bases whose customized models are deployed on demand when the job completes.
    on_demand_base_models: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobStorage:
    """Where the jobs read training data and write outputs, and the key their models use."""

    data_bucket: s3.IBucket
    output_bucket: s3.IBucket
    model_key: kms.IKey


@dataclass(frozen=True)
class WorkflowOps:
    """Notifications (a KMS-encrypted topic) and the machine's log group."""

    topic: sns.ITopic
    topic_key: kms.IKey
    log_group: logs.ILogGroup


class CustomizationWorkflow(Construct):
    """State machine: create job -> poll until it ends -> notify on failure -> optionally deploy
    on demand (models customized from a base that supports it)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: CustomizationWorkflowProps,
        service_role: iam.IRole,
        storage: JobStorage,
        subnets: list[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        ops: WorkflowOps,
        grader_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        notify_failed = notify(
            self, "Notify failure", ops.topic, "Bedrock customization job did not complete"
        )
        failed = sfn.Fail(self, "JobFailed", state_name="Job did not complete", error="JobFailed")
        notify_failed.next(failed)
        start_polling = self._polling(notify_failed, ops.topic)
        shapes = {
            shape: self._create(shape, service_role, storage, JobVpc(subnets, security_group))
            for shape in (*SHAPES, *((RFT_SHAPE,) if grader_arn else ()))
        }
        for task in shapes.values():
            task.add_catch(notify_failed, errors=["States.ALL"], result_path="$.error")
            task.next(start_polling)
        graph = sfn.StateGraph(_route(self, shapes, grader_arn), f"{props.name} definition")
        definition = graph.to_graph_json()
        for shape in shapes:
            state = definition["States"][create_state(shape)]
            state["Parameters"] = input_driven(
                state["Parameters"], shape, storage.model_key.key_arn, grader_arn
            )
        self.role = workflow_role(self, props.name)
        self.policy = self._policy(graph, storage.model_key, ops.topic_key)
        self.state_machine = self._state_machine(definition, ops.log_group)

    def _create(
        self, shape: str, service_role: iam.IRole, storage: JobStorage, vpc: JobVpc
    ) -> tasks.BedrockCreateModelCustomizationJob:
        """The native create task for one request shape (its Parameters are extended later)."""
        foundation_models = cdk.Stack.of(self).format_arn(
            service="bedrock",
            account="",
            resource="foundation-model",
            resource_name="*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        data_prefix = self.props.data_prefix
        task = tasks.BedrockCreateModelCustomizationJob(
            self,
            f"Create{shape}",
            state_name=create_state(shape),
            base_model=AnyFoundationModel(foundation_models),
            customization_type=tasks.CustomizationType.FINE_TUNING,  # replaced from input
            custom_model_name=J.string_at("$.customModelName"),
            job_name=J.string_at("$.jobName"),
            role=service_role,
            output_data=tasks.OutputBucketConfiguration(
                bucket=storage.output_bucket, path=self.props.output_prefix
            ),
            training_data=tasks.TrainingBucketConfiguration(
                bucket=storage.data_bucket, path=data_prefix
            ),
            validation_data=[
                tasks.ValidationBucketConfiguration(bucket=storage.data_bucket, path=data_prefix)
            ],
            vpc_config=vpc,
            result_selector={"arn.$": "$.JobArn"},
            result_path="$.job",
        )
        retry_when_busy(task, THROTTLING_ERRORS, 10, 6)
        return task

    def _polling(self, notify_failed: sfn.IChainable, topic: sns.ITopic) -> sfn.Pass:
        """Wait -> Get -> count -> Choice until the job ends or the poll budget runs out."""
        props = self.props
        start_polling = sfn.Pass(
            self,
            "StartPolling",
            state_name="Start polling",
            result=sfn.Result.from_object({"count": 0}),
            result_path="$.poll",
        )
        interval = cdk.Duration.seconds(props.poll_interval_seconds)
        wait = sfn.Wait(self, "Wait", state_name="Wait", time=sfn.WaitTime.duration(interval))
        get_status = tasks.CallAwsService(
            self,
            "GetJob",
            state_name="Get job status",
            service="bedrock",
            action="getModelCustomizationJob",
            parameters={"JobIdentifier.$": "$.job.arn"},
            iam_resources=[every(self, "bedrock", "model-customization-job")],
            iam_action="bedrock:GetModelCustomizationJob",
            result_selector={"status.$": "$.Status"},
            result_path="$.status",
        )
        retry_when_busy(get_status, THROTTLING_ERRORS, 5, 8)
        count = sfn.Pass(
            self,
            "CountPoll",
            state_name="Count poll",
            parameters={"count.$": "States.MathAdd($.poll.count, 1)"},
            result_path="$.poll",
        )
        done: sfn.IChainable = sfn.Succeed(self, "JobCompleted", state_name="Job completed")
        if props.on_demand_base_models:
            done = self._deploy_on_demand(props.on_demand_base_models, topic, done)
        status = "$.status.status"
        check = (
            sfn.Choice(self, "CheckStatus", state_name="Check status")
            .when(sfn.Condition.string_equals(status, "Completed"), done)
            .when(
                sfn.Condition.or_(
                    sfn.Condition.string_equals(status, "Failed"),
                    sfn.Condition.string_equals(status, "Stopped"),
                ),
                notify_failed,
            )
            .when(
                sfn.Condition.number_greater_than_equals("$.poll.count", props.max_polls),
                notify_failed,
            )
            .otherwise(wait)
        )
        start_polling.next(wait)
        wait.next(get_status)
        get_status.next(count)
        count.next(check)
        return start_polling

    def _deploy_on_demand(
        self, base_models: tuple[str, ...], topic: sns.ITopic, done: sfn.IChainable
    ) -> sfn.IChainable:
        """CreateCustomModelDeployment for the new custom model, where its base supports it.

        No .sync or native task exists. A region without on-demand support makes the call fail:
        the job still completed, so the workflow notifies and succeeds; provisioned throughput is
        never bought here (it bills hourly): `fmops bedrock deploy` shows its cost first.
        """
        get_model, deploy = self._deployment_calls()
        for task in (get_model, deploy):
            retry_when_busy(task, THROTTLING_ERRORS, 10, 6)

        skipped = notify(
            self, "Notify deployment skipped", topic, "Custom model ready; no on-demand deployment"
        )
        skipped.next(done)
        for task in (get_model, deploy):
            task.add_catch(skipped, errors=["States.ALL"], result_path="$.deploymentError")
        get_model.next(deploy).next(
            notify(self, "Notify deployed", topic, "Custom model deployed on demand")
        ).next(done)
        return (
            sfn.Choice(self, "OnDemandBase", state_name="On-demand base model?")
            .when(
                sfn.Condition.or_(
                    *(
                        sfn.Condition.string_matches("$.baseModelIdentifier", f"{m}*")
                        for m in base_models
                    )
                ),
                get_model,
            )
            .otherwise(done)
        )

    def _deployment_calls(self) -> tuple[tasks.CallAwsService, tasks.CallAwsService]:
        """GetModelCustomizationJob (for the output model ARN), CreateCustomModelDeployment."""

        def arn(resource: str) -> str:
            return every(self, "bedrock", resource)

        get_model = tasks.CallAwsService(
            self,
            "GetCustomModel",
            state_name="Get custom model",
            service="bedrock",
            action="getModelCustomizationJob",
            parameters={"JobIdentifier.$": "$.job.arn"},
            iam_resources=[arn("model-customization-job")],
            iam_action="bedrock:GetModelCustomizationJob",
            result_selector={"modelArn.$": "$.OutputModelArn"},
            result_path="$.model",
        )
        deploy = tasks.CallAwsService(
            self,
            "DeployOnDemand",
            state_name="Deploy on demand",
            service="bedrock",
            action="createCustomModelDeployment",
            parameters={
                "ModelDeploymentName.$": "$.customModelName",
                "ModelArn.$": "$.model.modelArn",
            },
            iam_resources=[arn("custom-model"), arn("custom-model-deployment")],
            iam_action="bedrock:CreateCustomModelDeployment",
            result_selector={"arn.$": "$.CustomModelDeploymentArn"},
            result_path="$.deployment",
        )
        return get_model, deploy

    def _policy(
        self, graph: sfn.StateGraph, model_key: kms.IKey, topic_key: kms.IKey
    ) -> iam.ManagedPolicy:
        """Every statement the machine needs: the state machine gets the role without policy
        updates."""
        policy = iam.ManagedPolicy(self, "Policy", roles=[self.role])
        # from_string does not bind the states, so the tasks' own statements are added here.
        policy.add_statements(*pass_roles_only_to_bedrock(graph.policy_statements))
        # Creating a job with a customer-managed key needs these on the caller too ("Encryption
        # of custom models", Bedrock user guide). Identity policy: the key lives in another stack.
        policy.add_statements(
            iam.PolicyStatement(
                actions=MODEL_KEY_ACTIONS,
                resources=[model_key.key_arn],
            ),
            # Publishing to the KMS-encrypted topic.
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[topic_key.key_arn]
            ),
            # What StateMachine adds for X-Ray tracing and log delivery (Step Functions
            # developer guide, "IAM policies for logging to CloudWatch Logs" and "X-Ray"):
            # none of these APIs supports resource-level permissions.
            iam.PolicyStatement(actions=XRAY_ACTIONS, resources=["*"]),
            iam.PolicyStatement(actions=LOG_DELIVERY_ACTIONS, resources=["*"]),
        )
        return policy

    def _state_machine(
        self, definition: Mapping[str, Any], log_group: logs.ILogGroup
    ) -> sfn.StateMachine:
        stack = cdk.Stack.of(self)
        state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.props.name,
            role=self.role.without_policy_updates(),
            definition_body=sfn.DefinitionBody.from_string(stack.to_json_string(definition)),
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            tracing_enabled=True,
        )
        # The machine must wait for its policy; its role is already implied by the RoleArn
        # GetAtt (cfn-lint W3005), so DependsOn names the policy only.
        policy = self.policy.node.default_child
        machine = state_machine.node.default_child
        assert isinstance(policy, cdk.CfnResource) and isinstance(machine, cdk.CfnResource)
        machine.add_override("DependsOn", [stack.get_logical_id(policy)])
        return state_machine


def _route(
    scope: Construct,
    shapes: dict[str, tasks.BedrockCreateModelCustomizationJob],
    grader_arn: str | None,
) -> sfn.Choice:
    """The start state: each request goes to the create task of its shape."""
    route = sfn.Choice(scope, "Route", state_name="Route by request shape")
    if grader_arn:
        route.when(
            sfn.Condition.string_equals("$.customizationType", "REINFORCEMENT_FINE_TUNING"),
            shapes[RFT_SHAPE],
        )
    (
        route.when(
            sfn.Condition.string_equals("$.customizationType", "DISTILLATION"),
            shapes["Distillation"],
        )
        .when(sfn.Condition.is_present("$.validationDataS3Uri"), shapes["WithValidation"])
        .otherwise(shapes["WithoutValidation"])
    )
    return route
