"""The Ground Truth labeling role's calls, derived from the exact CreateLabelingJob request
`fmops feedback start` sends (`pipelines.feedback.labeling.labeling_job_request`), built from the
synthesized stacks' outputs through the CLI's own `humans_deployment`.

What a labeling job does with its role: "Create a SageMaker Execution Role for a Ground Truth
Labeling Job" (https://docs.aws.amazon.com/sagemaker/latest/dg/sms-security-permission-execution-role.html):
read the input manifest and the worker template, write and read back the output (annotations,
consolidation requests, the output manifest), list the buckets and locate them, invoke the
pre-annotation and consolidation Lambdas, write CloudWatch Logs under
/aws/sagemaker/LabelingJobs and put worker metrics. With OutputConfig.KmsKeyId the role must be
able to use the key ("Encrypt Output Data and Storage Volume with AWS KMS",
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-security-kms-permissions.html;
LabelingJobOutputConfig, SageMaker API reference: "the execution role must include permissions
to call kms:Encrypt").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from deployment.contract import ARTIFACTS_BUCKET_OUTPUT, LABELING_ROLE_OUTPUT
from deployment.settings import Settings
from infra.runtime_contract.evaluator import Call
from infra.runtime_contract.templates import Assembly, StackTemplate, UnresolvedIntrinsic
from pipelines.deployment_outputs import Deployment, StackOutputs
from pipelines.feedback.cloud import humans_deployment
from pipelines.feedback.labeling import KINDS, TEMPLATE_NAMES, TaskFolder, labeling_job_request

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import CreateLabelingJobRequestTypeDef

JOB_NAME = "contract-probe"  # any valid name: the calls are per job, under its own key
LOG_GROUP = "/aws/sagemaker/LabelingJobs"


def stack_outputs(unit: Assembly) -> dict[str, tuple[StackTemplate, str]]:
    """Every output of the unit's stacks (key -> stack, resolved value), as `describe-stacks`
    would show them; the CLI merges them the same way."""
    found: dict[str, tuple[StackTemplate, str]] = {}
    for stack in unit.stacks.values():
        for key, output in stack.template.get("Outputs", {}).items():
            try:
                found[key] = (stack, str(stack.resolve(output["Value"])))
            except UnresolvedIntrinsic:
                continue  # an output the contract does not read
    return found


def labeling_calls(unit: Assembly, settings: Settings) -> list[Call]:
    outputs = stack_outputs(unit)
    if LABELING_ROLE_OUTPUT not in outputs or ARTIFACTS_BUCKET_OUTPUT not in outputs:
        return []
    stack, data = outputs[LABELING_ROLE_OUTPUT][0], outputs[ARTIFACTS_BUCKET_OUTPUT][0]
    # The stage as `fmops feedback start` reads it: each stack's outputs, described once.
    described = {
        s.name: StackOutputs(
            s.name,
            str(s.resolve({"Ref": "AWS::StackId"})),
            {k: v for k, (owner, v) in outputs.items() if owner is s},
        )
        for s in (stack, data)
    }
    stage = Deployment(
        settings, stack.region, {"humans": stack.name, "data": data.name}, _described=described
    )
    deployment = humans_deployment(stage)
    calls: list[Call] = []
    for kind in KINDS:
        tasks = TaskFolder(kind, Path("manifest.jsonl"), Path(TEMPLATE_NAMES[kind]), 1)
        request = labeling_job_request(
            job_name=JOB_NAME,
            tasks=tasks,
            deployment=deployment,
            feedback=settings.feedback,
            pii_free=False,
        )
        calls += _job_calls(stack, request, deployment.key_arn)
    return calls


def _object(stack: StackTemplate, uri: str) -> str:
    return f"arn:{stack.partition}:s3:::{uri.removeprefix('s3://')}"


def _job_calls(
    stack: StackTemplate, request: CreateLabelingJobRequestTypeDef, data_key: str
) -> list[Call]:
    role, name = request["RoleArn"], request["LabelingJobName"]
    human = request["HumanTaskConfig"]
    output = request["OutputConfig"]
    why = f"labeling job ({request['LabelAttributeName']})"
    label = f"{stack.name}/LabelingRole (Ground Truth)"
    via_s3 = {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}
    key = output.get("KmsKeyId")
    calls: list[Call] = []

    def add(action: str, resource: str, what: str, **kw: Any) -> None:
        calls.append(Call(role, action, resource, f"{why}: {what}", label=label, **kw))

    reads = [
        (request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"], "input manifest"),
        (human["UiConfig"]["UiTemplateS3Uri"], "worker template"),
    ]
    results = f"{output['S3OutputPath'].rstrip('/')}/{name}/"
    written = [
        (f"{results}annotations/worker-response/iteration-1/0/0.json", "worker responses"),
        (f"{results}manifests/output/output.manifest", "output manifest"),
    ]
    buckets = set()
    for uri, what in reads + written:
        bucket, _, object_key = uri.removeprefix("s3://").partition("/")
        buckets.add(bucket)
        add(
            "s3:ListBucket",
            f"arn:{stack.partition}:s3:::{bucket}",
            f"lists {what}",
            context={"s3:prefix": object_key.rsplit("/", 1)[0] + "/"},
        )
        add("s3:GetObject", _object(stack, uri), f"reads {what}")
        add("kms:Decrypt", data_key, f"reads {what}", context=via_s3)
    for uri, what in written:
        add("s3:PutObject", _object(stack, uri), f"writes {what}")
        add("kms:GenerateDataKey", str(key or data_key), f"writes {what}", context=via_s3)
    for bucket in sorted(buckets):
        add("s3:GetBucketLocation", f"arn:{stack.partition}:s3:::{bucket}", "locates the bucket")
    if key:
        add("kms:Encrypt", key, "OutputConfig.KmsKeyId")
        add("kms:DescribeKey", key, "validates OutputConfig.KmsKeyId")
    consolidation = human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"]
    for function, what in (
        (human["PreHumanTaskLambdaArn"], "pre-annotation"),
        (consolidation, "consolidation"),
    ):
        add("lambda:InvokeFunction", function, f"invokes the {what} Lambda")
    logs = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:{LOG_GROUP}"
    add("logs:CreateLogGroup", logs, "creates its log group")
    add("logs:DescribeLogStreams", logs, "finds its log stream")
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        add(action, f"{logs}:log-stream:{name}/worker", "logs job status")
    add("cloudwatch:PutMetricData", "*", "puts worker metrics")
    return calls
