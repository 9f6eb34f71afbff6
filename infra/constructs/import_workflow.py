"""Step Functions workflow: an approved model package becomes a Bedrock imported model.

Started by EventBridge on "SageMaker Model Package State Change" for the project's group:
describe the package -> refuse what Bedrock cannot import (architecture recorded at
registration, ReFT) before any Bedrock call -> wait while another import runs (the account's
import-job quota is one at a time: queue, never fan out) -> CreateModelImportJob -> poll
GetModelImportJob with a doubling wait -> record the imported model ARN on the package
(UpdateModelPackage customer metadata) -> optionally retire the group's older imports -> notify.
A rejection deletes the package's imported model when `retire_previous` is set.

Every call is an `aws-sdk` integration (no .sync exists for model import), so its Parameters are
the API's members in PascalCase; tests/infra/test_api_shapes.py validates them against botocore.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from deployment.contract import MODEL_DATA_PROPERTY
from deployment.settings import ServingSettings
from infra.constructs.bedrock_job_role import MODEL_KEY_ACTIONS
from infra.constructs.import_refusal import importable, refusal
from infra.constructs.import_retirement import (
    IMPORT_JOB_KEY,
    IMPORTED_MODEL_KEY,
    retire_older,
    retire_rejected,
)
from infra.constructs.workflow_steps import every, notify, retry_when_busy

C = sfn.Condition
# Quota and throttling errors of the Bedrock SDK integration: retried with backoff.
BUSY_ERRORS = [
    "Bedrock.ServiceQuotaExceededException",
    "Bedrock.ThrottlingException",
    "Bedrock.TooManyRequestsException",
]
# The props' defaults are the settings' own (one home: deployment/platform_settings.py).
_DEFAULTS = ServingSettings()


@dataclass(frozen=True)
class ImportWorkflowProps:
    """What the workflow is called, how it tags what it creates, how it waits and polls."""

    name: str
    tags: Mapping[str, str] = field(default_factory=dict)
    # While another import runs (the account's quota is one at a time), wait and look again.
    queue_wait_seconds: int = _DEFAULTS.queue_wait_seconds
    # Polling starts at the first interval and doubles up to the second, at most max_polls times.
    poll_interval_seconds: int = _DEFAULTS.poll_interval_seconds
    max_poll_interval_seconds: int = _DEFAULTS.max_poll_interval_seconds
    max_polls: int = _DEFAULTS.max_polls
    # Delete the group's older imports after a new one, and a rejected package's own import.
    retire_previous: bool = _DEFAULTS.retire_previous


@dataclass(frozen=True)
class _Arns:
    packages: str
    import_jobs: str
    imported_models: str


class ImportWorkflow(Construct):
    """State machine from model package approval to a Bedrock imported model."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: ImportWorkflowProps,
        import_role: iam.IRole,
        model_key: kms.IKey,
        topic: sns.ITopic,
        topic_key: kms.IKey,
        log_group: logs.ILogGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.name = props.name
        self._topic = topic
        self._arns = _Arns(
            packages=every(self, "sagemaker", "model-package"),
            import_jobs=every(self, "bedrock", "model-import-job"),
            imported_models=every(self, "bedrock", "imported-model"),
        )
        self._notify_failed = notify(
            self, "Notify import failure", topic, "Bedrock model import did not complete"
        )
        failed = sfn.Fail(self, "ImportFailed", state_name="Import failed", error="ImportFailed")
        self._notify_failed.next(failed)
        describe = self._describe()
        not_importable = refusal(self, topic)
        running = self._import_queue(import_role, model_key)
        route = sfn.Choice(self, "Decision", state_name="Approved or rejected?").when(
            C.string_equals("$.package.status", "Approved"),
            self._approved(running, not_importable),
        )
        if props.retire_previous:
            route = route.when(
                C.and_(
                    C.string_equals("$.package.status", "Rejected"),
                    C.is_present(f"$.package.metadata.{IMPORTED_MODEL_KEY}"),
                ),
                retire_rejected(
                    self, self._sdk, self._arns.packages, self._arns.imported_models, topic
                ),
            )
        route.otherwise(sfn.Succeed(self, "Nothing", state_name="Nothing to do"))
        describe.next(route)
        self.state_machine = self._state_machine(describe, log_group)
        self._grant(import_role, model_key, topic_key)

    def _sdk(
        self, id_: str, service: str, action: str, params: dict, resources: list[str], **kw: Any
    ) -> tasks.CallAwsService:
        """An `aws-sdk` task; Bedrock's busy errors are retried with backoff."""
        task = tasks.CallAwsService(
            self,
            id_.replace(" ", ""),
            state_name=id_,
            service=service,
            action=action,
            parameters=params,
            iam_resources=resources,
            iam_action=f"{service}:{action[0].upper()}{action[1:]}",
            **kw,
        )
        if service == "bedrock":
            retry_when_busy(task, BUSY_ERRORS, 30, 8)
        return task

    def _describe(self) -> tasks.CallAwsService:
        describe = self._sdk(
            "Describe model package",
            "sagemaker",
            "describeModelPackage",
            {"ModelPackageName.$": "$.detail.ModelPackageArn"},
            [self._arns.packages],
            result_selector={
                "arn.$": "$.ModelPackageArn",
                "version.$": "$.ModelPackageVersion",
                "status.$": "$.ModelApprovalStatus",
                "metadata.$": "$.CustomerMetadataProperties",
                # Registered without an inference image (the training image cannot serve), so
                # the uncompressed model prefix travels in the package's metadata.
                "modelUri.$": f"$.CustomerMetadataProperties.{MODEL_DATA_PROPERTY}",
            },
            result_path="$.package",
        )
        describe.add_catch(self._notify_failed, errors=["States.ALL"], result_path="$.error")
        return describe

    def _import_queue(self, import_role: iam.IRole, model_key: kms.IKey) -> tasks.CallAwsService:
        """One import at a time per account: list running imports, wait or create, then poll."""
        running = self._sdk(
            "List running imports",
            "bedrock",
            "listModelImportJobs",
            {"StatusEquals": "InProgress", "MaxResults": 1},
            ["*"],
            result_selector={"count.$": "States.ArrayLength($.ModelImportJobSummaries)"},
            result_path="$.running",
        )
        queue_wait = sfn.Wait(
            self,
            "QueueWait",
            state_name="Wait for the running import",
            time=sfn.WaitTime.duration(cdk.Duration.seconds(self.props.queue_wait_seconds)),
        )
        queue_wait.next(running)
        create = self._create_job(import_role, model_key)
        running.add_catch(self._notify_failed, errors=["States.ALL"], result_path="$.error")
        create.next(self._polling())
        running.next(
            sfn.Choice(self, "SlotFree", state_name="Import slot free?")
            .when(C.number_greater_than("$.running.count", 0), queue_wait)
            .otherwise(create)
        )
        return running

    def _create_job(self, import_role: iam.IRole, model_key: kms.IKey) -> tasks.CallAwsService:
        name, version = self.props.name, "$.package.version"
        suffix = "States.ArrayGetItem(States.StringSplit($$.Execution.Name, '-'), 0)"
        tags = [{"Key": k, "Value": v} for k, v in sorted(self.props.tags.items())]
        create = self._sdk(
            "Create import job",
            "bedrock",
            "createModelImportJob",
            {
                "JobName.$": f"States.Format('{name}-v{{}}-{{}}', {version}, {suffix})",
                "ImportedModelName.$": f"States.Format('{name}-v{{}}', {version})",
                "RoleArn": import_role.role_arn,
                "ModelDataSource": {"S3DataSource": {"S3Uri.$": "$.package.modelUri"}},
                "ImportedModelKmsKeyId": model_key.key_arn,
                "ImportedModelTags": tags,
                "JobTags": tags,
            },
            # CreateModelImportJob has no resource type ("Actions, resources, and condition keys
            # for Amazon Bedrock", Service Authorization Reference,
            # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html):
            # only "*" matches it; a grant on job or model ARNs never applies.
            ["*"],
            result_selector={"jobArn.$": "$.JobArn"},
            result_path="$.import",
        )
        create.add_catch(self._notify_failed, errors=["States.ALL"], result_path="$.error")
        return create

    def _polling(self) -> sfn.Pass:
        """Poll with a doubling wait (capped); record the import when it completes."""
        props = self.props
        start_polling = sfn.Pass(
            self,
            "StartPolling",
            state_name="Start polling",
            result=sfn.Result.from_object({"count": 0, "wait": props.poll_interval_seconds}),
            result_path="$.poll",
        )
        wait = sfn.Wait(
            self, "PollWait", state_name="Wait", time=sfn.WaitTime.seconds_path("$.poll.wait")
        )
        get_job = self._sdk(
            "Get import job",
            "bedrock",
            "getModelImportJob",
            {"JobIdentifier.$": "$.import.jobArn"},
            [self._arns.import_jobs],
            result_path="$.job",
        )
        get_job.add_catch(self._notify_failed, errors=["States.ALL"], result_path="$.error")
        back_off = sfn.Pass(
            self,
            "BackOff",
            state_name="Back off",
            parameters={
                "count.$": "States.MathAdd($.poll.count, 1)",
                "wait.$": "States.MathAdd($.poll.wait, $.poll.wait)",
            },
            result_path="$.poll",
        )
        cap = sfn.Pass(
            self,
            "CapWait",
            state_name="Cap the wait",
            parameters={"count.$": "$.poll.count", "wait": props.max_poll_interval_seconds},
            result_path="$.poll",
        )
        status = "$.job.Status"
        check = (
            sfn.Choice(self, "CheckImport", state_name="Check import status")
            .when(C.string_equals(status, "Completed"), self._record())
            .when(C.string_equals(status, "Failed"), self._notify_failed)
            .when(
                C.number_greater_than_equals("$.poll.count", props.max_polls), self._notify_failed
            )
            .otherwise(wait)
        )
        cap_choice = (
            sfn.Choice(self, "WaitTooLong", state_name="Wait above the cap?")
            .when(C.number_greater_than("$.poll.wait", props.max_poll_interval_seconds), cap)
            .otherwise(check)
        )
        cap.next(check)
        start_polling.next(wait)
        wait.next(get_job)
        get_job.next(back_off)
        back_off.next(cap_choice)
        return start_polling

    def _record(self) -> tasks.CallAwsService:
        """Record the imported model on the package, retire older imports, notify."""
        record = self._sdk(
            "Record imported model",
            "sagemaker",
            "updateModelPackage",
            {
                "ModelPackageArn.$": "$.package.arn",
                "CustomerMetadataProperties": {
                    f"{IMPORTED_MODEL_KEY}.$": "$.job.ImportedModelArn",
                    f"{IMPORT_JOB_KEY}.$": "$.import.jobArn",
                },
            },
            [self._arns.packages],
            result_path=sfn.JsonPath.DISCARD,
        )
        record.add_catch(self._notify_failed, errors=["States.ALL"], result_path="$.error")
        imported = notify(
            self, "Notify imported", self._topic, "Approved model imported into Bedrock"
        )
        imported.next(sfn.Succeed(self, "Imported", state_name="Imported"))
        if self.props.retire_previous:
            record.next(
                retire_older(self, self._sdk, self.name, self._arns.imported_models, imported)
            )
        else:
            record.next(imported)
        return record

    def _approved(self, running: sfn.IChainable, not_importable: sfn.IChainable) -> sfn.Choice:
        already = sfn.Succeed(self, "AlreadyImported", state_name="Already imported")
        return (
            sfn.Choice(self, "Importable", state_name="Importable?")
            .when(C.is_present(f"$.package.metadata.{IMPORTED_MODEL_KEY}"), already)
            .when(importable(), running)
            .otherwise(not_importable)
        )

    def _state_machine(self, start: sfn.IChainable, log_group: logs.ILogGroup) -> sfn.StateMachine:
        state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.props.name,
            definition_body=sfn.DefinitionBody.from_chainable(start),
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            tracing_enabled=True,
        )
        # CDK makes the machine depend on its role and the role's policy; the role is already
        # implied by the RoleArn GetAtt (cfn-lint W3005), so keep only the policy.
        policy = state_machine.role.node.find_child("DefaultPolicy").node.default_child
        machine = state_machine.node.default_child
        machine.add_override("DependsOn", [cdk.Stack.of(self).get_logical_id(policy)])  # type: ignore[union-attr,arg-type]
        return state_machine

    def _grant(self, import_role: iam.IRole, model_key: kms.IKey, topic_key: kms.IKey) -> None:
        """What the machine's role needs beyond its tasks' own statements."""
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[import_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
            )
        )
        # Imported models are encrypted with the data key; the caller needs these on it
        # ("Encryption of imported custom models", Bedrock user guide).
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=MODEL_KEY_ACTIONS,
                resources=[model_key.key_arn],
            )
        )
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[topic_key.key_arn]
            )
        )
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["bedrock:TagResource"],
                resources=[self._arns.import_jobs, self._arns.imported_models],
            )
        )
