"""The ARNs `bedrock:InvokeModel` must be allowed on to invoke one model id or inference profile.

A model given as a cross-Region inference profile (`us.`, `eu.` ... prefix) needs the profile
and its model in every Region it routes to ("Prerequisites for inference profiles", Bedrock user
guide, https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aws_cdk as cdk

# Geography prefixes of system-defined cross-Region inference profiles (Bedrock user guide,
# "Supported Regions and models for inference profiles").
INFERENCE_PROFILE_GEOGRAPHIES = ("us", "eu", "apac", "us-gov", "jp", "au", "ca", "global")


@dataclass
class InvocableModels:
    """InvokeModel resources for some model ids; `any_region` are the wildcard-Region ones."""

    arns: list[str] = field(default_factory=list)
    any_region: list[str] = field(default_factory=list)


def invocable_models(stack: cdk.Stack, model_ids: tuple[str, ...] | list[str]) -> InvocableModels:
    found = InvocableModels()
    for model in model_ids:
        geo, _, base = model.partition(".")
        if geo in INFERENCE_PROFILE_GEOGRAPHIES and base:
            found.arns.append(
                stack.format_arn(
                    service="bedrock",
                    resource="inference-profile",
                    resource_name=model,
                    arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
                )
            )
            routed = f"arn:{stack.partition}:bedrock:*::foundation-model/{base}"
            found.any_region.append(routed)
            found.arns.append(routed)
        else:
            found.arns.append(
                stack.format_arn(
                    service="bedrock",
                    account="",
                    resource="foundation-model",
                    resource_name=model,
                    arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
                )
            )
    return found
