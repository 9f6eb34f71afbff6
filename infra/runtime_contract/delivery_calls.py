"""The delivery pipeline's asset jobs: each CodeBuild project that publishes a Docker image
asset builds it FROM a base image in another account's registry (the Deep Learning Containers
at 763104351884, the SageMaker model-parallel images at 658645717510), read from the stage's
asset manifest (`dockerBuildArgs.BASE_IMAGE`), so its role must be able to pull from there.
"""

from __future__ import annotations

import json
import re

from infra.runtime_contract.evaluator import Call
from infra.runtime_contract.templates import Assembly

# What `docker pull` from ECR calls ("Private registry authentication", ECR user guide).
PULL_ACTIONS = (
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
)
_PUBLISH = re.compile(r'cdk-assets --path "([^"]+)" .*publish "([0-9a-f]{64}):')
_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)")


def asset_job_calls(unit: Assembly) -> list[Call]:
    if unit.directory is None:
        return []
    calls: list[Call] = []
    for stack, lid, resource in unit.resources("AWS::CodeBuild::Project"):
        props = resource["Properties"]
        role = stack.resolve(props["ServiceRole"])
        spec = stack.resolve(props.get("Source", {}).get("BuildSpec", "{}"))
        phases = json.loads(spec).get("phases", {}) if isinstance(spec, str) else {}
        commands = [c for phase in phases.values() for c in phase.get("commands", [])]
        label = f"{stack.name}/{lid} (asset job)"
        for manifest, digest in (m for c in commands for m in _PUBLISH.findall(c)):
            images = json.loads((unit.directory / manifest).read_text()).get("dockerImages", {})
            base = images.get(digest, {}).get("source", {}).get("dockerBuildArgs", {})
            match = _IMAGE.match(base.get("BASE_IMAGE", ""))
            if not match:
                continue
            account, region, repository = match.groups()
            repo = f"arn:{stack.partition}:ecr:{region}:{account}:repository/{repository}"
            why = f"builds asset {digest[:12]} FROM {account}'s {repository}"
            calls.append(Call(role, "ecr:GetAuthorizationToken", "*", why, label=label))
            calls += [
                Call(role, action, repo, why, label=label, foreign_resource=True)
                for action in PULL_ACTIONS
            ]
    return calls
