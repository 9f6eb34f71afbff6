"""Security and day-two defects: curated-bucket writers, flow-log delivery, guardrail versions,
account-wide invocation logging, physical names, checkov over the humans and delivery stacks."""

from __future__ import annotations

import copy
import re
from typing import Any

from deployment.contract import BEDROCK_UPLOADS_PREFIX
from deployment.settings import load_settings
from tests.infra.conftest import TemplateSet, everything_on_context
from tests.infra.template_queries import Template, actions, as_list, of_type, statements, text


def _curated_deny(data: Template) -> dict[str, Any]:
    (deny,) = [
        s
        for p in of_type(data, "AWS::S3::BucketPolicy").values()
        for s in statements(p["Properties"]["PolicyDocument"])
        if s.get("Sid") == "OnlyThePrepareStepWritesCuratedData"
    ]
    return deny


def denied_put(deny: dict[str, Any], key: str, principal_is_writer: bool) -> bool:
    """Whether the curated deny refuses s3:PutObject of `key` to a principal."""
    if principal_is_writer or "s3:PutObject" not in actions(deny):
        return False
    if "Resource" in deny:
        return any(text(r).endswith('/*"]]}') or text(r) == "*" for r in as_list(deny["Resource"]))
    open_prefixes = [
        m for r in as_list(deny["NotResource"]) for m in re.findall(r"/([a-z0-9/_-]+/)\*", text(r))
    ]
    return not any(key.startswith(prefix) for prefix in open_prefixes)


def test_routine_writers_have_a_narrow_prefix_and_prepared_data_stays_the_prepare_steps(
    everything_on: TemplateSet,
) -> None:
    settings = everything_on.settings
    deny = _curated_deny(everything_on.json["data"])
    curated = settings.data.curated_prefix
    submission = f"{curated}{BEDROCK_UPLOADS_PREFIX}job-1/0a1b2c/train.jsonl"
    document = f"{settings.rag.documents_prefix}handbook.pdf"
    prepared = f"{curated}pipeline-runs/exec-1/PrepareData/train/part-0.jsonl"
    assert not denied_put(deny, submission, principal_is_writer=False)
    assert not denied_put(deny, document, principal_is_writer=False)
    assert denied_put(deny, prepared, principal_is_writer=False)
    assert denied_put(deny, f"{curated}anything-else.jsonl", principal_is_writer=False)
    assert not denied_put(deny, prepared, principal_is_writer=True)


def test_without_rag_the_documents_prefix_is_not_open(everything_on: TemplateSet) -> None:
    context = everything_on_context()
    context["fmops:stages"]["prod"]["rag"] = {"enabled": False}
    settings = load_settings(context)
    from infra.stacks.data import routine_write_prefixes

    assert settings.rag.documents_prefix not in routine_write_prefixes(settings)
    assert routine_write_prefixes(settings) == [
        f"{settings.data.curated_prefix}{BEDROCK_UPLOADS_PREFIX}"
    ]


def test_the_curated_check_fires_on_a_deny_over_every_object(everything_on: TemplateSet) -> None:
    deny = copy.deepcopy(_curated_deny(everything_on.json["data"]))
    deny["Resource"] = [{"Fn::Join": ["", [{"Fn::GetAtt": ["Curated", "Arn"]}, "/*"]]}]
    del deny["NotResource"]
    submission = f"curated/{BEDROCK_UPLOADS_PREFIX}job-1/train.jsonl"
    assert denied_put(deny, submission, principal_is_writer=False)
