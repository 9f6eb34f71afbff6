"""BedrockStack guarantees: native customization task, scoped role, poll loop, guardrails."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Template

from deployment.settings import Settings
from pipelines.bedrock.jobs import JobRequest, state_machine_input

SHAPES = ("WithValidation", "WithoutValidation", "Distillation", "ReinforcementFineTuning")
# Fields the workflow writes into its own state; everything else it reads comes from the input.
_WORKFLOW_STATE = {"job", "poll", "status", "error"}


def _service_role(template: Template) -> tuple[str, dict[str, Any]]:
    roles = {
        k: v
        for k, v in template.find_resources("AWS::IAM::Role").items()
        if k.startswith("ServiceRole")
    }
    assert len(roles) == 1
    return next(iter(roles.items()))


def _joined(value: Any) -> str:
    return json.dumps(value)


@pytest.mark.parametrize("shape", SHAPES)
def test_each_create_state_uses_the_bedrock_customization_integration_with_the_service_role(
    bedrock_template: Template, shape: str
) -> None:
    (machine,) = bedrock_template.find_resources("AWS::StepFunctions::StateMachine").values()
    raw = _joined(machine["Properties"]["DefinitionString"])
    role_id, _ = _service_role(bedrock_template)
    state = raw.split(f'Create job ({shape})\\":{{', 1)[1].split("Create job (", 1)[0]
    assert ":states:::bedrock:createModelCustomizationJob" in state
    assert _joined({"Fn::GetAtt": [role_id, "Arn"]}) in state
    assert "CustomModelKmsKeyId" in state and "VpcConfig" in state


def test_distillation_state_passes_the_teacher_from_the_execution_input(
    bedrock_template: Template,
) -> None:
    (machine,) = bedrock_template.find_resources("AWS::StepFunctions::StateMachine").values()
    raw = _joined(machine["Properties"]["DefinitionString"])
    state = raw.split('Create job (Distillation)\\":{', 1)[1].split("Create job (", 1)[0]
    assert '\\"TeacherModelIdentifier.$\\":\\"$.teacherModelIdentifier\\"' in state
    assert '\\"CustomizationType.$\\":\\"$.customizationType\\"' in state
    assert "HyperParameters" not in state


def test_workflow_polls_get_job_until_a_terminal_status(bedrock_template: Template) -> None:
    (machine,) = bedrock_template.find_resources("AWS::StepFunctions::StateMachine").values()
    raw = _joined(machine["Properties"]["DefinitionString"])
    assert ":states:::aws-sdk:bedrock:getModelCustomizationJob" in raw
    for status in ("Completed", "Failed", "Stopped"):
        assert f'\\"StringEquals\\":\\"{status}\\"' in raw
    assert '\\"Type\\":\\"Wait\\"' in raw
    assert "Bedrock.ThrottlingException" in raw and '\\"BackoffRate\\":2' in raw
    assert ":states:::sns:publish" in raw


def test_state_machine_logs_everything_to_an_encrypted_log_group(
    bedrock_template: Template,
) -> None:
    (machine,) = bedrock_template.find_resources("AWS::StepFunctions::StateMachine").values()
    assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}
    # The workflow's group and the RFT grader's: every one encrypted.
    groups = bedrock_template.find_resources("AWS::Logs::LogGroup").values()
    assert groups and all("KmsKeyId" in group["Properties"] for group in groups)


def test_failure_topic_is_kms_encrypted(bedrock_template: Template) -> None:
    (topic,) = bedrock_template.find_resources("AWS::SNS::Topic").values()
    assert "KmsMasterKeyId" in topic["Properties"]


def test_service_role_trusts_only_bedrock_jobs_of_this_account(
    bedrock_template: Template, dev_settings: Settings
) -> None:
    _, role = _service_role(bedrock_template)
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "bedrock.amazonaws.com"}
    # A pinned stage (cdk.json's account) writes its account literally.
    account = dev_settings.account or {"Ref": "AWS::AccountId"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
    source_arn = _joined(statement["Condition"]["ArnEquals"]["aws:SourceArn"])
    assert ":model-customization-job/*" in source_arn


def test_service_role_reads_only_the_curated_prefix_and_writes_only_the_output_prefix(
    bedrock_template: Template,
) -> None:
    role_id, _ = _service_role(bedrock_template)
    policies = [
        p
        for p in bedrock_template.find_resources("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    writes = [s for s in statements if "s3:PutObject" in _joined(s["Action"])]
    assert writes and all("/bedrock/*" in _joined(s["Resource"]) for s in writes)
    reads = [s for s in statements if re.search(r'"s3:(Get|List)', _joined(s["Action"]))]
    assert reads
    for statement in reads:
        resource = statement["Resource"]
        if "s3:List" in _joined(statement["Action"]):
            # Listing is granted on a bucket, limited to the curated prefix (inputs) or the
            # output prefix (the documented role lists its output location) by a condition.
            listed = {"Curated": "curated/*", "Artifacts": "bedrock/*"}
            (bucket,) = [b for b in listed if b in _joined(resource)]
            assert statement["Condition"] == {"StringLike": {"s3:prefix": [listed[bucket]]}}
        else:
            assert _object_suffix(resource) in ("/curated/*", "/bedrock/*"), resource
            bucket = "Curated" if _object_suffix(resource) == "/curated/*" else "Artifacts"
            assert bucket in _joined(resource), resource
    assert not any(
        _joined(s["Resource"]) == '"*"' and "s3:" in _joined(s["Action"]) for s in statements
    )


def _object_suffix(resource: Any) -> str:
    """The key pattern an object ARN ends with: `/curated/*` in `arn:...:bucket/curated/*`."""
    if isinstance(resource, dict) and "Fn::Join" in resource:
        last = resource["Fn::Join"][1][-1]
        return last if isinstance(last, str) else ""
    return "/" + str(resource).split("/", 1)[-1] if isinstance(resource, str) else ""


def _definition(template: Template) -> dict[str, Any]:
    """The state machine's ASL, with CloudFormation tokens replaced by a marker string."""
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    body = machine["Properties"]["DefinitionString"]
    if isinstance(body, dict):
        body = "".join(p if isinstance(p, str) else "TOKEN" for p in body["Fn::Join"][1])
    return json.loads(body)


def _route(definition: dict[str, Any], payload: dict[str, Any]) -> str:
    """The state the start Choice sends `payload` to, for the condition types it uses."""
    route = definition["States"][definition["StartAt"]]
    for choice in route["Choices"]:
        field = choice["Variable"].removeprefix("$.")
        if "StringEquals" in choice:
            if payload.get(field) == choice["StringEquals"]:
                return choice["Next"]
        elif "IsPresent" in choice:
            if (field in payload) == choice["IsPresent"]:
                return choice["Next"]
        else:
            raise AssertionError(f"Choice condition this test cannot evaluate: {choice}")
    return route["Default"]


def _input_fields(value: Any) -> set[str]:
    """Top-level execution-input fields read by `"Name.$": "$.field..."` parameters."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith(".$") and isinstance(item, str) and item.startswith("$."):
                found.add(item[2:].split(".")[0])
            found |= _input_fields(item)
    elif isinstance(value, list):
        for item in value:
            found |= _input_fields(item)
    return found - _WORKFLOW_STATE


@pytest.mark.parametrize(
    ("customization", "validation", "shape"),
    [
        ("FINE_TUNING", "s3://curated/curated/bedrock/validation.jsonl", "WithValidation"),
        ("CONTINUED_PRE_TRAINING", None, "WithoutValidation"),
        ("DISTILLATION", None, "Distillation"),
        ("REINFORCEMENT_FINE_TUNING", None, "ReinforcementFineTuning"),
    ],
)
def test_state_machine_input_matches_the_workflow_contract(
    bedrock_template: Template, customization: str, validation: str | None, shape: str
) -> None:
    # The client's execution input, run through the deployed workflow's own Route choice: it
    # must reach the intended create state and carry every field that state reads.
    payload = state_machine_input(
        JobRequest(
            job_name="job-1",
            custom_model_name="job-1-model",
            base_model="amazon.nova-micro-v1:0:128k",
            customization_type=customization,
            training_s3_uri="s3://curated/curated/bedrock/train.jsonl",
            validation_s3_uri=validation,
            hyperparameters={"epochCount": "2"},
            teacher="amazon.nova-pro-v1:0" if customization == "DISTILLATION" else None,
        )
    )
    definition = _definition(bedrock_template)
    state = _route(definition, payload)
    assert state == f"Create job ({shape})"
    needed = _input_fields(definition["States"][state]["Parameters"])
    assert {"jobName", "baseModelIdentifier", "trainingDataS3Uri"} <= needed
    assert needed <= set(payload), f"{state} reads {sorted(needed - set(payload))}, not sent"


def test_rft_state_grades_with_the_stacks_own_grader_and_typed_hyperparameters(
    bedrock_template: Template,
) -> None:
    (machine,) = bedrock_template.find_resources("AWS::StepFunctions::StateMachine").values()
    raw = _joined(machine["Properties"]["DefinitionString"])
    state = raw.split('Create job (ReinforcementFineTuning)\\":{', 1)[1].split("Create job (", 1)[0]
    (function_id,) = [
        k
        for k, v in bedrock_template.find_resources("AWS::Lambda::Function").items()
        if v["Properties"]["Handler"].endswith("rft_grader.handler.handler")
    ]
    assert _joined({"Fn::GetAtt": [function_id, "Arn"]}) in state
    assert '\\"HyperParameters.$\\":\\"$.rftHyperParameters\\"' in state
    assert '\\"HyperParameters.$\\":\\"$.hyperParameters\\"' not in state


@pytest.mark.parametrize("use_case", ["legal", "healthcare", "support"])
def test_guardrail_blocks_prompt_attacks_on_input_and_filters_pii(
    bedrock_template: Template, use_case: str
) -> None:
    guardrails = {
        k: v
        for k, v in bedrock_template.find_resources("AWS::Bedrock::Guardrail").items()
        if use_case in k.lower()
    }
    (guardrail,) = guardrails.values()
    props = guardrail["Properties"]
    filters = {f["Type"]: f for f in props["ContentPolicyConfig"]["FiltersConfig"]}
    assert filters["PROMPT_ATTACK"]["InputStrength"] == "HIGH"
    pii = {
        e["Type"]: e["Action"]
        for e in props["SensitiveInformationPolicyConfig"]["PiiEntitiesConfig"]
    }
    assert pii["US_SOCIAL_SECURITY_NUMBER"] == "BLOCK" and pii["EMAIL"] == "ANONYMIZE"
    assert props["TopicPolicyConfig"]["TopicsConfig"], "denied topics from settings"


def test_denied_topics_come_from_settings(bedrock_template: Template, synthesized: Any) -> None:
    expected = {t.name for t in synthesized.settings.bedrock.denied_topics["healthcare"]}
    (guardrail,) = [
        v
        for k, v in bedrock_template.find_resources("AWS::Bedrock::Guardrail").items()
        if "healthcare" in k.lower()
    ]
    assert {
        t["Name"] for t in guardrail["Properties"]["TopicPolicyConfig"]["TopicsConfig"]
    } == expected


def test_every_guardrail_has_a_published_version(bedrock_template: Template) -> None:
    guardrails = bedrock_template.find_resources("AWS::Bedrock::Guardrail")
    versions = bedrock_template.find_resources("AWS::Bedrock::GuardrailVersion").values()
    assert {v["Properties"]["GuardrailIdentifier"]["Fn::GetAtt"][0] for v in versions} == set(
        guardrails
    )
