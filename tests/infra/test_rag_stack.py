"""RagStack: Knowledge Base on encrypted S3 Vectors, Q Business when Identity Center is set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from cfnlint.api import ManualArgs, lint
from pydantic import ValidationError

from deployment.bedrock_settings import RagSettings
from deployment.settings import Settings, load_settings, read_cdk_json_context
from infra.nag import acknowledge_justified_wildcards, nag_findings, nag_packs
from infra.stacks.data import DataStack
from infra.stacks.rag import Q_BUSINESS_SKIPPED, RagStack

IDENTITY_CENTER = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
PACKS = ["AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"]


@dataclass(frozen=True)
class RagApp:
    app: cdk.App
    data: DataStack
    rag: RagStack
    outdir: Path

    @property
    def template(self) -> Template:
        return Template.from_stack(self.rag)


def _build(outdir: Path, rag: RagSettings) -> RagApp:
    context = read_cdk_json_context()  # the feature flags the real app runs with
    settings: Settings = load_settings(context)
    app = cdk.App(context=context, outdir=str(outdir))
    data = DataStack(app, "rag-test-data", settings=settings)
    stack = RagStack(
        app,
        "rag-test-rag",
        rag=rag,
        name=settings.name,
        key=data.key,
        curated_bucket=data.curated_bucket,
    )
    acknowledge_justified_wildcards(app)
    app.synth()
    return RagApp(app, data, stack, outdir)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> RagApp:
    rag = RagSettings(enabled=True, q_business=True, identity_center_instance_arn=IDENTITY_CENTER)
    return _build(tmp_path_factory.mktemp("rag-full"), rag)


@pytest.fixture(scope="module")
def without_identity_center(tmp_path_factory: pytest.TempPathFactory) -> RagApp:
    rag = RagSettings(enabled=True, q_business=True)
    return _build(tmp_path_factory.mktemp("rag-no-idc"), rag)


def _one(template: Template, rtype: str) -> dict[str, Any]:
    found = template.find_resources(rtype)
    assert len(found) == 1, f"expected one {rtype}, found {sorted(found)}"
    return next(iter(found.values()))


def test_knowledge_base_stores_vectors_in_s3_vectors_index(full: RagApp) -> None:
    kb = _one(full.template, "AWS::Bedrock::KnowledgeBase")["Properties"]
    assert kb["StorageConfiguration"]["Type"] == "S3_VECTORS"
    index_id = kb["StorageConfiguration"]["S3VectorsConfiguration"]["IndexArn"]["Fn::GetAtt"][0]
    index = full.template.to_json()["Resources"][index_id]
    assert index["Type"] == "AWS::S3Vectors::Index"
    assert index["Properties"]["Dimension"] == 1024


def test_vector_bucket_is_encrypted_with_the_data_key(full: RagApp) -> None:
    bucket = _one(full.template, "AWS::S3Vectors::VectorBucket")["Properties"]
    assert bucket["EncryptionConfiguration"]["SseType"] == "aws:kms"
    assert "DataKey" in str(bucket["EncryptionConfiguration"]["KmsKeyArn"])


def test_data_source_reads_only_the_documents_prefix(full: RagApp) -> None:
    source = _one(full.template, "AWS::Bedrock::DataSource")["Properties"]
    s3_config = source["DataSourceConfiguration"]["S3Configuration"]
    assert s3_config["InclusionPrefixes"] == ["curated/documents/"]
    assert "KmsKeyArn" in source["ServerSideEncryptionConfiguration"]
    chunking = source["VectorIngestionConfiguration"]["ChunkingConfiguration"]
    assert chunking["FixedSizeChunkingConfiguration"] == {"MaxTokens": 300, "OverlapPercentage": 20}


def test_knowledge_base_role_is_trusted_only_by_this_accounts_bedrock(full: RagApp) -> None:
    full.template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Principal": {"Service": "bedrock.amazonaws.com"},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                "ArnLike": {"aws:SourceArn": Match.any_value()},
                            },
                        }
                    )
                ]
            }
        },
    )


def _statements(template: Template) -> list[dict[str, Any]]:
    policies = {
        **template.find_resources("AWS::IAM::Policy"),
        **template.find_resources("AWS::IAM::ManagedPolicy"),
    }
    statements = [
        s
        for policy in policies.values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements, "no IAM policy statements found"
    return statements


def test_no_policy_statement_grants_a_bare_wildcard_resource(full: RagApp) -> None:
    for statement in _statements(full.template):
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        assert "*" not in resources, statement
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert not any(a.endswith(":*") for a in actions), statement


def test_bucket_listing_is_conditioned_on_the_documents_prefix(full: RagApp) -> None:
    listing = [s for s in _statements(full.template) if s["Action"] == "s3:ListBucket"]
    assert listing
    for statement in listing:
        assert statement["Condition"] == {"StringLike": {"s3:prefix": ["curated/documents/*"]}}


def test_embedding_model_is_the_only_model_the_role_may_invoke(full: RagApp) -> None:
    invoke = [s for s in _statements(full.template) if s["Action"] == "bedrock:InvokeModel"]
    assert len(invoke) == 1
    assert "foundation-model/amazon.titan-embed-text-v2:0" in str(invoke[0]["Resource"])


def test_q_business_application_index_retriever_and_s3_source_exist(full: RagApp) -> None:
    app_props = _one(full.template, "AWS::QBusiness::Application")["Properties"]
    assert app_props["IdentityCenterInstanceArn"] == IDENTITY_CENTER
    assert "KmsKeyId" in app_props["EncryptionConfiguration"]
    _one(full.template, "AWS::QBusiness::Index")
    _one(full.template, "AWS::QBusiness::Retriever")
    source = _one(full.template, "AWS::QBusiness::DataSource")["Properties"]
    assert source["Configuration"]["type"] == "S3"
    assert source["Configuration"]["additionalProperties"]["inclusionPrefixes"] == [
        "curated/documents/"
    ]


def test_q_business_without_identity_center_is_skipped_with_a_warning(
    without_identity_center: RagApp,
) -> None:
    template = without_identity_center.template
    assert template.find_resources("AWS::QBusiness::Application") == {}
    assert template.find_resources("AWS::QBusiness::DataSource") == {}
    warnings = Annotations.from_stack(without_identity_center.rag).find_warning(
        "*", Match.string_like_regexp("Identity Center")
    )
    assert len(warnings) == 1
    assert Q_BUSINESS_SKIPPED.split(":")[0] in str(warnings[0].entry.data)
    _one(template, "AWS::Bedrock::KnowledgeBase")  # the Knowledge Base is still built


@pytest.mark.parametrize("index", range(len(PACKS)), ids=PACKS)
def test_nag_pack_has_no_unacknowledgednag_findings(full: RagApp, index: int) -> None:
    assert nag_findings(nag_packs()[index], full.app) == []


@pytest.mark.parametrize("stack", ["data", "rag"])
def test_cfn_lint_finds_nothing_in_the_templates(full: RagApp, stack: str) -> None:
    # The data template too: the RAG stack adds a key-policy statement and named exports to it.
    artifact = getattr(full, stack).artifact_id
    template = full.outdir / f"{artifact}.template.json"
    matches = lint(template.read_text(), config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


def test_data_key_lets_s3_vectors_indexing_decrypt_only_for_this_account(full: RagApp) -> None:
    policy = _one(Template.from_stack(full.data), "AWS::KMS::Key")["Properties"]["KeyPolicy"]
    [statement] = [s for s in policy["Statement"] if s.get("Sid") == "AllowS3VectorsIndexing"]
    assert statement["Principal"] == {"Service": "indexing.s3vectors.amazonaws.com"}
    assert statement["Action"] == "kms:Decrypt"
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]


def test_unsupported_embedding_dimensions_are_refused_with_the_allowed_values() -> None:
    with pytest.raises(ValidationError, match="must be one of 256, 512, 1024"):
        RagSettings(embedding_dimensions=300)


def test_enabled_with_nothing_to_deploy_is_refused() -> None:
    with pytest.raises(ValidationError, match="also turn on knowledge_base or q_business"):
        RagSettings(enabled=True, knowledge_base=False, q_business=False)
