"""ServingStack guarantees: approval rule, import workflow, invokers' guardrail, invocation logs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from pipelines.serving.catalog import IMPORT_ARCHITECTURES


@pytest.fixture(scope="module")
def serving_template(synthesized: Any) -> Template:
    return Template.from_stack(synthesized.stacks.serving)


def render(value: Any) -> str:
    """A DefinitionString's Fn::Join with every CloudFormation token replaced by TOKEN."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(p if isinstance(p, str) else "TOKEN" for p in value["Fn::Join"][1])
    return "TOKEN"


def definitions(template: Template) -> list[dict[str, Any]]:
    machines = template.find_resources("AWS::StepFunctions::StateMachine").values()
    return [json.loads(render(m["Properties"]["DefinitionString"])) for m in machines]


@pytest.fixture(scope="module")
def workflow(serving_template: Template) -> dict[str, Any]:
    (definition,) = definitions(serving_template)
    return definition


def successors(state: dict[str, Any]) -> list[str]:
    found = [state.get("Next"), state.get("Default")]
    found += [c.get("Next") for c in state.get("Choices", [])]
    found += [c["Next"] for c in state.get("Catch", [])]
    return [name for name in found if name]


def reachable(states: dict[str, Any], start: str, stop: set[str] = frozenset()) -> list[str]:
    seen, todo = [], [start]
    while todo:
        name = todo.pop()
        if name in seen or name in stop:
            continue
        seen.append(name)
        todo += successors(states[name])
    return seen


def test_approval_rule_starts_the_import_workflow_for_the_projects_group(
    serving_template: Template, dev_settings: Any
) -> None:
    (rule,) = serving_template.find_resources("AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.sagemaker"]
    assert pattern["detail-type"] == ["SageMaker Model Package State Change"]
    assert pattern["detail"]["ModelPackageGroupName"] == [f"{dev_settings.name}-models"]
    assert pattern["detail"]["ModelApprovalStatus"] == ["Approved", "Rejected"]
    (machine_id,) = serving_template.find_resources("AWS::StepFunctions::StateMachine")
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": machine_id}


def test_import_workflow_imports_polls_records_and_notifies(workflow: dict[str, Any]) -> None:
    states = workflow["States"]
    resources = {s.get("Resource", "").split(":::")[-1] for s in states.values()}
    assert {
        "aws-sdk:bedrock:createModelImportJob",
        "aws-sdk:bedrock:getModelImportJob",
        "aws-sdk:sagemaker:updateModelPackage",
        "sns:publish",
    } <= resources
    create = states["Create import job"]["Parameters"]
    assert create["ModelDataSource"] == {"S3DataSource": {"S3Uri.$": "$.package.modelUri"}}
    assert "ImportedModelKmsKeyId" in create
    record = states["Record imported model"]["Parameters"]["CustomerMetadataProperties"]
    assert record["bedrock_imported_model_arn.$"] == "$.job.ImportedModelArn"
    # Polling doubles its wait: Wait reads $.poll.wait, Back off adds it to itself.
    assert states["Wait"]["SecondsPath"] == "$.poll.wait"
    assert states["Back off"]["Parameters"]["wait.$"] == "States.MathAdd($.poll.wait, $.poll.wait)"


def test_imports_are_queued_one_at_a_time(workflow: dict[str, Any]) -> None:
    states = workflow["States"]
    assert states["List running imports"]["Parameters"]["StatusEquals"] == "InProgress"
    slot = states["Import slot free?"]
    assert slot["Choices"][0]["Next"] == "Wait for the running import"
    assert states["Wait for the running import"]["Next"] == "List running imports"
    # Never fan out: no Map or Parallel state leads to the create call.
    path = reachable(states, workflow["StartAt"], stop={"Create import job"})
    assert not [n for n in path if states[n]["Type"] in ("Map", "Parallel")]
    assert "Bedrock.ServiceQuotaExceededException" in json.dumps(states["Create import job"])


def test_unsupported_architecture_fails_before_any_bedrock_call(workflow: dict[str, Any]) -> None:
    states = workflow["States"]
    choice = states["Importable?"]
    refused = reachable(states, choice["Default"])
    bedrock_calls = [n for n in refused if ":bedrock:" in states[n].get("Resource", "")]
    assert bedrock_calls == []
    assert any(states[n]["Type"] == "Fail" for n in refused)
    supported = json.dumps(choice["Choices"][1])
    assert all(f'"{arch}"' in supported for arch in IMPORT_ARCHITECTURES)
    assert '"Not": {"Variable": "$.package.metadata.method", "StringEquals": "reft"}' in supported


def test_invokers_policy_denies_invocation_without_the_stage_guardrail(
    serving_template: Template, dev_settings: Any
) -> None:
    (policy,) = serving_template.find_resources("AWS::IAM::ManagedPolicy").values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    deny = statements["DenyWithoutTheStageGuardrail"]
    allow = statements["InvokeWithTheStageGuardrail"]
    assert deny["Effect"] == "Deny"
    assert (
        set(deny["Action"])
        == set(allow["Action"])
        == {
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream",
        }
    )
    required = deny["Condition"]["StringNotEquals"]["bedrock:GuardrailIdentifier"]
    assert allow["Condition"]["StringEquals"]["bedrock:GuardrailIdentifier"] == required
    # <guardrail ARN>:<published version>, of the stage's use case, from the bedrock stack.
    assert required["Fn::Join"][0] == ":"
    joined = json.dumps(required)
    use_case = dev_settings.invoke_guardrail
    assert f"GetAttGuardrail{use_case}GuardrailArn" in joined
    assert f"GetAttGuardrailVersion{use_case}Version" in joined
    assert all(r != "*" for r in allow["Resource"])


def test_invocation_logs_go_to_the_kms_encrypted_artifacts_bucket(everything_on: Any) -> None:
    # everything_on sets serving.invocation_logging (off unless a stage owns it).
    assert everything_on.settings.serving.invocation_logging
    synthesized = everything_on
    serving_template = Template.from_stack(synthesized.stacks.serving)
    (logging,) = serving_template.find_resources("Custom::AWS").values()
    create = json.loads(render(logging["Properties"]["Create"]))
    assert create["action"] == "PutModelInvocationLoggingConfiguration"
    s3_config = create["parameters"]["loggingConfig"]["s3Config"]
    assert s3_config["keyPrefix"] == "bedrock-invocation-logs"
    data = Template.from_stack(synthesized.stacks.data)
    buckets = data.find_resources("AWS::S3::Bucket")
    (artifacts,) = [b for lid, b in buckets.items() if lid.startswith("Artifacts")]
    (rule,) = artifacts["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (key,) = data.find_resources("AWS::KMS::Key").values()
    grants = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "BedrockInvocationLogsEncrypt"
    ]
    assert grants and grants[0]["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert "aws:SourceAccount" in grants[0]["Condition"]["StringEquals"]


def test_completed_nova_customization_is_deployed_on_demand_never_provisioned(
    synthesized: Any,
) -> None:
    (definition,) = definitions(Template.from_stack(synthesized.stacks.bedrock))
    states = definition["States"]
    choice = states["On-demand base model?"]
    assert "amazon.nova-lite-v1:0*" in json.dumps(choice["Choices"])
    assert choice["Default"] == "Job completed"
    deploy = states[states["Get custom model"]["Next"]]
    assert deploy["Resource"].endswith(":states:::aws-sdk:bedrock:createCustomModelDeployment")
    assert deploy["Parameters"] == {
        "ModelDeploymentName.$": "$.customModelName",
        "ModelArn.$": "$.model.modelArn",
    }
    # An unsupported region fails the call: the job still completed, so notify and succeed.
    (catch,) = deploy["Catch"]
    assert reachable(states, catch["Next"])[-1] == "Job completed"
    everything = json.dumps(definition)
    assert "createProvisionedModelThroughput" not in everything  # hourly cost: CLI only
