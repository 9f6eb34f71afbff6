"""The training pipeline definition: structure, SMDDP, jobs, registration, determinism
(the gate: test_definition_gate.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from deployment.contract import DEPLOYMENT_VARIABLES
from deployment.settings import Settings, SettingsError, settings_for_stage
from pipelines.quality_gate import STEP_PREFIX
from pipelines.training_pipeline import (
    code_sha256,
    pipeline_definition,
)
from tests.metric_lines import parse_metrics
from tests.pipelines.conftest import flatten_steps, step
from tests.python_probe import run_python
from training_scripts.contract import format_metrics
from training_scripts.tracking import ROUTING_ENV
from training_scripts.vocabulary.metrics import TRAINING_METRICS, family_rules


def test_same_settings_give_byte_identical_definitions_in_another_process(
    prod_definition_text: str,
) -> None:
    # A fresh interpreter with another hash seed: set or dict ordering that leaks into the
    # definition, or anything read from the clock or the environment, shows up as a diff.
    probe = (
        "from deployment.settings import settings_for_stage;"
        "from pipelines.training_pipeline import pipeline_definition;"
        "print(pipeline_definition(settings_for_stage('prod')))"
    )
    printed = run_python(probe, PYTHONHASHSEED="12345")
    assert printed.strip() == prod_definition_text


def test_top_level_steps_run_prepare_train_evaluate_then_the_gate(
    prod_definition: dict[str, Any],
) -> None:
    assert [(s["Name"], s["Type"]) for s in prod_definition["Steps"]] == [
        ("PrepareData", "Processing"),
        ("Train", "Training"),
        ("Evaluate", "Processing"),
        ("CheckMethodFamily", "Condition"),
    ]


def test_evaluate_scores_the_candidate_against_the_baseline_parameter(
    prod_definition: dict[str, Any],
) -> None:
    inputs = {
        i["InputName"]: i["S3Input"]["S3Uri"]
        for i in step(prod_definition, "Evaluate")["Arguments"]["ProcessingInputs"]
    }
    params = {p["Name"]: p for p in prod_definition["Parameters"]}
    assert inputs["baseline"] == {"Get": "Parameters.BaselineModelUri"}
    # Default baseline: the base model the Train step adapts (its `model` channel).
    assert params["BaselineModelUri"]["DefaultValue"] == params["BaseModelUri"]["DefaultValue"]
    assert "governance" in inputs  # lineage for the model card


def test_registration_carries_the_model_card_the_evaluation_wrote(
    prod_definition: dict[str, Any],
) -> None:
    card = step(prod_definition, "RegisterModel")["Arguments"]["ModelCard"]
    assert card["ModelCardStatus"] == "Draft"
    assert card["ModelCardContent"]["Std:JsonGet"]["Path"] == "model_card_content"


def test_prod_training_uses_smddp_on_p4d_through_the_mpirun_launcher(
    prod_definition: dict[str, Any],
) -> None:
    args = step(prod_definition, "Train")["Arguments"]
    hps = args["HyperParameters"]
    assert hps["backend"] == "smddp"
    assert hps["sagemaker_distributed_dataparallel_enabled"] == "true"
    assert hps["sagemaker_instance_type"] == "ml.p4d.24xlarge"
    assert args["ResourceConfig"]["InstanceType"] == "ml.p4d.24xlarge"
    assert args["ResourceConfig"]["InstanceCount"] == 2


def test_dev_training_uses_torchrun_without_smddp(dev_definition: dict[str, Any]) -> None:
    hps = step(dev_definition, "Train")["Arguments"]["HyperParameters"]
    assert hps["sagemaker_torch_distributed_enabled"] == "true"
    assert "sagemaker_distributed_dataparallel_enabled" not in hps
    assert hps["backend"] == "auto"


def test_smddp_on_an_unsupported_instance_type_is_refused() -> None:
    from deployment.settings import load_settings, read_cdk_json_context

    context = read_cdk_json_context()
    context["fmops:stages"]["dev"]["training"]["distribution"] = "smddp"
    with pytest.raises(
        SettingsError,
        match=r"does not support SMDDP \(allowed: "
        r"ml\.p4d\.24xlarge, ml\.p4de\.24xlarge",
    ):
        load_settings(context)


def test_training_runs_in_the_vpc_encrypted_and_checkpointed(
    prod_definition: dict[str, Any],
) -> None:
    args = step(prod_definition, "Train")["Arguments"]
    assert args["EnableInterContainerTrafficEncryption"] is True
    assert args["VpcConfig"] == {
        "SecurityGroupIds": ["${TrainingSecurityGroup}"],
        "Subnets": ["${Subnet1}", "${Subnet2}", "${Subnet3}"],
    }
    assert args["OutputDataConfig"]["KmsKeyId"] == "${DataKeyArn}"
    assert args["CheckpointConfig"]["LocalPath"] == "/opt/ml/checkpoints"
    # p4d volumes are hardware-encrypted NVMe; SageMaker rejects a VolumeKmsKeyId for them.
    assert "VolumeKmsKeyId" not in args["ResourceConfig"]


def test_processing_steps_run_in_the_vpc_with_kms(prod_definition: dict[str, Any]) -> None:
    for name in ("PrepareData", "Evaluate"):
        args = step(prod_definition, name)["Arguments"]
        assert args["NetworkConfig"]["VpcConfig"]["SecurityGroupIds"] == [
            "${TrainingSecurityGroup}"
        ]
        assert args["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == "${DataKeyArn}"
        assert args["ProcessingOutputConfig"]["KmsKeyId"] == "${DataKeyArn}"


def test_training_metric_regexes_read_each_value_train_py_prints(
    prod_definition: dict[str, Any],
) -> None:
    # One line as training prints it, every metric with its own value; names overlap
    # (reward_accuracy inside eval_reward_accuracy and dpo_reward_accuracy), so a regex that
    # is not anchored to the whole name reads a neighbour's value.
    printed = {name: float(i + 1) / 8 for i, name in enumerate(TRAINING_METRICS)}
    line = "step=7; " + format_metrics(dict(reversed(printed.items())))
    definitions = step(prod_definition, "Train")["Arguments"]["AlgorithmSpecification"][
        "MetricDefinitions"
    ]
    assert parse_metrics(line, definitions) == printed


def test_every_step_records_the_code_content_hash(
    prod_definition: dict[str, Any], prod_settings: Settings
) -> None:
    for name in ("PrepareData", "Train", "Evaluate"):
        environment = step(prod_definition, name)["Arguments"]["Environment"]
        assert environment["FMOPS_CODE_SHA256"] == code_sha256()
        # Only the prepare step is told where the PII salt is; Train and Evaluate where to
        # log (MLflow), when tracking is on.
        salt = {"FMOPS_PII_SALT_SECRET_ARN"} if name == "PrepareData" else set()
        logs = name != "PrepareData" and prod_settings.tracking.enabled
        assert set(environment) == {"FMOPS_CODE_SHA256", *salt, *(ROUTING_ENV if logs else ())}


def test_only_known_placeholders_appear(prod_definition_text: str) -> None:
    names = set(re.findall(r"\$\{([A-Za-z0-9:]+)\}", prod_definition_text))
    allowed = set(DEPLOYMENT_VARIABLES) | {"AWS::Region", "AWS::Partition", "AWS::AccountId"}
    assert names - allowed == {"Subnet1", "Subnet2", "Subnet3"}


def test_register_step_waits_for_manual_approval_with_model_metrics(
    prod_definition: dict[str, Any],
) -> None:
    args = step(prod_definition, "RegisterModel")["Arguments"]
    assert args["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    params = {p["Name"]: p for p in prod_definition["Parameters"]}
    assert params["ModelApprovalStatus"]["DefaultValue"] == "PendingManualApproval"
    stats = args["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert stats["ContentType"] == "application/json"
    assert "model_quality.json" in stats["S3Uri"]["Std:Join"]["Values"]
    assert args["CustomerMetadataProperties"]["model_data_url"] == {
        "Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"
    }


@pytest.mark.parametrize(
    "register", ["RegisterModel", "RegisterPreferenceModel", "RegisterPolicyModel"]
)
def test_registered_package_never_names_the_training_image_as_its_serving_image(
    prod_definition: dict[str, Any], register: str
) -> None:
    args = step(prod_definition, register)["Arguments"]
    assert "InferenceSpecification" not in args
    assert "TrainingImageUri" not in json.dumps(args)


def test_distill_teacher_comes_from_the_teacher_model_uri_parameter_read_lazily(
    prod_definition: dict[str, Any], prod_settings: Any
) -> None:
    channels = step(prod_definition, "Train")["Arguments"]["InputDataConfig"]
    (teacher,) = [c for c in channels if c["ChannelName"] == "teacher"]
    assert teacher["DataSource"]["S3DataSource"]["S3Uri"] == {"Get": "Parameters.TeacherModelUri"}
    # FastFile: every other method leaves the teacher unread and so undownloaded.
    assert teacher["InputMode"] == "FastFile"
    params = {p["Name"]: p["DefaultValue"] for p in prod_definition["Parameters"]}
    assert params["TeacherModelUri"].startswith("s3://${ArtifactsBucket}/base-models/")


def test_grpo_reward_model_comes_from_the_reward_model_uri_parameter_read_lazily(
    prod_definition: dict[str, Any],
) -> None:
    channels = step(prod_definition, "Train")["Arguments"]["InputDataConfig"]
    (reward,) = [c for c in channels if c["ChannelName"] == "reward_model"]
    assert reward["DataSource"]["S3DataSource"]["S3Uri"] == {"Get": "Parameters.RewardModelUri"}
    assert reward["InputMode"] == "FastFile"  # other methods never download it
    params = {p["Name"]: p["DefaultValue"] for p in prod_definition["Parameters"]}
    # Default: the base model (no reward head), so a grpo job fits one on its own rankings.
    assert params["RewardModelUri"] == params["BaseModelUri"]


def test_prepare_step_knows_the_method_so_reward_and_dpo_get_ranked_pairs(
    prod_definition: dict[str, Any],
) -> None:
    arguments = step(prod_definition, "PrepareData")["Arguments"]["AppSpecification"][
        "ContainerArguments"
    ]
    at = arguments.index("--method")
    assert arguments[at + 1] == {"Get": "Parameters.Method"}


def test_training_and_processing_run_on_their_own_images(prod_definition: dict[str, Any]) -> None:
    train = step(prod_definition, "Train")["Arguments"]["AlgorithmSpecification"]
    assert train["TrainingImage"] == "${TrainingImageUri}"
    for name in ("PrepareData", "Evaluate"):
        app = step(prod_definition, name)["Arguments"]["AppSpecification"]
        assert app["ImageUri"] == "${ProcessingImageUri}"


def test_training_output_is_uncompressed_for_bedrock_import(prod_definition: dict) -> None:
    args = step(prod_definition, "Train")["Arguments"]
    assert args["OutputDataConfig"]["CompressionType"] == "NONE"


def test_registration_records_architecture_and_method_for_serving(prod_definition: dict) -> None:
    metadata = step(prod_definition, "RegisterModel")["Arguments"]["CustomerMetadataProperties"]
    assert metadata["method"] == {"Get": "Parameters.Method"}
    assert metadata["architecture"]["Std:JsonGet"]["Path"] == "model_architecture"


def test_no_step_is_left_out_of_the_flattened_tree(prod_definition: dict[str, Any]) -> None:
    names = [s["Name"] for s in flatten_steps(prod_definition["Steps"])]
    # prepare, train, evaluate, the two family checks, a check and a fail per gate rule of each
    # family (the policy chain repeats the safety rules under its own names), three registers.
    checks = sum(len(family_rules(f)) for f in STEP_PREFIX)
    assert len(names) == len(set(names)) == 3 + 2 + 2 * checks + 3


def test_unknown_training_hyperparameter_in_settings_is_refused_before_any_build() -> None:
    from deployment.settings import load_settings, read_cdk_json_context

    context = read_cdk_json_context()
    context["fmops"].setdefault("training", {})["hyperparameters"] = {"learning_rate": "5"}
    with pytest.raises(
        SettingsError,
        match=r"settings\.training\.hyperparameters\.learning_rate = '5': must be float",
    ):
        pipeline_definition(load_settings(context))


def test_stage_settings_change_the_definition() -> None:
    assert pipeline_definition(settings_for_stage("dev")) != pipeline_definition(
        settings_for_stage("prod")
    )


def test_sdk_config_is_still_validated_once_and_the_sdk_is_restored_after_the_build() -> None:
    # The build validates each distinct SDK config once instead of on every lookup (two thirds
    # of a definition build); a bad config must still be refused, and the SDK's own validator
    # must be back once the build is over.
    import jsonschema

    from pipelines.offline_sdk import SDK_CONFIG, offline_sdk

    with offline_sdk():
        from sagemaker.core.config import config as config_module
        from sagemaker.core.config.config_manager import SageMakerConfig

        # Two entry points: the file loader's and the config manager's.
        for validate in (
            SageMakerConfig.validate_sagemaker_config,
            config_module.validate_sagemaker_config,
        ):
            validate(SDK_CONFIG)
            with pytest.raises(jsonschema.ValidationError):
                validate({"SchemaVersion": "1.0", "Bogus": 1})
        inside = (
            SageMakerConfig.__dict__["validate_sagemaker_config"],
            config_module.validate_sagemaker_config,
        )
    assert SageMakerConfig.__dict__["validate_sagemaker_config"] is not inside[0]
    assert config_module.validate_sagemaker_config is not inside[1]
