"""The README's security promises, each held by the synthesized templates.

Every check lives in security_checks.py and is shown to fire on a copy of the template with
the guarantee removed (or on a stack built without it).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from infra.stacks.data import CURATED_WRITE_ACTIONS
from infra.stacks.network import S3_AWS_BUCKETS
from tests.infra.conftest import BOUNDARY_ARN, BREAK_GLASS_ARN, TEACHER_MODEL, TEACHER_PROFILE
from tests.infra.security_checks import (
    curated_writers,
    open_egress,
    resources,
    roles_without_boundary,
    s3_endpoint_problems,
    s3_endpoint_statements,
    unconditioned_key_service_principals,
)
from training_scripts.governance.salt import SECRET_ARN_ENV


def _json(template: Any) -> dict[str, Any]:
    return copy.deepcopy(template.to_json())


def _project_buckets() -> list[str]:
    # CloudFormation names the project's buckets: the network stack imports their ARNs
    # (export names carry the data stack's logical ids).
    return [f"{purpose}BucketArn" for purpose in ("Raw", "Curated", "Artifacts")] + [
        name.split("{region}")[0] for name in S3_AWS_BUCKETS
    ]


# -- curated bucket: only the prepare step writes -------------------------------------------------


def test_curated_bucket_denies_object_writes_to_everyone_but_the_prepare_role(
    synthesized: Any,
) -> None:
    data = _json(synthesized.templates["data"])
    writers = curated_writers(data)
    assert writers is not None and len(writers) == 1
    assert f":role/{synthesized.settings.name}-prepare-job-" in json.dumps(writers[0])
    (statement,) = [
        s
        for p in resources(data, "AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "OnlyThePrepareStepWritesCuratedData"
    ]
    assert set(statement["Action"]) == set(CURATED_WRITE_ACTIONS)
    # The same name is the role the prepare step really runs as.
    roles = resources(_json(synthesized.templates["training"]), "AWS::IAM::Role")
    prefix = f"{synthesized.settings.name}-prepare-job-"
    region = synthesized.settings.region  # a literal where cdk.json pins the stage's region
    regional = (
        f"{prefix}{region}" if region else {"Fn::Join": ["", [prefix, {"Ref": "AWS::Region"}]]}
    )
    assert any(r["Properties"].get("RoleName") == regional for r in roles.values())
    # The deny names the same role (ARN built from the same name and Region).
    tail = f'{prefix}{region}"' if region else f'{prefix}", {{"Ref": "AWS::Region"}}]]}}'
    assert json.dumps(writers[0]).endswith(f":role/{tail}")


def test_curated_write_check_fires_when_the_deny_is_removed(synthesized: Any) -> None:
    data = _json(synthesized.templates["data"])
    for policy in resources(data, "AWS::S3::BucketPolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        statements[:] = [s for s in statements if s.get("Effect") != "Deny" or "Sid" not in s]
    assert curated_writers(data) is None


def test_break_glass_role_is_the_only_other_curated_writer(hardened: Any) -> None:
    writers = curated_writers(_json(hardened.templates["data"]))
    assert writers is not None and len(writers) == 2
    assert BREAK_GLASS_ARN in writers


def test_only_the_prepare_policy_may_put_objects_into_the_curated_bucket(
    synthesized: Any,
) -> None:
    writers = []
    for name, template in synthesized.templates.items():
        for kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            for policy_id, policy in resources(_json(template), kind).items():
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                    actions = statement["Action"]
                    if "s3:PutObject" in actions and "Curated" in json.dumps(statement):
                        writers.append(f"{name}/{policy_id}")
    assert len(writers) == 1 and writers[0].startswith("training/RolesPreparePolicy")


def test_prepare_step_runs_as_the_prepare_role_and_writes_to_the_curated_bucket(
    synthesized: Any,
) -> None:
    definition = json.loads(synthesized.stacks.training.definition)
    steps = {s["Name"]: s for s in definition["Steps"]}
    prepare = steps["PrepareData"]["Arguments"]
    assert prepare["RoleArn"].endswith(":role/${PrepareRoleName}")
    outputs = json.dumps(prepare["ProcessingOutputConfig"])
    assert "${CuratedBucket}/curated" in outputs and "${ArtifactsBucket}" not in outputs
    assert "${RawBucket}" in json.dumps(definition["Parameters"])
    for name in ("Train", "Evaluate"):
        assert "${TrainingRoleName}" in json.dumps(steps[name]["Arguments"]["RoleArn"])


# -- PII salt ----------------------------------------------------------------------------------


def test_pii_salt_is_a_generated_secret_encrypted_with_the_data_key(synthesized: Any) -> None:
    data = _json(synthesized.templates["data"])
    (secret,) = resources(data, "AWS::SecretsManager::Secret").values()
    props = secret["Properties"]
    assert props["KmsKeyId"]["Fn::GetAtt"][0].startswith("DataKey")
    assert props["GenerateSecretString"]["PasswordLength"] >= 32
    assert "SecretString" not in props  # never a value in the template
    assert secret["DeletionPolicy"] == "Retain"


def test_prepare_job_gets_the_secret_arn_and_only_its_role_may_read_it(
    synthesized: Any,
) -> None:
    definition = json.loads(synthesized.stacks.training.definition)
    steps = {s["Name"]: s for s in definition["Steps"]}
    assert steps["PrepareData"]["Arguments"]["Environment"][SECRET_ARN_ENV] == (
        "${PiiSaltSecretArn}"
    )
    assert synthesized.stacks.training.substitutions["PiiSaltSecretArn"]
    readers = [
        policy_id
        for policy_id, policy in resources(
            _json(synthesized.templates["training"]), "AWS::IAM::ManagedPolicy"
        ).items()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "secretsmanager:GetSecretValue" in s["Action"]
    ]
    assert len(readers) == 1 and readers[0].startswith("RolesPreparePolicy")


def test_secrets_manager_is_reached_through_an_interface_endpoint(synthesized: Any) -> None:
    services = json.dumps(
        [
            e["Properties"]["ServiceName"]
            for e in resources(
                _json(synthesized.templates["network"]), "AWS::EC2::VPCEndpoint"
            ).values()
        ]
    )
    assert ".secretsmanager" in services


# -- network egress ----------------------------------------------------------------------------


def test_s3_gateway_endpoint_reaches_only_project_and_listed_aws_buckets(
    synthesized: Any,
) -> None:
    network = _json(synthesized.templates["network"])
    assert s3_endpoint_problems(network, _project_buckets()) == []
    text = json.dumps(s3_endpoint_statements(network))
    assert "starport-layer-bucket" in text and "CuratedBucketArn" in text


@pytest.mark.parametrize("mutation", ["no policy", "any bucket", "all actions"])
def test_s3_endpoint_check_fires_on_a_widened_policy(synthesized: Any, mutation: str) -> None:
    network = _json(synthesized.templates["network"])
    (endpoint,) = [
        e
        for e in resources(network, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType", "Gateway") == "Gateway"
    ]
    statements = endpoint["Properties"]["PolicyDocument"]["Statement"]
    if mutation == "no policy":
        del endpoint["Properties"]["PolicyDocument"]
    elif mutation == "any bucket":
        statements[0]["Resource"] = ["arn:aws:s3:::*", *statements[0]["Resource"]]
    else:
        statements[0]["Action"] = "s3:*"
    assert s3_endpoint_problems(network, _project_buckets())


def test_no_security_group_sends_traffic_to_the_internet(synthesized: Any) -> None:
    assert open_egress(_json(synthesized.templates["network"])) == []


def test_egress_check_fires_on_a_0_0_0_0_rule(synthesized: Any) -> None:
    network = _json(synthesized.templates["network"])
    egress = next(iter(resources(network, "AWS::EC2::SecurityGroupEgress").values()))
    egress["Properties"] = {**egress["Properties"], "CidrIp": "0.0.0.0/0"}
    egress["Properties"].pop("DestinationSecurityGroupId", None)
    assert open_egress(network)


def test_training_hosts_send_only_to_themselves_the_endpoints_and_s3(synthesized: Any) -> None:
    network = _json(synthesized.templates["network"])
    groups = resources(network, "AWS::EC2::SecurityGroup")
    (training_id,) = [k for k in groups if k.startswith("TrainingSecurityGroup")]
    (endpoint_id,) = [k for k in groups if k.startswith("EndpointSecurityGroup")]
    rules = [
        r["Properties"]
        for r in resources(network, "AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [training_id, "GroupId"]}
    ]
    destinations = sorted(
        json.dumps(
            r.get("DestinationSecurityGroupId") or r.get("DestinationPrefixListId"),
            sort_keys=True,
        )
        for r in rules
    )
    assert len(rules) == 3
    assert any(training_id in d for d in destinations)  # itself, for NCCL/EFA
    assert any(endpoint_id in d for d in destinations)  # interface endpoints, 443
    assert any("S3PrefixList" in d for d in destinations)  # S3's managed prefix list, 443
    assert all(r["IpProtocol"] == "-1" or r["FromPort"] == r["ToPort"] == 443 for r in rules)
    assert "SecurityGroupEgress" not in groups[training_id]["Properties"]


# -- key policies and the Bedrock job role ------------------------------------------------------


@pytest.mark.parametrize("app", ["synthesized", "hardened"])
def test_every_key_policy_service_principal_is_conditioned(
    app: str, request: pytest.FixtureRequest
) -> None:
    synthesized = request.getfixturevalue(app)
    found = [
        problem
        for template in synthesized.templates.values()
        for problem in unconditioned_key_service_principals(_json(template))
    ]
    assert found == []
    keys_with_services = sum(
        any(
            "Service" in (statement.get("Principal") or {})
            for statement in k["Properties"]["KeyPolicy"]["Statement"]
        )
        for t in synthesized.templates.values()
        for k in resources(_json(t), "AWS::KMS::Key").values()
    )
    # The ops key names CloudWatch Logs; the data key names Bedrock (invocation logging) and,
    # with RAG, S3 Vectors indexing: the check above is not vacuous.
    assert keys_with_services >= 2


def test_key_policy_check_fires_on_an_unconditioned_service(synthesized: Any) -> None:
    data = _json(synthesized.templates["bedrock"])
    (key,) = [k for k in resources(data, "AWS::KMS::Key").values() if "Service" in json.dumps(k)]
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        if "Service" in json.dumps(statement.get("Principal", {})):
            statement.pop("Condition", None)
    assert unconditioned_key_service_principals(data)


def _invoke_resources(template: Any) -> list[str]:
    return [
        json.dumps(r)
        for p in resources(_json(template), "AWS::IAM::ManagedPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "bedrock:InvokeModel" in s["Action"]
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]


def test_bedrock_job_role_invokes_nothing_without_configured_teachers(synthesized: Any) -> None:
    assert synthesized.settings.bedrock.teacher_models == ()
    assert _invoke_resources(synthesized.templates["bedrock"]) == []


def test_bedrock_job_role_invokes_only_the_configured_teachers(hardened: Any) -> None:
    invoked = _invoke_resources(hardened.templates["bedrock"])
    model = TEACHER_PROFILE.split(".", 1)[1]
    assert any(f"foundation-model/{TEACHER_MODEL}" in r for r in invoked)
    assert any(f"inference-profile/{TEACHER_PROFILE}" in r for r in invoked)
    assert any(f":bedrock:*::foundation-model/{model}" in r for r in invoked)
    assert len(invoked) == 3  # teacher model, teacher profile, the model behind the profile
    assert not any(r.endswith('/*"') for r in invoked)  # no foundation-model/* or profile/*


# -- permissions boundary -----------------------------------------------------------------------


def test_every_role_of_every_stack_carries_the_permissions_boundary(hardened: Any) -> None:
    roles = {
        name: list(resources(_json(t), "AWS::IAM::Role")) for name, t in hardened.templates.items()
    }
    # CDK-generated roles are included: custom-resource providers of the network stack.
    assert any("AWS679f53fac002430cb0da5b7982bd2287" in r for r in roles["network"])
    assert any("CustomVpcRestrictDefaultSG" in r for r in roles["network"])
    for name, template in hardened.templates.items():
        assert roles_without_boundary(_json(template), BOUNDARY_ARN) == [], name


def test_boundary_check_fires_on_a_stage_without_the_setting(synthesized: Any) -> None:
    assert synthesized.settings.security.permissions_boundary_arn is None
    missing = roles_without_boundary(_json(synthesized.templates["network"]), BOUNDARY_ARN)
    assert missing  # dev sets no boundary: every role is reported
