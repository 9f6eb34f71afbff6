"""The SageMaker training pipeline, deployed: image, roles, registry, pipeline, triggers, alarms.

The pipeline definition is the builder's output (pipelines/training_pipeline.py) verbatim, with
its `${Name}` placeholders filled by Fn::Sub, so what the tests and `fmops pipeline definition`
show is exactly what CloudFormation deploys.
"""

from __future__ import annotations

from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from deployment import contract
from deployment.contract import READY_MARKER, model_package_group_name, pipeline_name
from deployment.settings import DEFAULT_PII_NER_MODEL, Settings, TrainingImage
from infra.constructs.mlflow_tracking import MlflowServerOptions, MlflowTracking
from infra.constructs.model_arns import invocable_models
from infra.constructs.model_sharing import share_model_package_group
from infra.constructs.pipeline_monitoring import (
    ArnTarget,
    MonitoringProps,
    dashboard,
    failure_alarm,
)
from infra.constructs.secure_bucket import SecureBucket
from infra.constructs.training_roles import PipelineData, TrainingRoles, TrainingRolesProps
from pipelines.training_pipeline import TRAINING_SCRIPTS, pipeline_definition


class TrainingPipelineStack(cdk.Stack):
    """prepare -> SMDDP training -> evaluate -> gate -> register, as a deployed pipeline."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        data: PipelineData,
        vpc: ec2.IVpc,
        subnets: ec2.SelectedSubnets,
        training_security_group: ec2.ISecurityGroup,
        endpoint_security_group: ec2.ISecurityGroup,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        # One image per base + library stack: the distribution's training image, and the
        # processing image (prepare, evaluate); the same asset when both are the same.
        self.image = self._image("TrainingImage", settings.training.training_image)
        processing = settings.training.processing_image
        self.processing_image = (
            self.image
            if processing == settings.training.training_image
            else self._image("ProcessingImage", processing)
        )
        self.roles = TrainingRoles(
            self,
            "Roles",
            props=training_roles_props(settings),
            data=data,
            image=self.image,
            vpc=vpc,
            judge_models=invocable_models(
                self, [m for m in [settings.evaluation.judge_model_id] if m]
            ),
        )
        self.model_package_group = self._model_package_group(settings)
        self.tracking = self._tracking(
            settings, data.artifacts_bucket, data.key, vpc, subnets, endpoint_security_group
        )
        self.pipeline = self._pipeline(settings, data, subnets, training_security_group)
        pipeline_arn = self.format_arn(
            service="sagemaker", resource="pipeline", resource_name=pipeline_name(settings)
        )
        self._add_triggers(pipeline_arn, data.raw_bucket)
        monitoring = MonitoringProps(settings.name, pipeline_name(settings), settings.alarm_email)
        self.alarm_topic = failure_alarm(self, monitoring)
        dashboard(self, monitoring)
        cdk.CfnOutput(self, contract.PIPELINE_NAME_OUTPUT, value=pipeline_name(settings))
        cdk.CfnOutput(
            self, contract.MODEL_PACKAGE_GROUP_OUTPUT, value=model_package_group_name(settings)
        )
        cdk.CfnOutput(self, contract.JOB_ROLE_OUTPUT, value=self.roles.job_role.role_arn)
        self._add_deployment_outputs()

    def _model_package_group(self, settings: Settings) -> sagemaker.CfnModelPackageGroup:
        """Where the gate registers models, shared with the accounts settings name."""
        group = sagemaker.CfnModelPackageGroup(
            self,
            "ModelPackageGroup",
            model_package_group_name=model_package_group_name(settings),
            model_package_group_description=f"{settings.name}: models that passed the gate",
        )
        share_model_package_group(
            group, model_package_group_name(settings), settings.models.share_with_accounts
        )
        return group

    def _pipeline(
        self,
        settings: Settings,
        data: PipelineData,
        subnets: ec2.SelectedSubnets,
        training_security_group: ec2.ISecurityGroup,
    ) -> sagemaker.CfnPipeline:
        """The SageMaker SDK's definition, its placeholders substituted with this stage's ARNs."""
        subnet_ids = subnets.subnet_ids
        self.definition = pipeline_definition(settings, subnet_count=len(subnet_ids))
        self.substitutions: dict[str, str] = {
            contract.TRAINING_ROLE_NAME: self.roles.job_role.role_name,
            contract.PREPARE_ROLE_NAME: self.roles.prepare_role.role_name,
            contract.RAW_BUCKET: data.raw_bucket.bucket_name,
            contract.ARTIFACTS_BUCKET: data.artifacts_bucket.bucket_name,
            contract.CURATED_BUCKET: data.curated_bucket.bucket_name,
            contract.PII_SALT_SECRET_ARN: data.pii_salt.secret_arn,
            contract.DATA_KEY_ARN: data.key.key_arn,
            contract.TRAINING_SECURITY_GROUP: training_security_group.security_group_id,
            contract.TRAINING_IMAGE_URI: self.image.image_uri,
            contract.PROCESSING_IMAGE_URI: self.processing_image.image_uri,
            **{contract.subnet_variable(i): subnet for i, subnet in enumerate(subnet_ids)},
        }
        if self.tracking is not None:
            self.substitutions[contract.MLFLOW_TRACKING_ARN] = self.tracking.arn
        pipeline = sagemaker.CfnPipeline(
            self,
            "Pipeline",
            pipeline_name=pipeline_name(settings),
            role_arn=self.roles.pipeline_role.role_arn,
            # A dict, not PipelineDefinitionProperty: the property class emits a wrong-cased key.
            pipeline_definition={
                "PipelineDefinitionBody": cdk.Fn.sub(self.definition, self.substitutions)
            },
            pipeline_description="prepare -> train -> evaluate -> quality gate -> register",
        )
        pipeline.node.add_dependency(self.model_package_group)
        return pipeline

    def _tracking(
        self,
        settings: Settings,
        artifacts_bucket: SecureBucket,
        key: kms.IKey,
        vpc: ec2.IVpc,
        subnets: ec2.SelectedSubnets,
        endpoint_security_group: ec2.ISecurityGroup,
    ) -> MlflowTracking | None:
        """The stage's MLflow (or `tracking.tracking_server_arn`), logged to by the job role."""
        tracking = settings.tracking
        if not tracking.enabled:
            return None
        server = (
            MlflowServerOptions(
                name=contract.mlflow_server_name(settings),
                size=tracking.server_size,
                weekly_maintenance_window_start=tracking.weekly_maintenance_window_start,
            )
            if tracking.creates_server
            else None
        )
        mlflow = MlflowTracking(
            self, "Mlflow", server=server, existing_arn=tracking.tracking_server_arn,
            artifacts_bucket=artifacts_bucket, key=key, vpc=vpc, subnets=subnets,
            endpoint_security_group=endpoint_security_group,
        )  # fmt: skip
        mlflow.grant_logging(self.roles.job_role)  # Train and Evaluate run as the job role
        return mlflow

    def _add_deployment_outputs(self) -> None:
        # `fmops pipeline upsert --stack` resolves the builder's placeholders with exactly the
        # values Fn::Sub used here, and creates the pipeline with the same role.
        cdk.CfnOutput(self, contract.ROLE_OUTPUT, value=self.roles.pipeline_role.role_arn)
        for name, value in self.substitutions.items():
            cdk.CfnOutput(
                self,
                contract.variable_output(name),
                value=value,
                description=f"Value of ${{{name}}} in the pipeline definition",
            )

    def _image(self, construct_id: str, image: TrainingImage) -> ecr_assets.DockerImageAsset:
        """training_scripts/ on `image.base_image` with `image.requirements` installed."""
        return ecr_assets.DockerImageAsset(
            self,
            construct_id,
            directory=str(TRAINING_SCRIPTS),
            build_args={
                "BASE_IMAGE": image.base_image.replace("${AWS::Region}", self._build_region()),
                "REQUIREMENTS": image.requirements,
                "TORCH_VERSION": image.torch_version,
                # Only a non-default NER model is a build argument: the default image's asset
                # hash (and template) stay as they were.
                **(
                    {"PII_NER_MODEL": self.settings.data.pii_ner_model}
                    if self.settings.data.pii_ner_model != DEFAULT_PII_NER_MODEL
                    else {}
                ),
            },
            platform=ecr_assets.Platform.LINUX_AMD64,
        )

    def _build_region(self) -> str:
        # The DLC base image is pulled at `cdk deploy` time from the target region's registry;
        # an environment-agnostic synth has no region, so fall back to the DLC home region.
        return self.settings.region or "us-east-1"

    def _add_triggers(self, pipeline_arn: str, raw_bucket: s3.IBucket) -> None:
        settings = self.settings.pipeline
        if not (settings.trigger_prefix or settings.schedule):
            return
        role = iam.Role(
            self,
            "StartPipelineRole",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            ),
            description="Lets EventBridge start the training pipeline",
        )
        iam.ManagedPolicy(
            self,
            "StartPipelinePolicy",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["sagemaker:StartPipelineExecution"], resources=[pipeline_arn]
                )
            ],
        )
        # jsii.implements registers the interface at run time; mypy cannot see it.
        target = cast(events.IRuleTarget, ArnTarget(pipeline_arn, role))
        if settings.trigger_prefix:
            # Continued pre-training on fresh domain data: one run per batch, not per object
            # (N uploads would start N runs on p4d). Only the READY_MARKER object directly under
            # the trigger prefix starts a run, whose prepare step curates what is there.
            events.Rule(
                self,
                "NewRawData",
                description=f"A {READY_MARKER} marker under the trigger prefix starts the pipeline",
                event_pattern=events.EventPattern(
                    source=["aws.s3"],
                    detail_type=["Object Created"],
                    detail={
                        "bucket": {"name": [raw_bucket.bucket_name]},
                        "object": {"key": [f"{settings.trigger_prefix}{READY_MARKER}"]},
                    },
                ),
                targets=[target],
            )
        if settings.schedule:
            events.Rule(
                self,
                "Schedule",
                description="Scheduled training pipeline runs",
                schedule=events.Schedule.expression(settings.schedule),
                targets=[target],
            )


def training_roles_props(settings: Settings) -> TrainingRolesProps:
    """The stage's role names (from the deployment contract) and data layout as role props."""
    return TrainingRolesProps(
        job_role_name=contract.training_job_role_name(settings),
        pipeline_role_name=contract.pipeline_role_name(settings),
        prepare_role_name=contract.prepare_job_role_name(settings),
        model_package_group_name=model_package_group_name(settings),
        curated_prefix=settings.data.curated_prefix,
        reads_shards=settings.training.prepare_instance_count > 1,
    )
