"""The calls of the SageMaker pipeline and of the jobs it starts, read from the pipeline
definition the training stack embeds (the builder in pipelines/ writes it), never restated.

Per step: the pipeline role creates and watches the job and passes the step's RoleArn to
SageMaker; the job's role reads every S3 input (list + get, decrypting with the bucket's key
through S3), writes every output (with the step's KmsKeyId), pulls the step's image, reads the
secrets its environment names, invokes the judge model its arguments name, logs, publishes
metrics and attaches network interfaces in the step's VPC. A RegisterModel step needs
CreateModelPackage in its group; a JsonGet reads the property file as the pipeline role.
Input URIs come from the parameters' defaults and the execution id of a sample execution.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from infra.runtime_contract.evaluator import Call
from infra.runtime_contract.templates import Assembly, StackTemplate
from training_scripts.tracking import (
    FINISH_MLFLOW_ACTIONS,
    LOG_MLFLOW_ACTIONS,
    THRESHOLD_ARG,
    TRACKING_URI_ENV,
)

EXECUTION_ID = "sample-execution"
SAGEMAKER = "sagemaker.amazonaws.com"
# "Give SageMaker AI access to resources in your Amazon VPC" (SageMaker developer guide,
# https://docs.aws.amazon.com/sagemaker/latest/dg/train-vpc.html): what a VPC job's role does.
VPC_DESCRIBE = (
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeDhcpOptions",
)
ENI_CHANGES = (
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
_JOB = {
    "Processing": ("ProcessingJob", "ProcessingJobs"),
    "Training": ("TrainingJob", "TrainingJobs"),
}


def walk(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for step in steps:
        yield step
        for branch in ("IfSteps", "ElseSteps"):
            yield from walk(step.get("Arguments", {}).get(branch, []))


class _Definition:
    def __init__(self, definition: dict[str, Any]) -> None:
        self.parameters = {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]}
        self.steps = {s["Name"]: s for s in walk(definition["Steps"])}

    def value(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Get":
                return self._get(arg)
            if key == "Std:Join":
                return arg["On"].join(str(self.value(v)) for v in arg["Values"])
            if key == "Std:JsonGet":
                return None
        if isinstance(node, dict):
            return {k: self.value(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.value(v) for v in node]
        return node

    def _get(self, path: str) -> Any:
        if path.startswith("Parameters."):
            return self.parameters[path.removeprefix("Parameters.")]
        if path == "Execution.PipelineExecutionId":
            return EXECUTION_ID
        if path.startswith("Execution."):
            return path.removeprefix("Execution.").lower()
        match = re.fullmatch(r"Steps\.(\w+)\.(.+)", path)
        if not match:
            raise ValueError(f"pipeline definition: cannot resolve {path!r}")
        step, rest = self.steps[match.group(1)], match.group(2)
        args = step["Arguments"]
        output = re.fullmatch(r"ProcessingOutputConfig\.Outputs\['(\w+)'\]\.S3Output\.S3Uri", rest)
        if output:
            return self.output_uri(step, output.group(1))
        if rest == "ModelArtifacts.S3ModelArtifacts":
            root = self.value(args["OutputDataConfig"]["S3OutputPath"])
            return f"{root}/{job_name(step)}/output/model.tar.gz"
        files = re.fullmatch(r"PropertyFiles\.(\w+)", rest)
        if files:
            (prop,) = [p for p in step["PropertyFiles"] if p["PropertyFileName"] == files.group(1)]
            return f"{self.output_uri(step, prop['OutputName'])}/{prop['FilePath']}"
        raise ValueError(f"pipeline definition: cannot resolve {path!r}")

    def output_uri(self, step: dict[str, Any], name: str) -> str:
        outputs = step["Arguments"]["ProcessingOutputConfig"]["Outputs"]
        (output,) = [o for o in outputs if o["OutputName"] == name]
        return str(self.value(output["S3Output"]["S3Uri"]))


def job_name(step: dict[str, Any]) -> str:
    # Pipelines names jobs "pipelines-<execution id>-<step name>-<suffix>"; ARNs are lower case.
    return f"pipelines-{EXECUTION_ID}-{step['Name']}".lower()


def bucket_key(unit: Assembly, bucket: str) -> str | None:
    """The KMS key a bucket of the unit encrypts new objects with by default, if any."""
    for stack, lid, r in unit.resources("AWS::S3::Bucket"):
        if stack.resolve({"Ref": lid}) == bucket:
            rules = (
                r["Properties"]
                .get("BucketEncryption", {})
                .get("ServerSideEncryptionConfiguration", [])
            )
            for rule in rules:
                key = rule["ServerSideEncryptionByDefault"].get("KMSMasterKeyID")
                if key:
                    return str(stack.resolve(key))
    return None


class _Calls:
    def __init__(self, unit: Assembly, stack: StackTemplate, pipeline_role: str) -> None:
        self.unit, self.stack, self.pipeline_role = unit, stack, pipeline_role
        self.calls: list[Call] = []

    def add(self, role: str, action: str, resource: str, why: str, **kw: Any) -> None:
        label = "pipeline role" if role == self.pipeline_role else role.rsplit("/", 1)[-1]
        self.calls.append(Call(role, action, resource, why, label=label, **kw))

    def arn(self, service: str, resource: str) -> str:
        s = self.stack
        return f"arn:{s.partition}:{service}:{s.region}:{s.account}:{resource}"

    def bucket_key(self, bucket: str) -> str | None:
        return bucket_key(self.unit, bucket)

    def s3(
        self,
        role: str,
        uri: str,
        why: str,
        *,
        read: bool,
        write: bool,
        key: str | None = None,
        prefix_input: bool = True,
        via_vpc: bool = True,
    ) -> None:
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        via_s3 = {"kms:ViaService": f"s3.{self.stack.region}.amazonaws.com"}
        obj = f"arn:{self.stack.partition}:s3:::{bucket}/{prefix.rstrip('/')}/part-00000"
        if prefix.endswith((".json", ".gz")):
            obj = f"arn:{self.stack.partition}:s3:::{bucket}/{prefix}"
        bucket_key = self.bucket_key(bucket)
        if read and prefix_input:  # an S3Prefix input is listed first
            self.add(
                role,
                "s3:ListBucket",
                f"arn:{self.stack.partition}:s3:::{bucket}",
                why,
                context={"s3:prefix": prefix},
                via_vpc=via_vpc,
            )
        if read:
            self.add(role, "s3:GetObject", obj, why, via_vpc=via_vpc)
            if bucket_key:
                self.add(role, "kms:Decrypt", bucket_key, why, context=via_s3)
        if write:
            self.add(role, "s3:PutObject", obj, why, via_vpc=via_vpc)
            if key or bucket_key:
                self.add(role, "kms:GenerateDataKey", str(key or bucket_key), why, context=via_s3)
            if key:
                # CreateTrainingJob/CreateProcessingJob: "If you use a KMS key ID or an alias of
                # your KMS key, the SageMaker execution role must include permissions to call
                # kms:Encrypt" (OutputDataConfig.KmsKeyId, SageMaker API reference).
                self.add(role, "kms:Encrypt", key, why)

    def job(self, definition: _Definition, step: dict[str, Any]) -> None:
        kind, logs = _JOB[step["Type"]]
        args = definition.value(step["Arguments"])
        role, name, why = args["RoleArn"], job_name(step), f"step {step['Name']}"
        p = self.pipeline_role
        job_arn = self.arn("sagemaker", f"{kind.replace('Job', '-job').lower()}/{name}")
        # Stop: stopping an execution stops its running job.
        for verb in ("Create", "Describe", "Stop"):
            self.add(p, f"sagemaker:{verb}{kind}", job_arn, why)
        self.add(p, "iam:PassRole", role, why, context={"iam:PassedToService": SAGEMAKER})
        if kind == "ProcessingJob":
            for item in args.get("ProcessingInputs", []):
                self.s3(
                    role,
                    item["S3Input"]["S3Uri"],
                    f"{why} input {item['InputName']}",
                    read=True,
                    write=False,
                )
            config = args.get("ProcessingOutputConfig", {})
            for item in config.get("Outputs", []):
                self.s3(
                    role,
                    item["S3Output"]["S3Uri"],
                    f"{why} output {item['OutputName']}",
                    read=False,
                    write=True,
                    key=config.get("KmsKeyId"),
                )
            image = args["AppSpecification"]["ImageUri"]
            network = args.get("NetworkConfig", {}).get("VpcConfig")
            arguments = args["AppSpecification"].get("ContainerArguments", [])
            volume_key = args["ProcessingResources"]["ClusterConfig"].get("VolumeKmsKeyId")
        else:
            for channel in args.get("InputDataConfig", []):
                uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
                self.s3(
                    role, uri, f"{why} channel {channel['ChannelName']}", read=True, write=False
                )
            output = args["OutputDataConfig"]
            self.s3(
                role,
                output["S3OutputPath"],
                f"{why} model output",
                read=False,
                write=True,
                key=output.get("KmsKeyId"),
            )
            if "CheckpointConfig" in args:
                self.s3(
                    role,
                    args["CheckpointConfig"]["S3Uri"],
                    f"{why} checkpoints",
                    read=True,
                    write=True,
                    key=output.get("KmsKeyId"),
                )
            image = args["AlgorithmSpecification"]["TrainingImage"]
            network = args.get("VpcConfig")
            arguments = []
            volume_key = args["ResourceConfig"].get("VolumeKmsKeyId")
        if volume_key:
            self.add(role, "kms:CreateGrant", volume_key, f"{why} volume encryption")
        self.container(role, why, image, args.get("Environment", {}), arguments, logs, name)
        if network:
            self.network(role, why, network)

    def container(
        self,
        role: str,
        why: str,
        image: str,
        env: dict[str, str],
        arguments: list[Any],
        logs: str,
        name: str,
    ) -> None:
        account, _, rest = image.partition(".dkr.ecr.")
        region, _, path = rest.partition(".amazonaws.com/")
        repository = path.split(":")[0].split("@")[0]
        repo_arn = f"arn:{self.stack.partition}:ecr:{region}:{account}:repository/{repository}"
        # The execution role's image and log permissions as "How to use SageMaker AI execution
        # roles" lists them (https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html).
        pull = (
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchCheckLayerAvailability",
        )
        for action in pull:
            self.add(role, action, repo_arn, f"{why} pulls its image")
        self.add(role, "ecr:GetAuthorizationToken", "*", f"{why} pulls its image")
        for value in env.values():
            if str(value).startswith(f"arn:{self.stack.partition}:secretsmanager:"):
                self.add(
                    role,
                    "secretsmanager:GetSecretValue",
                    value,
                    f"{why} reads a secret",
                    via_vpc=True,
                )
        tracking = str(env.get(TRACKING_URI_ENV, ""))
        if tracking.startswith(f"arn:{self.stack.partition}:sagemaker:"):
            # The MLflow calls train.py/evaluate.py make (training_scripts/tracking.py), through
            # the VPC's MLflow endpoint; only the step that logs the gate ends the run.
            gate = THRESHOLD_ARG in arguments
            for action in LOG_MLFLOW_ACTIONS + (FINISH_MLFLOW_ACTIONS if gate else ()):
                self.add(role, action, tracking, f"{why} logs to MLflow", via_vpc=True)
        if "--judge-model-id" in arguments:
            model = arguments[arguments.index("--judge-model-id") + 1]
            self.add(
                role,
                "bedrock:InvokeModel",
                f"arn:{self.stack.partition}:bedrock:{self.stack.region}::foundation-model/{model}",
                f"{why} asks the judge model",
                via_vpc=True,
            )
        group = f"/aws/sagemaker/{logs}"
        self.add(role, "logs:CreateLogGroup", self.arn("logs", f"log-group:{group}"), f"{why} logs")
        for action in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"):
            self.add(
                role,
                action,
                self.arn("logs", f"log-group:{group}:log-stream:{name}/algo-1"),
                f"{why} logs",
            )
        self.add(
            role,
            "cloudwatch:PutMetricData",
            "*",
            f"{why} metrics",
            context={"cloudwatch:namespace": group},
        )

    def network(self, role: str, why: str, vpc_config: dict[str, Any]) -> None:
        subnets = vpc_config.get("Subnets") or vpc_config.get("SubnetIds") or []
        vpc = _vpc_of(self.unit, subnets[0]) if subnets else None
        context = {"ec2:Vpc": self.arn("ec2", f"vpc/{vpc}")} if vpc else {}
        eni = self.arn("ec2", "network-interface/eni-from-job")
        self.add(
            role, "ec2:CreateNetworkInterface", eni, f"{why} attaches to the VPC", context=context
        )
        self.add(
            role,
            "ec2:CreateNetworkInterface",
            self.arn("ec2", f"subnet/{subnets[0]}"),
            f"{why} attaches to the VPC",
            context=context,
        )
        for action in ENI_CHANGES:
            self.add(role, action, eni, f"{why} attaches to the VPC", context=context)
        for action in VPC_DESCRIBE:
            self.add(role, action, "*", f"{why} attaches to the VPC")


def _vpc_of(unit: Assembly, subnet_id: str) -> str | None:
    for stack, lid, r in unit.resources("AWS::EC2::Subnet"):
        if stack.resolve({"Ref": lid}) == subnet_id:
            return str(stack.resolve(r["Properties"]["VpcId"]))
    return None


def pipeline_calls(unit: Assembly) -> list[Call]:
    calls: list[Call] = []
    for stack, _, resource in unit.resources("AWS::SageMaker::Pipeline"):
        props = resource["Properties"]
        body = stack.resolve(props["PipelineDefinition"]["PipelineDefinitionBody"])
        definition = _Definition(json.loads(body))
        out = _Calls(unit, stack, stack.resolve(props["RoleArn"]))
        for step in definition.steps.values():
            if step["Type"] in _JOB:
                out.job(definition, step)
            elif step["Type"] == "RegisterModel":
                group = step["Arguments"]["ModelPackageGroupName"]
                package = out.arn("sagemaker", f"model-package/{group}/1".lower())
                out.add(
                    out.pipeline_role,
                    "sagemaker:CreateModelPackage",
                    package,
                    f"step {step['Name']}",
                )
            for match in re.findall(
                r'"PropertyFile": \{"Get": "([^"]+)"\}', json.dumps(step.get("Arguments", {}))
            ):
                if step["Type"] == "Condition":
                    uri = definition.value({"Get": match})
                    out.s3(
                        out.pipeline_role,
                        uri,
                        f"step {step['Name']} reads the property file",
                        read=True,
                        write=False,
                        prefix_input=False,
                        via_vpc=False,
                    )
        calls += out.calls
    return calls
