"""Settings sections for the Bedrock side: retrieval-augmented generation and model
customization with its guardrails (part of `deployment.settings.Settings`)."""

from __future__ import annotations

import re

from pydantic import Field, StrictBool, field_validator, model_validator

from deployment.section import Section as _Section

# Titan Text Embeddings V2 supports 256, 512 or 1024 dimensions (Bedrock user guide, "Amazon
# Titan Text Embeddings models", https://docs.aws.amazon.com/bedrock/latest/userguide/titan-embedding-models.html).
EMBEDDING_DIMENSIONS = (256, 512, 1024)


class RagSettings(_Section):
    """Retrieval-augmented generation over the curated documents prefix."""

    enabled: StrictBool = False
    knowledge_base: StrictBool = True
    q_business: StrictBool = False
    # Amazon Q Business needs IAM Identity Center; without an instance it is skipped with a
    # synth warning rather than failing the app.
    identity_center_instance_arn: str | None = Field(
        None, pattern=r"^arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$"
    )
    embedding_model_id: str = Field(
        "amazon.titan-embed-text-v2:0", pattern=r"^[a-z0-9-]+\.[a-z0-9-.]+(:\d+)?$"
    )
    embedding_dimensions: int = Field(1024)
    documents_prefix: str = Field("curated/documents/", pattern=r"^[a-z0-9][a-z0-9/_-]*/$")
    chunk_max_tokens: int = Field(300, ge=20, le=8192)
    chunk_overlap_percentage: int = Field(20, ge=1, le=99)
    q_business_index_units: int = Field(1, ge=1, le=50)

    @field_validator("embedding_dimensions")
    @classmethod
    def _supported_dimensions(cls, value: int) -> int:
        if value not in EMBEDDING_DIMENSIONS:
            raise ValueError(f"must be one of {', '.join(str(d) for d in EMBEDDING_DIMENSIONS)}")
        return value

    @model_validator(mode="after")
    def _something_to_deploy(self) -> RagSettings:
        if self.enabled and not (self.knowledge_base or self.q_business):
            raise ValueError("enabled = True: also turn on knowledge_base or q_business")
        return self


class DeniedTopic(_Section):
    """One topic a Bedrock Guardrail refuses (Bedrock API `GuardrailTopicConfig`)."""

    # Limits from the Bedrock API reference, "GuardrailTopicConfig" (botocore bedrock model):
    # name 1-100 characters of this set, definition 1-200, at most 5 examples of 1-100.
    name: str = Field(pattern=r"^[0-9a-zA-Z_ !?.-]{1,100}$")
    definition: str = Field(min_length=1, max_length=200)
    examples: tuple[str, ...] = Field((), max_length=5)

    @field_validator("examples")
    @classmethod
    def _example_length(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for example in value:
            if not 1 <= len(example) <= 100:
                raise ValueError(f"example {example[:40]!r}: must be 1 to 100 characters")
        return value


class BedrockSettings(_Section):
    """Bedrock model customization: concurrency, polling, data locations, guardrails."""

    # Bedrock runs only a few customization jobs per account at once (a Service Quotas value);
    # the client refuses to submit beyond this. Raise it only after raising the quota.
    max_concurrent_jobs: int = Field(2, ge=1, le=100)
    poll_interval_seconds: int = Field(300, ge=30, le=3600)
    max_polls: int = Field(576, ge=1, le=10000)  # 48 h at the default interval
    output_prefix: str = Field("bedrock/", pattern=r"^[a-z0-9][a-z0-9/_-]*/$")
    teacher_max_response_length: int = Field(1000, ge=1, le=32000)
    # The only models the customization jobs' service role may invoke: distillation teachers,
    # as model ids or cross-Region inference profile ids (`us.`...). Empty: no InvokeModel.
    teacher_models: tuple[str, ...] = ()
    # Guardrail denied topics per use case; the stack publishes one guardrail per key.
    denied_topics: dict[str, tuple[DeniedTopic, ...]] = Field(default_factory=dict)

    @field_validator("denied_topics")
    @classmethod
    def _use_case_names(
        cls, value: dict[str, tuple[DeniedTopic, ...]]
    ) -> dict[str, tuple[DeniedTopic, ...]]:
        for use_case, topics in value.items():
            if not re.match(r"^[a-z][a-z0-9-]{0,30}$", use_case):
                raise ValueError(f"use case {use_case!r}: must match ^[a-z][a-z0-9-]{{0,30}}$")
            # CreateGuardrail accepts 1 to 30 topics ("GuardrailTopicsConfig").
            if not 1 <= len(topics) <= 30:
                raise ValueError(f"use case {use_case!r}: needs 1 to 30 topics, got {len(topics)}")
        return value
