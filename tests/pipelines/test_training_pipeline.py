"""The training pipeline definition: structure, SMDDP, gate wiring, determinism."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from deployment.contract import DEPLOYMENT_VARIABLES
from deployment.settings import Settings, SettingsError, settings_for_stage
from pipelines.quality_gate import STEP_PREFIX
from pipelines.training_pipeline import (
    GATE_METRICS,
    code_sha256,
    pipeline_definition,
)
from tests.metric_lines import parse_metrics
from tests.pipelines.conftest import flatten_steps, step
from tests.python_probe import run_python
from training_scripts.contract import format_metrics
from training_scripts.tracking import ROUTING_ENV
from training_scripts.vocabulary.metrics import GATE_PARAMETERS, TRAINING_METRICS, family_rules


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


def _gate_chain(node: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    chain = []
    while node["Type"] == "Condition":
        chain.append(node["Name"])
        (fail,) = node["Arguments"]["ElseSteps"]
        assert fail["Type"] == "Fail"
        (node,) = node["Arguments"]["IfSteps"]
    return chain, node


@pytest.mark.parametrize(
    ("branches", "family", "register"),
    [
        (("ElseSteps", "ElseSteps"), "text", "RegisterModel"),
        (("IfSteps",), "pairwise", "RegisterPreferenceModel"),
        (("ElseSteps", "IfSteps"), "policy", "RegisterPolicyModel"),
    ],
)
def test_gate_checks_every_metric_of_the_family_in_turn_and_registers_only_at_the_end(
    prod_definition: dict[str, Any], branches: tuple[str, ...], family: str, register: str
) -> None:
    node = prod_definition["Steps"][3]
    for branch in branches:
        (node,) = node["Arguments"][branch]
    chain, end = _gate_chain(node)
    prefix = STEP_PREFIX[family]
    assert chain == [f"Check{prefix}{g.parameter}" for g in family_rules(family)]
    assert (end["Name"], end["Type"]) == (register, "RegisterModel")


def test_grpo_takes_the_policy_gate_with_the_reward_gain_and_the_safety_rules(
    prod_definition: dict[str, Any],
) -> None:
    (condition,) = step(prod_definition, "CheckPolicyMethod")["Arguments"]["Conditions"]
    assert condition["Values"] == ["grpo"]
    assert {g.parameter for g in family_rules("policy")} == {
        "MinEvalExamples", "MaxUnsupportedWordRate", "MinRewardGain", "MinRefusalRate",
        "MaxRefusalDrop", "MaxOverRefusalRate",
    }  # fmt: skip


def test_reward_and_dpo_take_the_preference_gate(prod_definition: dict[str, Any]) -> None:
    (condition,) = step(prod_definition, "CheckMethodFamily")["Arguments"]["Conditions"]
    assert condition == {
        "Type": "In",
        "QueryValue": {"Get": "Parameters.Method"},
        "Values": ["reward", "dpo"],
    }


@pytest.mark.parametrize("gate", GATE_METRICS, ids=lambda g: g.parameter)
def test_gate_condition_reads_evaluation_json_and_its_parameter(
    prod_definition: dict[str, Any], gate: Any
) -> None:
    check = f"Check{STEP_PREFIX[gate.family]}{gate.parameter}"
    (condition,) = step(prod_definition, check)["Arguments"]["Conditions"]
    assert condition["Type"] == ("GreaterThanOrEqualTo" if gate.minimum else "LessThanOrEqualTo")
    assert condition["LeftValue"]["Std:JsonGet"] == {
        "Path": gate.key,
        "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
    }
    assert condition["RightValue"] == {"Get": f"Parameters.{gate.parameter}"}


@pytest.mark.parametrize("gate", GATE_METRICS, ids=lambda g: g.parameter)
def test_fail_step_names_the_metric_and_threshold(
    prod_definition: dict[str, Any], gate: Any
) -> None:
    fail = f"Fail{STEP_PREFIX[gate.family]}{gate.parameter}"
    values = step(prod_definition, fail)["Arguments"]["ErrorMessage"]["Std:Join"]["Values"]
    words = " ".join(v for v in values if isinstance(v, str))
    read = [v["Std:JsonGet"]["Path"] for v in values if isinstance(v, dict) and "Std:JsonGet" in v]
    # metric, its value, the threshold parameter and value, and the baseline's value
    assert gate.metric in words and gate.parameter in words
    assert gate.key in read
    assert {"Get": f"Parameters.{gate.parameter}"} in values
    if gate.baseline:
        assert gate.baseline in read and "baseline" in words
    elif gate.kind == "size":
        assert "baseline is scored on the same examples" in words
    else:  # pairwise models are scored without a baseline
        assert gate.family == "pairwise" and "baseline" not in words


def test_each_gate_family_reads_only_keys_that_evaluate_py_writes_for_it() -> None:
    from training_scripts.metrics.comparison import Comparison, comparison_fields
    from training_scripts.vocabulary.metrics import (
        COMPARED_METRICS,
        EVALUATION_KEYS,
        PAIRWISE_KEYS,
        POLICY_KEYS,
        REWARD_SCORE,
        SAFETY_METRICS,
    )

    compared = comparison_fields(
        {m: Comparison(1, 0, 0, 1, 2) for m in (*COMPARED_METRICS, *SAFETY_METRICS)}
    )
    policy = comparison_fields({REWARD_SCORE: Comparison(1, 0, 0, 1, 2)})
    written = {
        "text": set(EVALUATION_KEYS) | set(compared),
        "pairwise": set(PAIRWISE_KEYS),
        "policy": set(EVALUATION_KEYS) | set(compared) | set(policy) | set(POLICY_KEYS),
    }
    for gate in GATE_METRICS:
        for family in (gate.family, *gate.also):
            assert gate.key in written[family], (gate, family)


def test_evaluation_report_is_the_property_file_of_the_evaluate_step(
    prod_definition: dict[str, Any],
) -> None:
    evaluate = step(prod_definition, "Evaluate")
    assert evaluate["PropertyFiles"] == [
        {
            "PropertyFileName": "EvaluationReport",
            "OutputName": "evaluation",
            "FilePath": "evaluation.json",
        }
    ]
    outputs = evaluate["Arguments"]["ProcessingOutputConfig"]["Outputs"]
    assert [o["OutputName"] for o in outputs] == ["evaluation"]


def test_gate_thresholds_are_parameters_defaulting_to_the_stage_settings(
    prod_definition: dict[str, Any], prod_settings: Any
) -> None:
    params = {p["Name"]: p for p in prod_definition["Parameters"]}
    for gate in GATE_METRICS:
        kind = "Integer" if gate.kind == "size" else "Float"
        assert params[gate.parameter]["Type"] == kind
        assert params[gate.parameter]["DefaultValue"] == getattr(
            prod_settings.evaluation, gate.settings_field
        )
    assert params["Method"]["DefaultValue"] == prod_settings.training.method


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


def test_evaluate_receives_every_gate_threshold_parameter_as_a_valid_job_argument(
    prod_definition: dict[str, Any],
) -> None:
    # Evaluate logs the gate's decision per rule to MLflow: it must get each rule's threshold,
    # the pipeline parameter itself (a value given at start time), not the stage's default.
    from tests.api_shapes import pipeline_step_problems

    evaluate = step(prod_definition, "Evaluate")
    arguments = evaluate["Arguments"]["AppSpecification"]["ContainerArguments"]
    given = {}
    for at, argument in enumerate(arguments):
        if argument == "--threshold":
            join = arguments[at + 1]["Std:Join"]
            assert join["On"] == "="
            name, value = join["Values"]
            given[name] = value
    assert given == {name: {"Get": f"Parameters.{name}"} for name in GATE_PARAMETERS}
    assert not pipeline_step_problems(evaluate)
