"""Processing and training steps built on an offline PipelineSession.

Requests are captured by the SageMaker Python SDK v3, never sent. Code is not uploaded: it is
baked into the training image at CODE_DIR, and every job carries FMOPS_CODE_SHA256.
"""

from __future__ import annotations

from typing import Any

from deployment.contract import (
    ARTIFACTS_BUCKET,
    DATA_KEY_ARN,
    MLFLOW_TRACKING_ARN,
    PII_SALT_SECRET_ARN,
    PIPELINE_RUNS_PREFIX,
    PREPARE_ROLE_NAME,
    PROCESSING_IMAGE_URI,
    TRAINING_IMAGE_URI,
    TRAINING_ROLE_NAME,
    TRAINING_SECURITY_GROUP,
    pipeline_name,
    placeholder,
    subnet_variable,
)
from deployment.settings import Settings, SettingsError
from pipelines.offline_sdk import SDK_CONFIG, offline_sdk
from training_scripts.contract import metric_definitions
from training_scripts.hyperparameters import (
    RESERVED_PREFIX,
    HyperparameterError,
    parse_hyperparameters,
)
from training_scripts.tracking import EXECUTION_ENV, EXPERIMENT_ENV, TRACKING_URI_ENV
from training_scripts.vocabulary.metrics import TRAINING_METRICS

CODE_DIR = "/opt/ml/code"  # where the training image keeps training_scripts/
ROLE_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + placeholder(TRAINING_ROLE_NAME)
# The training step runs on the distribution's image; processing on the main-stack image.
TRAINING_IMAGE = placeholder(TRAINING_IMAGE_URI)
PROCESSING_IMAGE = placeholder(PROCESSING_IMAGE_URI)
# The prepare step runs as its own role: the only principal the curated bucket accepts writes from.
PREPARE_ROLE_ARN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + placeholder(
    PREPARE_ROLE_NAME
)
# The prepare job reads the PII salt from this secret at start (governance/salt.py).
PII_SALT_SECRET = placeholder(PII_SALT_SECRET_ARN)
KMS_KEY = placeholder(DATA_KEY_ARN)
SECURITY_GROUP = placeholder(TRAINING_SECURITY_GROUP)

# Instance families with local NVMe storage: CreateTrainingJob/CreateProcessingJob reject a
# VolumeKmsKeyId for them, their volumes are hardware-encrypted (SageMaker API reference,
# ResourceConfig.VolumeKmsKeyId).
LOCAL_NVME_FAMILIES = ("p4d", "p4de", "p5", "p5e", "p5en", "g4dn", "g5", "g6", "g6e", "trn1",
                       "trn1n", "m5d", "c5d", "r5d", "inf2")  # fmt: skip


def uses_local_nvme(instance_type: str) -> bool:
    return instance_type.split(".")[1] in LOCAL_NVME_FAMILIES


class JobSteps:
    """Builds the pipeline's job steps for one stage's settings."""

    def __init__(self, settings: Settings, subnet_count: int, code_hash: str) -> None:
        import boto3
        from sagemaker.core.workflow.pipeline_context import PipelineSession

        self.settings = settings
        self.session = PipelineSession(
            boto_session=boto3.Session(
                region_name="us-east-1",
                aws_access_key_id="offline",
                aws_secret_access_key="offline",
            ),
            default_bucket=placeholder(ARTIFACTS_BUCKET),
            sagemaker_config=SDK_CONFIG,
        )
        self.subnets = [placeholder(subnet_variable(i)) for i in range(subnet_count)]
        self.environment = {"FMOPS_CODE_SHA256": code_hash}
        self.tracking_environment = tracking_environment(settings)

    def run_uri(self, *parts: str, base: str = placeholder(ARTIFACTS_BUCKET)) -> Any:
        """Per-execution S3 location, so runs never read each other's results."""
        from sagemaker.core.workflow.execution_variables import ExecutionVariables
        from sagemaker.core.workflow.functions import Join

        return Join(
            on="/",
            values=[
                "s3:/",
                base,
                PIPELINE_RUNS_PREFIX.rstrip("/"),
                ExecutionVariables.PIPELINE_EXECUTION_ID,
                *parts,
            ],
        )

    def processing_step(
        self,
        name: str,
        script: str,
        *,
        inputs: dict[str, Any],
        outputs: list[str],
        arguments: list[Any] | None = None,
        description: str = "",
        property_files: list[Any] | None = None,
        instance_count: int = 1,
        sharded_inputs: tuple[str, ...] = (),
        role: str = ROLE_ARN,
        output_base: str = placeholder(ARTIFACTS_BUCKET),
        environment: dict[str, str] | None = None,
    ) -> Any:
        """`python3 CODE_DIR/script` with S3 inputs/outputs under /opt/ml/processing.

        Inputs named in `sharded_inputs` are split across the instances (ShardedByS3Key: each
        instance gets a share of the objects); the others reach every instance in full.
        `output_base` is the bucket (and key prefix) under which `pipeline-runs/` outputs go.
        """
        from sagemaker.core.network import NetworkConfig
        from sagemaker.core.processing import Processor
        from sagemaker.core.shapes import (
            ProcessingInput,
            ProcessingOutput,
            ProcessingS3Input,
            ProcessingS3Output,
        )
        from sagemaker.mlops.workflow.steps import ProcessingStep

        instance_type = self.settings.training.processing_instance_type
        processor = Processor(
            role=role,
            image_uri=PROCESSING_IMAGE,
            instance_count=instance_count,
            instance_type=instance_type,
            entrypoint=["python3", f"{CODE_DIR}/{script}"],
            volume_kms_key=None if uses_local_nvme(instance_type) else KMS_KEY,
            output_kms_key=KMS_KEY,
            env={**self.environment, **(environment or {})},
            sagemaker_session=self.session,
            network_config=NetworkConfig(
                subnets=self.subnets,
                security_group_ids=[SECURITY_GROUP],
                encrypt_inter_container_traffic=True,
            ),
        )
        step_args = processor.run(
            inputs=[
                ProcessingInput(
                    input_name=key,
                    s3_input=ProcessingS3Input(
                        s3_uri=uri,
                        local_path=f"/opt/ml/processing/input/{key}",
                        s3_data_type="S3Prefix",
                        s3_input_mode="File",
                        **(
                            {"s3_data_distribution_type": "ShardedByS3Key"}
                            if key in sharded_inputs
                            else {}
                        ),
                    ),
                )
                for key, uri in inputs.items()
            ],
            outputs=[
                ProcessingOutput(
                    output_name=key,
                    s3_output=ProcessingS3Output(
                        s3_uri=self.run_uri(name, key, base=output_base),
                        local_path=f"/opt/ml/processing/output/{key}",
                        s3_upload_mode="EndOfJob",
                    ),
                )
                for key in outputs
            ],
            arguments=arguments,
        )
        return ProcessingStep(
            name=name, description=description, step_args=step_args, property_files=property_files
        )

    def training_hyperparameters(self, method: Any) -> dict[str, Any]:
        training = self.settings.training
        hyperparameters: dict[str, Any] = {
            "method": method,
            "backend": "smddp" if training.distribution == "smddp" else "auto",
            "checkpoint_every": str(training.checkpoint_every_steps),
            **training.hyperparameters,
            # Script mode of the DLC's training toolkit: run train.py from the baked-in code.
            "sagemaker_program": "train.py",
            "sagemaker_submit_directory": CODE_DIR,
        }
        _check_hyperparameters(training.method, hyperparameters)
        if training.distribution == "smddp":
            # SMDDP AllReduce needs an mpirun-based launcher; `smdistributed` runs smddprun
            # (SageMaker developer guide, "Use the PyTorch framework estimators in the
            # SageMaker Python SDK"). These are the toolkit hyperparameters it reads.
            hyperparameters |= {
                "sagemaker_distributed_dataparallel_enabled": "true",
                "sagemaker_distributed_dataparallel_custom_mpi_options": "",
                "sagemaker_instance_type": training.instance_type,
            }
        elif training.distribution == "torchrun":
            hyperparameters["sagemaker_torch_distributed_enabled"] = "true"
        return hyperparameters

    def training_step(
        self,
        name: str,
        *,
        method: Any,
        channels: dict[str, Any],
        lazy_channels: tuple[str, ...] = (),
    ) -> Any:
        """train.py on the configured cluster, in the VPC, encrypted and checkpointed.

        `lazy_channels` are mounted in FastFile mode: read on access, so a method that never
        opens them (every method but distill, for `teacher`) downloads nothing.
        """
        from sagemaker.core.shapes import MetricDefinition
        from sagemaker.mlops.workflow.steps import TrainingStep
        from sagemaker.train.configs import (
            CheckpointConfig,
            Compute,
            InputData,
            Networking,
            OutputDataConfig,
            StoppingCondition,
        )
        from sagemaker.train.model_trainer import ModelTrainer

        training = self.settings.training
        max_run = training.max_run_hours * 3600
        trainer = ModelTrainer(
            training_image=TRAINING_IMAGE,
            role=ROLE_ARN,
            sagemaker_session=self.session,
            base_job_name=f"{self.settings.name}-train",
            compute=Compute(
                instance_type=training.instance_type,
                instance_count=training.instance_count,
                volume_size_in_gb=training.volume_size_gb,
                volume_kms_key_id=None if uses_local_nvme(training.instance_type) else KMS_KEY,
                enable_managed_spot_training=training.use_spot,
            ),
            networking=Networking(
                subnets=self.subnets,
                security_group_ids=[SECURITY_GROUP],
                enable_inter_container_traffic_encryption=True,
            ),
            # Spot jobs may wait for capacity; SageMaker requires MaxWait >= MaxRuntime.
            stopping_condition=StoppingCondition(
                max_runtime_in_seconds=max_run,
                max_wait_time_in_seconds=2 * max_run if training.use_spot else None,
            ),
            # Uncompressed: Bedrock Custom Model Import reads the Hugging Face files (config,
            # tokenizer, safetensors) from an S3 prefix and cannot read model.tar.gz.
            output_data_config=OutputDataConfig(
                s3_output_path=self.run_uri(name, "model"),
                kms_key_id=KMS_KEY,
                compression_type="NONE",
            ),
            hyperparameters=self.training_hyperparameters(method),
            environment={**self.environment, **self.tracking_environment},
        )
        trainer = trainer.with_checkpoint_config(
            CheckpointConfig(
                s3_uri=self.run_uri(name, "checkpoints"),
                local_path="/opt/ml/checkpoints",
            )
        ).with_metric_definitions(
            [
                MetricDefinition(name=d["Name"], regex=d["Regex"])
                for d in metric_definitions(TRAINING_METRICS)
            ]
        )
        return TrainingStep(
            name=name,
            description=f"train.py with {training.distribution} on "
            f"{training.instance_count}x {training.instance_type}",
            step_args=trainer.train(
                input_data_config=[
                    _lazy_channel(channel, uri)
                    if channel in lazy_channels
                    else InputData(channel_name=channel, data_source=uri)
                    for channel, uri in channels.items()
                ]
            ),
        )


def tracking_environment(settings: Settings) -> dict[str, Any]:
    """Train's and Evaluate's MLflow settings: the stage's ARN (a placeholder the stack fills),
    the experiment (the pipeline's name) and the execution whose run they log to."""
    if not settings.tracking.enabled:
        return {}
    from sagemaker.core.workflow.execution_variables import ExecutionVariables

    return {
        TRACKING_URI_ENV: placeholder(MLFLOW_TRACKING_ARN),
        EXPERIMENT_ENV: pipeline_name(settings),
        EXECUTION_ENV: ExecutionVariables.PIPELINE_EXECUTION_ID,
    }


def _lazy_channel(name: str, uri: Any) -> Any:
    from sagemaker.train.configs import Channel, DataSource, S3DataSource

    source = S3DataSource(
        s3_data_type="S3Prefix", s3_uri=uri, s3_data_distribution_type="FullyReplicated"
    )
    return Channel(
        channel_name=name, data_source=DataSource(s3_data_source=source), input_mode="FastFile"
    )


def check_training_settings(settings: Settings) -> None:
    """What `training_step` would refuse, checked before a stack stages any asset."""
    with offline_sdk():
        JobSteps(settings, settings.network.az_count, "").training_hyperparameters(
            settings.training.method
        )


def _check_hyperparameters(method: str, hyperparameters: dict[str, Any]) -> None:
    """Refuse at build time what train.py would refuse hours later on a GPU cluster."""
    fixed = {
        k: v
        for k, v in hyperparameters.items()
        if isinstance(v, str) and not k.startswith(RESERVED_PREFIX)
    }
    try:
        parse_hyperparameters(method, fixed)
    except HyperparameterError as exc:
        raise SettingsError(f"settings.training.hyperparameters: {exc}") from None
