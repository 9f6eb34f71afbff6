"""A resource that outlives its stack (DeletionPolicy Retain) must not carry a fixed physical
name: after `cdk destroy` it is still there, and the next deploy of the same stage would fail
creating it ("already exists"). Its name is left to CloudFormation, or holds something unique
to the deployment (the stack id's UUID, a generated resource's name).

A physical name is a create-only property ending in "Name" in the resource's CloudFormation
schema (as cfn-lint ships it): changing it replaces the resource, so it is what identifies it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # type: ignore[import-untyped]

from tests.infra.configurations import REGION

RETAINED = ("Retain", "RetainExceptOnCreate")


def _physical_name_properties(resource_type: str) -> list[str]:
    if not resource_type.startswith("AWS::"):
        return []
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, resource_type).schema
    create_only = [p.removeprefix("/properties/") for p in schema.get("createOnlyProperties", [])]
    return [p for p in create_only if "/" not in p and p.endswith("Name")]


def _unique_per_deployment(value: Any, resources: dict[str, Any]) -> bool:
    """Whether a name refers to something CloudFormation makes at deploy time: the stack id,
    another resource's generated name or attribute, or another stack's export."""
    if isinstance(value, list):
        return any(_unique_per_deployment(v, resources) for v in value)
    if not isinstance(value, dict):
        return False
    if value.get("Ref") == "AWS::StackId" or "Fn::ImportValue" in value:
        return True
    if value.get("Ref") in resources:
        return True
    attribute = value.get("Fn::GetAtt")
    if attribute is not None:
        logical_id = attribute[0] if isinstance(attribute, list) else attribute.split(".")[0]
        return logical_id in resources
    return any(_unique_per_deployment(v, resources) for v in value.values())


def fixed_retained_names(template: dict[str, Any]) -> list[str]:
    """`<logical id> <type>.<property> = <value>` for each retained resource's fixed name."""
    resources = template.get("Resources", {})
    found = []
    for logical_id, resource in resources.items():
        if resource.get("DeletionPolicy") not in RETAINED:
            continue
        properties = resource.get("Properties", {})
        for name in _physical_name_properties(resource["Type"]):
            value = properties.get(name)
            if value is not None and not _unique_per_deployment(value, resources):
                found.append(f"{logical_id} {resource['Type']}.{name} = {json.dumps(value)}")
    return found


def _templates(outdir: Path) -> list[Path]:
    return sorted(outdir.rglob("*.template.json"))


@pytest.mark.parametrize("configuration", ("dev", "prod", "everything-on"))
def test_no_retained_resource_has_a_fixed_name(matrix: Any, configuration: str) -> None:
    templates = _templates(matrix[configuration].outdir)
    assert templates
    fixed = [
        f"{path.name}: {finding}"
        for path in templates
        for finding in fixed_retained_names(json.loads(path.read_text()))
    ]
    assert fixed == []


def test_a_retained_bucket_with_a_fixed_name_is_found(tmp_path: Path) -> None:
    """The check itself: a retained bucket named in the template is reported, one whose name
    CloudFormation generates is not."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Probe")
    s3.Bucket(stack, "Named", bucket_name="fixed-name", removal_policy=cdk.RemovalPolicy.RETAIN)
    s3.Bucket(stack, "Generated", removal_policy=cdk.RemovalPolicy.RETAIN)
    app.synth()
    template = json.loads((tmp_path / "Probe.template.json").read_text())
    findings = fixed_retained_names(template)
    assert len(findings) == 1 and '"fixed-name"' in findings[0]
