"""Settings section for the RAG path (Bedrock Knowledge Base and/or Amazon Q Business).

Becomes `Settings.rag` (cdk.json `fmops.rag`); kept in its own module so the RAG stack can be
built and tested before it is wired into the shared Settings. Free of CDK imports like
infra/settings.py, and validated the same way (one line naming key, value and what is allowed).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from infra.settings import _Section

# Titan Text Embeddings V2 supports 256, 512 or 1024 dimensions (Bedrock user guide, "Amazon
# Titan Text Embeddings models", https://docs.aws.amazon.com/bedrock/latest/userguide/titan-embedding-models.html).
EMBEDDING_DIMENSIONS = (256, 512, 1024)


class RagSettings(_Section):
    """Retrieval-augmented generation over the curated documents prefix."""

    enabled: bool = False
    knowledge_base: bool = True
    q_business: bool = False
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
