"""Security and day-two defects: curated-bucket writers, flow-log delivery, guardrail versions,
account-wide invocation logging, physical names, checkov over the humans and delivery stacks."""

from __future__ import annotations

import copy
import re
from typing import Any

import aws_cdk as cdk
import pytest

from deployment.contract import BEDROCK_UPLOADS_PREFIX
from deployment.settings import (
    SettingsError,
    load_settings,
    read_cdk_json_context,
    settings_for_stage,
)
from infra.stacks.bedrock import BedrockStack
from tests.infra.conftest import TemplateSet, everything_on_context
from tests.infra.template_queries import (
    Template,
    actions,
    as_list,
    of_type,
    resolve_getatt,
    statements,
    text,
)


def _curated_deny(data: Template) -> dict[str, Any]:
    (deny,) = [
        s
        for p in of_type(data, "AWS::S3::BucketPolicy").values()
        for s in statements(p["Properties"]["PolicyDocument"])
        if s.get("Sid") == "OnlyThePrepareStepWritesCuratedData"
    ]
    return deny


def denied_put(deny: dict[str, Any], key: str, principal_is_writer: bool) -> bool:
    """Whether the curated deny refuses s3:PutObject of `key` to a principal."""
    if principal_is_writer or "s3:PutObject" not in actions(deny):
        return False
    if "Resource" in deny:
        return any(text(r).endswith('/*"]]}') or text(r) == "*" for r in as_list(deny["Resource"]))
    open_prefixes = [
        m for r in as_list(deny["NotResource"]) for m in re.findall(r"/([a-z0-9/_-]+/)\*", text(r))
    ]
    return not any(key.startswith(prefix) for prefix in open_prefixes)


def test_routine_writers_have_a_narrow_prefix_and_prepared_data_stays_the_prepare_steps(
    everything_on: TemplateSet,
) -> None:
    settings = everything_on.settings
    deny = _curated_deny(everything_on.json["data"])
    curated = settings.data.curated_prefix
    submission = f"{curated}{BEDROCK_UPLOADS_PREFIX}job-1/0a1b2c/train.jsonl"
    document = f"{settings.rag.documents_prefix}handbook.pdf"
    prepared = f"{curated}pipeline-runs/exec-1/PrepareData/train/part-0.jsonl"
    assert not denied_put(deny, submission, principal_is_writer=False)
    assert not denied_put(deny, document, principal_is_writer=False)
    assert denied_put(deny, prepared, principal_is_writer=False)
    assert denied_put(deny, f"{curated}anything-else.jsonl", principal_is_writer=False)
    assert not denied_put(deny, prepared, principal_is_writer=True)


def test_without_rag_the_documents_prefix_is_not_open(everything_on: TemplateSet) -> None:
    context = everything_on_context()
    context["fmops:stages"]["prod"]["rag"] = {"enabled": False}
    settings = load_settings(context)
    from infra.stacks.data import routine_write_prefixes

    assert settings.rag.documents_prefix not in routine_write_prefixes(settings)
    assert routine_write_prefixes(settings) == [
        f"{settings.data.curated_prefix}{BEDROCK_UPLOADS_PREFIX}"
    ]


def test_the_curated_check_fires_on_a_deny_over_every_object(everything_on: TemplateSet) -> None:
    deny = copy.deepcopy(_curated_deny(everything_on.json["data"]))
    deny["Resource"] = [{"Fn::Join": ["", [{"Fn::GetAtt": ["Curated", "Arn"]}, "/*"]]}]
    del deny["NotResource"]
    submission = f"curated/{BEDROCK_UPLOADS_PREFIX}job-1/train.jsonl"
    assert denied_put(deny, submission, principal_is_writer=False)


def flow_log_delivery_problems(templates: dict[str, Template]) -> list[str]:
    """Flow logs to S3 whose bucket policy (in CloudFormation) lacks delivery.logs' statements."""
    problems = []
    for purpose, template in templates.items():
        for flow_id, flow in of_type(template, "AWS::EC2::FlowLog").items():
            destination = flow["Properties"]["LogDestination"]
            arn, prefix = destination["Fn::Join"][1]
            found = resolve_getatt(templates, purpose, arn)
            assert found, destination
            bucket_stack, bucket_id = found
            policies = [
                p
                for p in of_type(templates[bucket_stack], "AWS::S3::BucketPolicy").values()
                if p["Properties"]["Bucket"] == {"Ref": bucket_id}
            ]
            delivery = [
                s
                for p in policies
                for s in statements(p["Properties"]["PolicyDocument"])
                if "delivery.logs.amazonaws.com" in text(s.get("Principal", {}))
            ]
            writes = [
                s
                for s in delivery
                if "s3:PutObject" in actions(s) and f"{prefix}AWSLogs/" in text(s["Resource"])
            ]
            acl = [s for s in delivery if "s3:GetBucketAcl" in actions(s)]
            if not (writes and acl):
                problems.append(f"{purpose}/{flow_id}: {bucket_id} policy lacks delivery.logs")
    return problems


def test_flow_logs_go_to_a_bucket_whose_policy_admits_log_delivery(
    everything_on: TemplateSet,
) -> None:
    assert of_type(everything_on.json["network"], "AWS::EC2::FlowLog")
    assert flow_log_delivery_problems(everything_on.json) == []


def test_flow_log_check_fires_without_the_statements(everything_on: TemplateSet) -> None:
    templates = copy.deepcopy(everything_on.json)
    for policy in of_type(templates["data"], "AWS::S3::BucketPolicy").values():
        document = policy["Properties"]["PolicyDocument"]
        document["Statement"] = [s for s in statements(document) if "delivery.logs" not in text(s)]
    assert flow_log_delivery_problems(templates)


def _guardrail_versions(settings: Any) -> dict[str, str]:
    """Description of each GuardrailVersion, by use case, of a bedrock stack for `settings`."""
    from infra.stacks.data import DataStack
    from infra.stacks.network import NetworkStack

    app = cdk.App(context=read_cdk_json_context())
    data = DataStack(app, "gv-data", settings=settings)
    network = NetworkStack(
        app,
        "gv-network",
        network=settings.network,
        flow_logs_bucket=data.access_logs_bucket,
        project_buckets=[data.raw_bucket, data.curated_bucket, data.artifacts_bucket],
    )
    bedrock = BedrockStack(
        app,
        "gv-bedrock",
        settings=settings,
        key=data.key,
        curated_bucket=data.curated_bucket,
        artifacts_bucket=data.artifacts_bucket,
        subnets=network.isolated_subnets,
        security_group=network.bedrock_jobs_security_group,
        vpc=network.vpc,
    )
    template = app.synth().get_stack_by_name(bedrock.stack_name).template
    return {
        k: v["Properties"]["Description"]
        for k, v in of_type(template, "AWS::Bedrock::GuardrailVersion").items()
    }


def test_editing_a_denied_topic_publishes_a_new_guardrail_version() -> None:
    settings = settings_for_stage("dev")
    use_case = sorted(settings.bedrock.denied_topics)[0]
    topics = [t.model_dump() for t in settings.bedrock.denied_topics[use_case]]
    topics[0]["definition"] = topics[0]["definition"][:150] + " (revised)"
    edited = settings_for_stage("dev", overrides={"bedrock": {"denied_topics": {use_case: topics}}})
    before, after = _guardrail_versions(settings), _guardrail_versions(edited)
    assert len(before) == len(settings.bedrock.denied_topics)
    changed = [k for k in before if before[k] != after[k]]
    # Only the edited use case's version is replaced (a new Description replaces the resource).
    assert len(changed) == 1, (before, after)


def _logs_invocations(template: Template) -> bool:
    return any(
        "PutModelInvocationLoggingConfiguration" in text(r["Properties"].get("Create", ""))
        for r in of_type(template, "Custom::AWS").values()
    )


def test_invocation_logging_is_written_only_by_the_stage_that_owns_it(
    synthesized: Any, everything_on: TemplateSet
) -> None:
    dev_serving = (
        synthesized.app.synth().get_stack_by_name(synthesized.stacks.serving.stack_name).template
    )
    assert _logs_invocations(dev_serving) == synthesized.settings.serving.invocation_logging
    assert _logs_invocations(everything_on.json["serving"])
    # Off unless a stage says so: a stage that sets nothing does not touch the account's logging.
    assert (
        load_settings(
            {**read_cdk_json_context(), "fmops:stages": {"x1": {}}, "stage": "x1"}
        ).serving.invocation_logging
        is False
    )


def test_two_owners_of_invocation_logging_in_one_account_and_region_are_refused() -> None:
    from infra.stacks.delivery import check_account_wide_owners

    def stage(name: str, account: str) -> Any:
        overrides = {
            "account": account,
            "region": "us-east-1",
            "serving": {"invocation_logging": True},
        }
        return settings_for_stage(name, overrides=overrides)

    check_account_wide_owners([stage("dev", "222222222222"), stage("prod", "333333333333")])
    with pytest.raises(SettingsError, match="already owns invocation logging"):
        check_account_wide_owners([stage("dev", "222222222222"), stage("prod", "222222222222")])


NAMED = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::SecretsManager::Secret": "Name",
}


def names_that_collide(templates: dict[str, Template]) -> list[str]:
    """Account-wide names without the Region (IAM), and retained secrets with a fixed name."""
    problems = []
    for purpose, template in templates.items():
        for kind, key in NAMED.items():
            for resource_id, resource in of_type(template, kind).items():
                name = resource["Properties"].get(key)
                if name is None:
                    continue
                if kind == "AWS::SecretsManager::Secret":
                    problems.append(f"{purpose}/{resource_id}: fixed secret name {name}")
                elif '"Ref": "AWS::Region"' not in text(name):
                    problems.append(f"{purpose}/{resource_id}: {text(name)} lacks the Region")
    return problems


def test_no_fixed_name_collides_across_regions_or_with_a_retained_resource(
    everything_on: TemplateSet,
) -> None:
    named_roles = [
        r
        for t in everything_on.json.values()
        for r in of_type(t, "AWS::IAM::Role").values()
        if "RoleName" in r["Properties"]
    ]
    assert len(named_roles) == 3  # the pipeline's roles, named in its definition
    assert names_that_collide(everything_on.json) == []


def test_name_check_fires_on_a_fixed_role_name(everything_on: TemplateSet) -> None:
    templates = copy.deepcopy(everything_on.json)
    role = next(iter(of_type(templates["humans"], "AWS::IAM::Role").values()))
    role["Properties"]["RoleName"] = "fmops-prod-gt-labeling"
    assert any("fmops-prod-gt-labeling" in p for p in names_that_collide(templates))
