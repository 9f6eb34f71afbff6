"""The runtime contract (DESIGN.md, "Cloud truth"): every call each runtime principal makes,
evaluated against every policy of the synthesized templates, in every configuration of the matrix.

A denied call fails, unless KNOWN_DEFECTS names it (each entry is a defect still on main that
branch deployfix fixes; an entry that no longer matches anything fails too, so it is deleted as
the fix merges). A grant no call needs fails unless UNNEEDED_GRANTS says why it stays.
Regenerate docs/runtime_contract.md with FMOPS_WRITE_CONTRACT=1.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from deployment.settings import read_cdk_json_context
from infra.runtime_contract.contract import UnitContract, matches, table, unit_contract
from infra.runtime_contract.evaluator import evaluate
from infra.runtime_contract.pipeline_calls import pipeline_calls
from infra.runtime_contract.policies import without
from infra.runtime_contract.templates import Assembly
from training_scripts.tracking import FINISH_MLFLOW_ACTIONS, LOG_MLFLOW_ACTIONS

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "runtime_contract.md"
CONFIGURATIONS = ("dev", "prod", "everything-on")

# (principal label, action, resource) globs of calls still denied on main. The issue-26 items
# fixed on branch deployfix left this list when it merged; what remains is still open.
KNOWN_DEFECTS: dict[tuple[str, str, str], str] = {}
# Deploy-time findings that are no single call (globs over the finding's text).
KNOWN_FINDINGS: dict[str, str] = {}
# (statement origin, action) globs of grants no derived call needs, and why each stays.
UNNEEDED_GRANTS: dict[tuple[str, str], str] = {
    (
        "*-delivery/PipelineAssets*RoleDefaultPolicy*",
        "*",
    ): "CDK Pipelines writes the asset-publishing roles' policies (artifact bucket, logs, reports, "
    "StartBuild); the contract declares only their registry logins",
    (
        "*/CustomVpcRestrictDefaultSGCustomResourceProviderRole*",
        "ec2:*SecurityGroup*",
    ): "aws-cdk-lib's restrictDefaultSecurityGroup provider: its calls live in CDK's code",
    (
        "*/CustomizationPolicy*",
        "bedrock:TagResource",
    ): "tags sent with a create call are authorized as TagResource (Bedrock tagging guide)",
    (
        "*/ImportStateMachineRoleDefaultPolicy*",
        "bedrock:TagResource",
    ): "ImportedModelTags/JobTags on CreateModelImportJob are authorized as TagResource",
    (
        "*/ServicePolicy*",
        "s3:GetObject",
    ): "Bedrock's documented customization role may read back its output location",
    (
        "*Policy*:UseDataKey",
        "kms:DescribeKey",
    ): "SageMaker describes a job's KmsKeyId / VolumeKmsKeyId when it validates the request",
    (
        "*Policy*:Write*",
        "s3:AbortMultipartUpload",
    ): "large outputs go up in parts; a failed upload is aborted",
    (
        "*PipelinePolicy*:R*",
        "sagemaker:AddTags",
    ): "Pipelines propagates the execution's tags to the jobs and packages it creates",
    (
        "*PipelinePolicy*:RegisterModel",
        "sagemaker:DescribeModelPackage",
    ): "Pipelines reads the registered package back to report the step's result",
    (
        "*-humans/FunctionPolicy*:ReadConsolidationRequests",
        "s3:GetObject",
    ): "the consolidation Lambda's code reads Ground Truth's request file (code, not derived)",
    (
        "*-humans/FunctionPolicy*:UseDataKeyThroughS3",
        "kms:Decrypt",
    ): "the same read, decrypted through S3",
    (
        "*-humans/FunctionPolicy*:VpcNetworkInterfaces",
        "ec2:DescribeSubnets",
    ): "AWSLambdaVPCAccessExecutionRole lists it; Lambda's guide does not (kept for parity)",
    (
        "*-humans/WorkforceProviderPolicy*",
        "cognito-idp:*",
    ): "CreateWorkforce with a Cognito pool: SageMaker reads and updates the pool and client as "
    "the caller (Ground Truth private workforce guide)",
    (
        "*-humans/WorkforceProviderPolicy*",
        "logs:CreateLogGroup",
    ): "Lambda creates the provider's log group on its first run",
    (
        "*-humans/LabelingPolicy*:UseDataKeyThroughS3",
        "kms:*",
    ): "the KMS actions 'Encrypt Output Data and Storage Volume with AWS KMS' (SageMaker guide) "
    "documents for OutputConfig.KmsKeyId (ReEncrypt*, GenerateDataKey*): which variants Ground "
    "Truth uses inside S3 is not derivable from the request",
    ("*-delivery/*", "*"): (
        "the delivery pipeline's roles: only the asset jobs' base-image pulls are in the contract "
        "yet; their source, synth, publishing and deploy calls are not (docs/runtime_contract.md)"
    ),
}


@pytest.fixture(scope="session")
def contracts(matrix: Any) -> dict[str, list[UnitContract]]:
    found = {}
    for name, configuration in matrix.items():
        units = Assembly.units(configuration.outdir)
        found[name] = [unit_contract(u, a, configuration.settings) for u, a in units.items()]
    return found


def _known(decision: Any) -> bool:
    return any(matches(k, decision) for k in KNOWN_DEFECTS)


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_runtime_call_is_allowed(contracts: Any, configuration: str) -> None:
    denied = [
        f"[{c.name}] {d.call.label}: {d.call.action} on {d.call.resource} ({d.call.why}): "
        f"{d.reason}"
        for c in contracts[configuration]
        for d in c.denied
        if not _known(d)
    ]
    assert denied == []


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_deploy_time_checks_pass(contracts: Any, configuration: str) -> None:
    """Boundaries only from the stack's own account; VPC Lambdas wait for their ENI grant."""
    findings = [
        f"[{c.name}] {f}"
        for c in contracts[configuration]
        for f in c.findings
        if not any(fnmatch.fnmatchcase(f, k) for k in KNOWN_FINDINGS)
    ]
    assert findings == []


def test_every_known_defect_still_exists(contracts: Any) -> None:
    """A fixed defect must leave KNOWN_DEFECTS, or the list would hide its return."""
    decisions = [d for cs in contracts.values() for c in cs for d in c.denied]
    findings = [f for cs in contracts.values() for c in cs for f in c.findings]
    stale = [str(k) for k in KNOWN_DEFECTS if not any(matches(k, d) for d in decisions)]
    stale += [k for k in KNOWN_FINDINGS if not any(fnmatch.fnmatchcase(f, k) for f in findings)]
    assert stale == []


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_no_grant_without_a_call_that_needs_it(contracts: Any, configuration: str) -> None:
    unneeded = [
        f"[{c.name}] {origin}: {action}"
        for c in contracts[configuration]
        for origin, action in c.unused_grants()
        if not origin.startswith("aws-managed/")  # AWS's policy, not ours to narrow
        and not any(
            fnmatch.fnmatchcase(origin, o) and fnmatch.fnmatchcase(action, a)
            for o, a in UNNEEDED_GRANTS
        )
    ]
    assert unneeded == []


def test_every_unneeded_grant_reason_still_applies(contracts: Any) -> None:
    unused = [u for cs in contracts.values() for c in cs for u in c.unused_grants()]
    stale = [
        f"{o} {a}"
        for o, a in UNNEEDED_GRANTS
        if not any(fnmatch.fnmatchcase(uo, o) and fnmatch.fnmatchcase(ua, a) for uo, ua in unused)
    ]
    assert stale == []


def test_contract_covers_the_principals_that_matter(contracts: Any) -> None:
    (app,) = [c for c in contracts["everything-on"] if c.name == "app"]
    labels = {d.call.label for d in app.decisions}
    for expected in (
        "(asset job)",
        "pipeline role",
        "-training-job",
        "-prepare-job",
        "(state machine)",
        "(Bedrock job)",
        "(EventBridge)",
        "(Lambda)",
        "(custom resource)",
        "CloudWatch Logs",
    ):
        assert any(expected in label for label in labels), expected


def _acting_service_principals(contract: UnitContract) -> set[tuple[str, str]]:
    """(service principal, statement) of every Allow a resource policy gives a service."""
    return {
        (name, statement.origin)
        for policy in contract.index.resource_policies
        for statement in policy.statements
        if statement.effect == "Allow"
        for name in statement.principals or ()
        if name.endswith((".amazonaws.com", ".amazonaws.com.cn"))
    }


def _exemption(contract: UnitContract, role_arn: str) -> str | None:
    """Why a role may have no declared calls, if a reason holds for it."""
    role = contract.index.roles.get(role_arn)
    if role is not None and not role.identity and not role.unknown_managed:
        return "it has no permissions, so it can make no call (e.g. a manual approval's role)"
    return None


def uncovered(contract: UnitContract) -> list[str]:
    """Roles and acting service principals of the unit the contract declares no call for."""
    principals = contract.principals
    missing = [
        f"[{contract.name}] role {stack.name}/{lid}"
        for stack, lid, _ in contract.unit.resources("AWS::IAM::Role")
        if (arn := stack.resolve({"Fn::GetAtt": [lid, "Arn"]})) not in principals
        and _exemption(contract, arn) is None
    ]
    missing += [
        f"[{contract.name}] {name} (allowed by {origin})"
        for name, origin in sorted(_acting_service_principals(contract))
        if name not in principals
    ]
    return missing


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_role_and_acting_service_principal_has_declared_calls(
    contracts: Any, configuration: str
) -> None:
    """Every AWS::IAM::Role of every template (CDK's provider and pipeline roles included) and
    every service a resource policy admits is a contract principal, unless a checked reason
    exempts it."""
    assert [m for c in contracts[configuration] for m in uncovered(c)] == []


def test_a_principal_without_declared_calls_is_found(contracts: Any) -> None:
    """The coverage check itself: drop one principal's calls and it is reported."""
    (app,) = [c for c in contracts["everything-on"] if c.name == "app"]
    labeling = next(d.call.principal for d in app.decisions if "(Ground Truth)" in d.call.label)
    reduced = UnitContract(
        app.name,
        app.unit,
        app.index,
        [d for d in app.decisions if d.call.principal != labeling],
    )
    assert uncovered(app) == []
    role = app.index.roles[labeling]
    assert uncovered(reduced) == [f"[app] role {role.stack}/{role.logical_id}"]


def test_removing_any_needed_grant_denies_a_call(contracts: Any) -> None:
    """Drop each statement that grants a call, in turn, in every configuration: some call must
    then be denied (every grant the contract credits is needed, and the evaluator depends on it)."""
    for contract in [c for cs in contracts.values() for c in cs]:
        allowed = [d for d in contract.decisions if d.allowed]
        origins = sorted({g for d in allowed for g in d.granted_by})
        assert origins
        harmless = []
        for origin in origins:
            reduced = without(contract.index, origin)
            calls = [d.call for d in allowed if origin in d.granted_by]
            if all(evaluate(reduced, call).allowed for call in calls):
                harmless.append(origin)
        # Endpoint policies and AWS managed policies can be redundant with identity grants.
        assert [o for o in harmless if not o.startswith("aws-managed/")] == []


def _context_hash() -> str:
    text = json.dumps(read_cdk_json_context(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _document(contracts: Any) -> str:
    (app,) = [c for c in contracts["dev"] if c.name == "app"]
    calls = sum(len(c.decisions) for cs in contracts.values() for c in cs)
    principals = {(c.name, p) for cs in contracts.values() for c in cs for p in c.principals}
    header = (ROOT / "docs" / "runtime_contract_intro.md").read_text()
    summary = (
        f"\n## The dev configuration's contract\n\nGenerated by "
        f"`tests/infra/test_runtime_contract.py` from cdk.json context `{_context_hash()}` "
        f"(regenerate: `FMOPS_WRITE_CONTRACT=1 .venv/bin/python -m pytest -q "
        f"tests/infra/test_runtime_contract.py -k table`). Dev: {len(app.principals)} "
        f"principals, {len(app.decisions)} calls; the whole matrix: {len(principals)} "
        f"principals, {calls} calls.\n"
    )
    return header + summary + table(app)


def test_contract_table_is_current(contracts: Any) -> None:
    document = _document(contracts)
    if os.environ.get("FMOPS_WRITE_CONTRACT") == "1":
        TABLE.write_text(document)
    committed = TABLE.read_text() if TABLE.exists() else ""
    if f"context `{_context_hash()}`" not in committed:
        pytest.skip("cdk.json differs from the one the committed table was generated from")
    assert committed == document, "docs/runtime_contract.md is stale: regenerate it (see header)"


def test_only_the_step_that_logs_the_gate_ends_its_mlflow_run(matrix: Any) -> None:
    """UpdateRun (MlflowSink.finish) is derived from Evaluate only, the step whose arguments carry
    the gate's thresholds; Train logs without ending the run (issue 26: a grant is a call)."""
    unit = Assembly.units(matrix["everything-on"].outdir)["app"]
    steps: dict[str, set[str]] = {}
    for call in pipeline_calls(unit):
        if call.action.startswith("sagemaker-mlflow:"):
            steps.setdefault(call.why.split(" logs")[0], set()).add(call.action)
    if not steps:
        pytest.skip("tracking is off in this cdk.json")
    enders = {step for step, actions in steps.items() if set(FINISH_MLFLOW_ACTIONS) <= actions}
    assert enders == {"step Evaluate"}
    assert all(set(LOG_MLFLOW_ACTIONS) <= actions for actions in steps.values())
