"""The delivery pipeline's asset jobs: each CodeBuild project that publishes a Docker image
asset builds it FROM a base image in another account's registry (the Deep Learning Containers
at 763104351884, the SageMaker model-parallel images at 658645717510), read from the stage's
asset manifest (`dockerBuildArgs.BASE_IMAGE`), so its role must be able to pull from there.
"""

from __future__ import annotations

import json
import re
from typing import Any

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


# What CodePipeline does with the roles of a pipeline and its actions ("CodePipeline service
# role" and "Cross-account actions", CodePipeline user guide,
# https://docs.aws.amazon.com/codepipeline/latest/userguide/security-iam.html): the pipeline role
# assumes each action's role; an action reads its input artifacts from the artifact store and
# writes its outputs there, through S3 with the store's key. A CodeBuild action starts the project
# and polls it; the project's role writes its logs to /aws/codebuild/<project> ("CodeBuild
# service role", CodeBuild user guide) and downloads/uploads the artifacts. A CloudFormation deploy
# action runs as the stage account's CDK deploy role, which must read the template artifact: the
# artifact bucket's and key's policies must admit it (only they are ours to check).
def pipeline_action_calls(unit: Assembly) -> list[Call]:
    calls: list[Call] = []
    projects = _projects(unit)
    for stack, lid, resource in unit.resources("AWS::CodePipeline::Pipeline"):
        props = stack.resolve(resource["Properties"])
        store = _Store(stack, props, lid)
        pipeline = props["RoleArn"]
        label = f"{stack.name}/{lid} (CodePipeline)"
        for stage in props["Stages"]:
            for action in stage["Actions"]:
                role = action.get("RoleArn") or pipeline
                foreign = role.split(":")[4] != stack.account
                why = f"stage {stage['Name']} action {action['Name']}"
                if role != pipeline:
                    calls.append(
                        Call(pipeline, "sts:AssumeRole", role, why, label=label,
                             foreign_resource=foreign)
                    )  # fmt: skip
                who = f"{stack.name}/{action['Name']} (pipeline action)"
                config = action.get("Configuration", {})
                provider = action["ActionTypeId"]["Provider"]
                if provider == "CodeStarSourceConnection":
                    # Authorized under the connection ARN's own service prefix (codeconnections
                    # since the rename, codestar-connections before).
                    connection = config["ConnectionArn"]
                    service = connection.split(":")[2]
                    calls.append(Call(role, f"{service}:UseConnection", connection, why, label=who))
                if provider == "CodeBuild":
                    arn = _arn(stack, "codebuild", f"project/{config['ProjectName']}")
                    calls += [
                        Call(role, a, arn, why, label=who)
                        for a in ("codebuild:StartBuild", "codebuild:BatchGetBuilds")
                    ]
                    if config["ProjectName"] in projects:
                        # The build runs as the project's role: it fetches and uploads the
                        # action's artifacts itself.
                        p_role, p_label = projects[config["ProjectName"]]
                        calls += store.artifact_calls(p_role, p_label, action, foreign=False)
                elif provider != "Manual":  # an approval reads and writes no artifact
                    calls += store.artifact_calls(role, who, action, foreign=foreign)
    return calls


class _Store:
    """A pipeline's artifact store: objects under <bucket>/<pipeline name>/, its KMS key."""

    def __init__(self, stack: Any, props: dict[str, Any], lid: str) -> None:
        store = props["ArtifactStore"]
        self.key = (store.get("EncryptionKey") or {}).get("Id")
        self.objects = f"arn:{stack.partition}:s3:::{store['Location']}/{props.get('Name', lid)}"
        self.via_s3 = {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}

    def artifact_calls(
        self, role: str, who: str, action: dict[str, Any], *, foreign: bool
    ) -> list[Call]:
        calls = []
        for direction, s3_action, key_action in (
            ("InputArtifacts", "s3:GetObject", "kms:Decrypt"),
            ("OutputArtifacts", "s3:PutObject", "kms:GenerateDataKey"),
        ):
            for artifact in action.get(direction, []):
                obj = f"{self.objects}/{artifact['Name']}/artifact.zip"
                why = f"action {action['Name']} {s3_action.split(':')[1]} {artifact['Name']}"
                kw: dict[str, Any] = {"label": who, "foreign_principal": foreign}
                calls.append(Call(role, s3_action, obj, why, **kw))
                if self.key:
                    calls.append(Call(role, key_action, self.key, why, context=self.via_s3, **kw))
        return calls


def _projects(unit: Assembly) -> dict[str, tuple[str, str]]:
    found = {}
    for stack, lid, resource in unit.resources("AWS::CodeBuild::Project"):
        name = stack.resolve({"Ref": lid})
        found[name] = (
            stack.resolve(resource["Properties"]["ServiceRole"]),
            f"{stack.name}/{lid} (CodeBuild)",
        )
    return found


def project_calls(unit: Assembly) -> list[Call]:
    """Every CodeBuild project's logs, and the reports its buildspec declares."""
    calls: list[Call] = []
    for stack, lid, resource in unit.resources("AWS::CodeBuild::Project"):
        props = resource["Properties"]
        role = stack.resolve(props["ServiceRole"])
        name = stack.resolve({"Ref": lid})
        label = f"{stack.name}/{lid} (CodeBuild)"
        logs = _arn(stack, "logs", f"log-group:/aws/codebuild/{name}")
        calls.append(Call(role, "logs:CreateLogGroup", logs, "build logs", label=label))
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            calls.append(
                Call(role, action, f"{logs}:log-stream:build-1", "build logs", label=label)
            )
        spec = stack.resolve(props.get("Source", {}).get("BuildSpec", "{}"))
        reports = json.loads(spec).get("reports", {}) if isinstance(spec, str) else {}
        for group in reports:
            arn = _arn(stack, "codebuild", f"report-group/{name}-{group}")
            for action in REPORT_ACTIONS:
                calls.append(Call(role, action, arn, f"report {group}", label=label))
        calls += _assumed_publishing_roles(unit, stack, role, label, spec)
        calls += _self_mutation(unit, stack, role, label, spec)
    return calls


_CDK_DEPLOY = re.compile(r"\bcdk .*\bdeploy ([\w-]+)")


def _self_mutation(unit: Assembly, stack: Any, role: str, label: str, spec: Any) -> list[Call]:
    """`cdk deploy <stack>` in a build (CDK Pipelines' self-mutation) deploys as the role the
    assembly manifest names for that stack: the CDK bootstrap's deploy role, tagged
    aws-cdk:bootstrap-role=deploy (its trust policy is the bootstrap's)."""
    if unit.directory is None or not isinstance(spec, str):
        return []
    phases = json.loads(spec).get("phases", {})
    commands = [c for phase in phases.values() for c in phase.get("commands", [])]
    artifacts = json.loads((unit.directory / "manifest.json").read_text())["artifacts"]
    calls = []
    for name in (m for c in commands for m in _CDK_DEPLOY.findall(c)):
        arn = artifacts.get(name, {}).get("properties", {}).get("assumeRoleArn")
        if arn:
            tag = {"iam:ResourceTag/aws-cdk:bootstrap-role": "deploy"}
            calls.append(
                Call(
                    role,
                    "sts:AssumeRole",
                    arn.replace("${AWS::Partition}", stack.partition),
                    f"cdk deploy {name} (self-mutation)",
                    context=tag,
                    label=label,
                )
            )
    return calls


# What a build that uploads test reports calls ("Create a report group", CodeBuild user guide).
REPORT_ACTIONS = (
    "codebuild:CreateReportGroup",
    "codebuild:CreateReport",
    "codebuild:UpdateReport",
    "codebuild:BatchPutTestCases",
)


def _assumed_publishing_roles(
    unit: Assembly, stack: Any, role: str, label: str, spec: Any
) -> list[Call]:
    """An asset job publishes into each stage account as the role its asset manifest names
    (the stage's CDK bootstrap publishing role: its trust policy is the bootstrap's)."""
    if unit.directory is None or not isinstance(spec, str):
        return []
    phases = json.loads(spec).get("phases", {})
    commands = [c for phase in phases.values() for c in phase.get("commands", [])]
    calls = []
    for manifest, digest in (m for c in commands for m in _PUBLISH.findall(c)):
        assets = json.loads((unit.directory / manifest).read_text())
        for kind in ("files", "dockerImages"):
            for destination in (
                assets.get(kind, {}).get(digest, {}).get("destinations", {}).values()
            ):
                arn = destination.get("assumeRoleArn")
                if arn:
                    arn = arn.replace("${AWS::Partition}", stack.partition)
                    why = f"publishes asset {digest[:12]}"
                    calls.append(
                        Call(role, "sts:AssumeRole", arn, why, label=label, foreign_resource=True)
                    )
    return calls


def _arn(stack: Any, service: str, resource: str) -> str:
    return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"
