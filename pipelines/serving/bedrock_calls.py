"""The Bedrock calls behind serving: import, deployment, provisioned throughput, guarded Converse.

Clients come in as arguments (botocore Stubber in tests: moto 5.2.5 implements none of
CreateModelImportJob, GetModelImportJob, CreateCustomModelDeployment,
CreateProvisionedModelThroughput or Converse). Request builders are pure functions so that the
exact request is what the tests assert and what the CLI shows before sending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipelines.serving import ServingError
from pipelines.serving.catalog import DEPLOYMENT_MODES

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient
    from mypy_boto3_bedrock.type_defs import CreateModelImportJobRequestTypeDef

# Bedrock resource name pattern shared by job, model, deployment and provisioned-model names
# (botocore bedrock model: ModelImportJobName, ImportedModelName, ModelDeploymentName,
# ProvisionedModelName: up to 63 characters).
_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9+\-.])*")
_MODEL_ARN = re.compile(
    r"arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:(custom-model|imported-model|custom-model-deployment"
    r"|provisioned-model)/.+"
)
STOP_GUARDRAIL = "guardrail_intervened"  # Converse stopReason when the guardrail blocked


def check_name(kind: str, name: str) -> str:
    if not (len(name) <= 63 and _NAME.fullmatch(name)):
        raise ServingError(
            f"{kind} {name!r}: must be 1-63 letters, digits, '-', '+' or '.', starting with a "
            "letter or digit"
        )
    return name


def check_model_arn(arn: str) -> str:
    if not _MODEL_ARN.fullmatch(arn):
        raise ServingError(
            f"model {arn!r}: expected a Bedrock custom-model, imported-model, "
            "custom-model-deployment or provisioned-model ARN"
        )
    return arn


def import_request(
    *, job_name: str, model_name: str, role_arn: str, model_uri: str, kms_key_arn: str
) -> CreateModelImportJobRequestTypeDef:
    """CreateModelImportJob from an uncompressed Hugging Face model prefix in S3."""
    if not (model_uri.startswith("s3://") and model_uri.endswith("/")):
        raise ServingError(f"model data {model_uri!r}: must be an s3:// prefix ending in '/'")
    return {
        "jobName": check_name("import job name", job_name),
        "importedModelName": check_name("imported model name", model_name),
        "roleArn": role_arn,
        "modelDataSource": {"s3DataSource": {"s3Uri": model_uri}},
        "importedModelKmsKeyId": kms_key_arn,
    }


def start_import(bedrock: BedrockClient, request: CreateModelImportJobRequestTypeDef) -> str:
    return bedrock.create_model_import_job(**request)["jobArn"]


@dataclass(frozen=True)
class ImportStatus:
    status: str  # InProgress | Completed | Failed
    imported_model_arn: str | None
    failure: str | None


def import_status(bedrock: BedrockClient, job_arn: str) -> ImportStatus:
    job = bedrock.get_model_import_job(jobIdentifier=job_arn)
    return ImportStatus(job["status"], job.get("importedModelArn"), job.get("failureMessage"))


def deployment_request(mode: str, *, model_arn: str, name: str, model_units: int = 1) -> dict:
    """CreateCustomModelDeployment (on-demand) or a no-commitment provisioned throughput."""
    check_model_arn(model_arn)
    check_name("deployment name", name)
    if mode == "on-demand":
        return {"modelDeploymentName": name, "modelArn": model_arn}
    if mode == "provisioned":
        if not 1 <= model_units <= 100:
            raise ServingError(f"--model-units {model_units}: must be between 1 and 100")
        # No commitmentDuration: hourly billing that stops when the throughput is deleted.
        return {"provisionedModelName": name, "modelId": model_arn, "modelUnits": model_units}
    raise ServingError(f"--mode {mode!r}: unknown (allowed: {', '.join(DEPLOYMENT_MODES)})")


def deploy(bedrock: BedrockClient, mode: str, request: dict[str, Any]) -> str:
    if mode == "on-demand":
        return bedrock.create_custom_model_deployment(**request)["customModelDeploymentArn"]
    return bedrock.create_provisioned_model_throughput(**request)["provisionedModelArn"]


def undeploy(bedrock: BedrockClient, arn: str) -> str:
    """Delete a deployment or provisioned throughput by ARN; returns what was deleted."""
    kind = check_model_arn(arn).split(":")[5].split("/")[0]
    if kind == "custom-model-deployment":
        bedrock.delete_custom_model_deployment(customModelDeploymentIdentifier=arn)
        return "on-demand deployment"
    if kind == "provisioned-model":
        bedrock.delete_provisioned_model_throughput(provisionedModelId=arn)
        return "provisioned throughput"
    raise ServingError(
        f"{arn!r}: not a deployment (expected a custom-model-deployment or provisioned-model ARN)"
    )


def converse_request(
    *, model_id: str, prompt: str, guardrail_id: str, guardrail_version: str, max_tokens: int
) -> dict[str, Any]:
    """Converse with the stage's guardrail; the invokers policy refuses any call without it."""
    if not prompt.strip():
        raise ServingError("--prompt: empty")
    if not 1 <= max_tokens <= 8192:
        raise ServingError(f"--max-tokens {max_tokens}: must be between 1 and 8192")
    return {
        "modelId": model_id,
        "messages": [{"role": "user", "content": [{"text": prompt}]}],
        "inferenceConfig": {"maxTokens": max_tokens},
        "guardrailConfig": {
            "guardrailIdentifier": guardrail_id,
            "guardrailVersion": guardrail_version,
            "trace": "enabled",
        },
    }


@dataclass(frozen=True)
class Answer:
    text: str
    intervened: bool
    stop_reason: str
    guardrail_trace: dict[str, Any]


def converse(runtime: Any, request: dict[str, Any]) -> Answer:
    response = runtime.converse(**request)
    content = response.get("output", {}).get("message", {}).get("content", [])
    text = "".join(block.get("text", "") for block in content)
    stop = response.get("stopReason", "")
    trace = response.get("trace", {}).get("guardrail", {})
    return Answer(text, stop == STOP_GUARDRAIL, stop, trace)


def hourly_cost(mode: str, prices: Any, model_units: int = 1) -> tuple[float, str]:
    """(USD per hour while idle, how it is billed) from the dated price table."""
    if mode == "provisioned":
        rate = prices.price("bedrock_provisioned_throughput_per_model_unit_hour")
        return rate * model_units, f"{model_units} model unit(s) x ${rate:.2f}/hour, no commitment"
    per_in = prices.price("bedrock_custom_on_demand_input_per_1k_tokens")
    per_out = prices.price("bedrock_custom_on_demand_output_per_1k_tokens")
    return 0.0, f"on demand: ${per_in}/1k input and ${per_out}/1k output tokens, nothing idle"
