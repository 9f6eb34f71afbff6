"""Bedrock Guardrail properties: jailbreak (prompt attack), PII and denied-topic filters."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock

from deployment.bedrock_settings import DeniedTopic

# Content filters: PROMPT_ATTACK applies to input only (Bedrock rejects an output strength other
# than NONE for it: "Block denied topics... prompt attacks", Bedrock user guide, Guardrails).
CONTENT_FILTERS = ("SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT")
# PII the platform's data (legal, healthcare, support) carries; identifiers are blocked outright,
# names and contact details are masked so answers stay useful.
PII_BLOCK = (
    "US_SOCIAL_SECURITY_NUMBER",
    "CREDIT_DEBIT_CARD_NUMBER",
    "US_BANK_ACCOUNT_NUMBER",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "PASSWORD",
)
PII_ANONYMIZE = ("NAME", "EMAIL", "PHONE", "ADDRESS", "IP_ADDRESS", "US_PASSPORT_NUMBER")


def guardrail_properties(name: str, topics: tuple[DeniedTopic, ...]) -> dict[str, Any]:
    """CfnGuardrail properties for one use case."""
    filters = [
        bedrock.CfnGuardrail.ContentFilterConfigProperty(
            type=kind, input_strength="HIGH", output_strength="HIGH"
        )
        for kind in CONTENT_FILTERS
    ]
    filters.append(
        bedrock.CfnGuardrail.ContentFilterConfigProperty(
            type="PROMPT_ATTACK", input_strength="HIGH", output_strength="NONE"
        )
    )
    pii = [
        bedrock.CfnGuardrail.PiiEntityConfigProperty(type=kind, action="BLOCK")
        for kind in PII_BLOCK
    ] + [
        bedrock.CfnGuardrail.PiiEntityConfigProperty(type=kind, action="ANONYMIZE")
        for kind in PII_ANONYMIZE
    ]
    return {
        "name": name,
        "description": f"{name}: jailbreak, PII and off-limits topics for customized models",
        "blocked_input_messaging": "Sorry, I can't help with that request.",
        "blocked_outputs_messaging": "Sorry, I can't share that answer.",
        "content_policy_config": bedrock.CfnGuardrail.ContentPolicyConfigProperty(
            filters_config=filters
        ),
        "sensitive_information_policy_config": (
            bedrock.CfnGuardrail.SensitiveInformationPolicyConfigProperty(pii_entities_config=pii)
        ),
        "topic_policy_config": bedrock.CfnGuardrail.TopicPolicyConfigProperty(
            topics_config=[
                bedrock.CfnGuardrail.TopicConfigProperty(
                    name=topic.name,
                    definition=topic.definition,
                    examples=list(topic.examples) or None,
                    type="DENY",
                )
                for topic in topics
            ]
        ),
    }


def guardrail_fingerprint(guardrail: bedrock.CfnGuardrail) -> str:
    """A short hash of everything the guardrail is configured with.

    AWS::Bedrock::GuardrailVersion snapshots the guardrail's DRAFT when it is created and has no
    property that follows the guardrail, so CloudFormation never publishes a new version after
    an edit. Its Description is replaced on change: put this hash in it, and any edit of the
    guardrail (a denied topic, a filter, a message, the key) publishes a new version.
    """
    properties = cdk.Stack.of(guardrail).resolve(guardrail._cfn_properties)
    document = json.dumps(properties, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(document.encode()).hexdigest()[:16]
