"""Which teacher models Bedrock distils into which students ("Choose teacher and student models
for distillation", Bedrock user guide)."""

from __future__ import annotations

# Teacher -> students Bedrock distills between (DISTILL page, table of supported models).
TEACHERS: dict[str, tuple[str, ...]] = {
    "amazon.nova-pro-v1": ("amazon.nova-lite-v1", "amazon.nova-micro-v1"),
    "amazon.nova-premier-v1": ("amazon.nova-lite-v1", "amazon.nova-micro-v1", "amazon.nova-pro-v1"),
    # Claude 3.5 Sonnet v1 and v2 teach Claude 3 Haiku, in US West (Oregon).
    "anthropic.claude-3-5-sonnet-20240620-v1": ("anthropic.claude-3-haiku-20240307-v1",),
    "anthropic.claude-3-5-sonnet-20241022-v2": ("anthropic.claude-3-haiku-20240307-v1",),
    "meta.llama3-1-405b-instruct-v1": (
        "meta.llama3-1-8b-instruct-v1",
        "meta.llama3-1-70b-instruct-v1",
        "meta.llama3-2-1b-instruct-v1",
    ),
    "meta.llama3-1-70b-instruct-v1": (
        "meta.llama3-1-8b-instruct-v1",
        "meta.llama3-2-1b-instruct-v1",
        "meta.llama3-2-3b-instruct-v1",
    ),
    "meta.llama3-3-70b-instruct-v1": (
        "meta.llama3-1-8b-instruct-v1",
        "meta.llama3-2-1b-instruct-v1",
        "meta.llama3-2-3b-instruct-v1",
    ),
}


def teacher_key(identifier: str) -> str | None:
    """The TEACHERS key an identifier (id, versioned id, ARN or inference profile) names."""
    name = identifier.rsplit("/", 1)[-1]
    name = name.split(".", 1)[1] if name.split(".", 1)[0] in ("us", "eu", "apac") else name
    return next((t for t in TEACHERS if name == t or name.startswith(f"{t}:")), None)
