"""One test per dataset rule, each from the single-rule corpus, each citing its AWS page."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.bedrock.rules import Context
from pipelines.bedrock.validation import check_request
from tests.bedrock.rule_corpus import CASES, Case


def run_case(case: Case, directory: Path) -> list[str]:
    train, validation = case.write(directory)
    context = Context(
        media_root=directory / "media" if case.media else None,
        dataset_bucket=case.dataset_bucket,
    )
    problems = check_request(
        case.base_model,
        case.customization,
        train,
        validation,
        case.hp,
        case.teacher,
        case.region,
        context,
    )
    return [str(p) for p in problems]


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule(case: Case, tmp_path: Path) -> None:
    problems = run_case(case, tmp_path)
    if case.good:
        assert problems == []
        return
    hits = [p for p in problems if case.expect in p]
    assert hits, f"{case.rule}: nothing names {case.expect!r} in {problems[:5]}"
    # Every refusal names the page the rule comes from.
    assert any(case.page.split("#")[0] in p for p in hits), hits[:3]


def test_every_rule_page_is_an_aws_documentation_page() -> None:
    for case in CASES:
        assert case.page.startswith("https://docs.aws.amazon.com/"), case
