"""TrainingPipelineStack: deploys the builder's definition verbatim, with least privilege."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from deployment.contract import (
    model_package_group_name,
    pipeline_role_name,
    training_job_role_name,
)
from deployment.settings import Settings
from pipelines.training_pipeline import pipeline_definition


def _only(template: Template, rtype: str, prefix: str = "") -> dict[str, Any]:
    found = [v for k, v in template.find_resources(rtype).items() if k.startswith(prefix)]
    assert len(found) == 1, f"{rtype} {prefix}*: {len(found)} found"
    return found[0]


def _definition_sub(template: Template) -> list[Any]:
    pipeline = _only(template, "AWS::SageMaker::Pipeline")
    return pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]["Fn::Sub"]


def test_deployed_definition_is_the_builders_output_byte_for_byte(
    training_template: Template, synthesized: Any
) -> None:
    body, _ = _definition_sub(training_template)
    subnets = len(synthesized.stacks.network.isolated_subnets.subnet_ids)
    assert body == pipeline_definition(synthesized.settings, subnet_count=subnets)


def test_every_placeholder_is_substituted(training_template: Template) -> None:
    body, variables = _definition_sub(training_template)
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", body))
    assert placeholders == set(variables)


def _regional(name: str, region: str | None) -> str | dict[str, Any]:
    """A role name as the stack writes it: the name, then the Region (a literal where cdk.json
    pins the stage's region, else resolved at deploy time)."""
    if region:
        return f"{name}-{region}"
    return {"Fn::Join": ["", [f"{name}-", {"Ref": "AWS::Region"}]]}


def test_jobs_run_as_the_job_role_and_the_pipeline_as_its_own(
    training_template: Template, dev_settings: Settings
) -> None:
    _, variables = _definition_sub(training_template)
    roles = training_template.find_resources("AWS::IAM::Role")
    job_role = roles[variables["TrainingRoleName"]["Ref"]]
    assert job_role["Properties"]["RoleName"] == _regional(
        training_job_role_name(dev_settings), dev_settings.region
    )
    pipeline = _only(training_template, "AWS::SageMaker::Pipeline")
    role_id = pipeline["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    role = roles[role_id]
    assert role["Properties"]["RoleName"] == _regional(
        pipeline_role_name(dev_settings), dev_settings.region
    )


def test_sagemaker_roles_trust_only_sagemaker_in_this_account(
    training_template: Template, dev_settings: Settings
) -> None:
    # The names and account cdk.json gives, not the defaults (a pinned stage's is a literal).
    account = dev_settings.account or {"Ref": "AWS::AccountId"}
    names = (training_job_role_name(dev_settings), pipeline_role_name(dev_settings))
    for name in names:
        (role,) = [
            r
            for r in training_template.find_resources("AWS::IAM::Role").values()
            if r["Properties"].get("RoleName") == _regional(name, dev_settings.region)
        ]
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}


def test_roles_have_no_inline_policies(training_template: Template) -> None:
    training_template.resource_count_is("AWS::IAM::Policy", 0)
    for role in training_template.find_resources("AWS::IAM::Role").values():
        assert "Policies" not in role["Properties"]


def test_pipeline_may_pass_only_the_job_roles_only_to_sagemaker(
    training_template: Template,
) -> None:
    statements = [
        s
        for p in training_template.find_resources("AWS::IAM::ManagedPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    (pass_role,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    passed = json.dumps(pass_role["Resource"])
    assert "JobRole" in passed and "PrepareRole" in passed and len(pass_role["Resource"]) == 2


def test_no_statement_grants_an_action_wildcard(training_template: Template) -> None:
    for policy in training_template.find_resources("AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                assert "*" not in action, action


def test_model_package_group_backs_the_register_step(training_template: Template) -> None:
    training_template.has_resource_properties(
        "AWS::SageMaker::ModelPackageGroup", {"ModelPackageGroupName": "fmops-dev-models"}
    )
    body, _ = _definition_sub(training_template)
    assert f'"ModelPackageGroupName":"{model_package_group_name_dev()}"' in body


def model_package_group_name_dev() -> str:
    from deployment.settings import settings_for_stage

    return model_package_group_name(settings_for_stage("dev"))


def _matches(key_filters: list[Any], key: str) -> bool:
    """EventBridge's matching of one string field: exact values or {"prefix"}/{"suffix"}."""
    for rule in key_filters:
        if isinstance(rule, str) and rule == key:
            return True
        if isinstance(rule, dict) and (
            ("prefix" in rule and key.startswith(rule["prefix"]))
            or ("suffix" in rule and key.endswith(rule["suffix"]))
        ):
            return True
    return False


def test_a_batch_of_uploads_starts_one_run_on_its_ready_marker(
    training_template: Template, synthesized: Any
) -> None:
    from deployment.contract import READY_MARKER

    prefix = synthesized.settings.pipeline.trigger_prefix
    rules = training_template.find_resources("AWS::Events::Rule")
    (rule,) = [r for k, r in rules.items() if k.startswith("NewRawData")]
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert "RefRaw" in json.dumps(pattern["detail"]["bucket"])
    uploads = [f"{prefix}batch-7/part-{i:03d}.jsonl" for i in range(50)]
    uploads += [f"{prefix}notes.txt", f"{prefix}{READY_MARKER}"]
    started = [k for k in uploads if _matches(pattern["detail"]["object"]["key"], k)]
    assert started == [f"{prefix}{READY_MARKER}"]
    (target,) = rule["Properties"]["Targets"]
    assert ":pipeline/fmops-dev-training" in json.dumps(target["Arn"])
    assert "RoleArn" in target


def test_the_prepare_step_reads_past_the_ready_marker(tmp_path: Path) -> None:
    from deployment.contract import READY_MARKER
    from training_scripts.governance.readers import input_files

    (tmp_path / "part-000.jsonl").write_text('{"text": "a"}\n')
    (tmp_path / READY_MARKER).write_text("")
    assert input_files(tmp_path) == [tmp_path / "part-000.jsonl"]


def test_raw_and_curated_buckets_send_events_to_eventbridge(data_template: Template) -> None:
    data_template.has_resource_properties(
        "AWS::S3::Bucket",
        {"NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}},
    )


def test_failed_executions_notify_an_encrypted_topic(training_template: Template) -> None:
    topic = _only(training_template, "AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic["Properties"]
    rules = training_template.find_resources("AWS::Events::Rule")
    (rule,) = [r for k, r in rules.items() if k.startswith("PipelineFailed")]
    assert rule["Properties"]["EventPattern"]["detail"]["currentPipelineExecutionStatus"] == [
        "Failed"
    ]
    topic_id = next(iter(training_template.find_resources("AWS::SNS::Topic")))
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": topic_id}


def test_dashboard_tracks_pipeline_executions(training_template: Template) -> None:
    dashboard = _only(training_template, "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "ExecutionFailed" in body and "fmops-dev-training" in body


def test_training_image_is_a_docker_asset_built_from_training_scripts(
    synthesized: Any,
) -> None:
    assets = json.loads((synthesized.outdir / "fmops-dev-training.assets.json").read_text())
    (image,) = assets["dockerImages"].values()
    assert image["source"]["directory"].startswith("asset.")
    staged = synthesized.outdir / image["source"]["directory"]
    assert (staged / "Dockerfile").exists() and (staged / "contract.py").exists()


def test_every_substitution_variable_is_a_stack_output(training_template: Template) -> None:
    from deployment.contract import ROLE_OUTPUT, VARIABLE_OUTPUT_PREFIX

    _, variables = _definition_sub(training_template)
    outputs = training_template.to_json()["Outputs"]
    for name, value in variables.items():
        assert outputs[f"{VARIABLE_OUTPUT_PREFIX}{name}"]["Value"] == value, name
    pipeline = _only(training_template, "AWS::SageMaker::Pipeline")
    assert outputs[ROLE_OUTPUT]["Value"] == pipeline["Properties"]["RoleArn"]
