"""Calls AWS services make with the service roles the stacks hand them, read from the resources
that name each role: the SageMaker MLflow tracking server (its artifact store), the Bedrock
Knowledge Base (embedding model, vector index, data sources) and the Amazon Q Business S3
connector (documents, index).

Which operations each service performs with its role is the service's documented role policy,
not derivable from a template; the resources they act on are read from the template:
- MLflow: "Set up IAM permissions for MLflow" (SageMaker developer guide): the artifact store.
- Knowledge Base: "Create a service role for Amazon Bedrock Knowledge Bases"
  (https://docs.aws.amazon.com/bedrock/latest/userguide/kb-permissions.html): invoke the embedding
  model, read the data source's S3 location, use the data source's transient-data key; with
  S3 Vectors ("Use S3 Vectors with Amazon Bedrock Knowledge Bases") put, get, delete and query
  vectors and read the index.
- Q Business: "IAM role for Amazon S3 connector" (Amazon Q Business user guide,
  https://docs.aws.amazon.com/amazonq/latest/qbusiness-ug/s3-user-management.html): read the
  bucket, put and delete documents, and sync users and groups into the index.
"""

from __future__ import annotations

from typing import Any

from infra.runtime_contract import iam_reference
from infra.runtime_contract.evaluator import Call
from infra.runtime_contract.pipeline_calls import bucket_key
from infra.runtime_contract.templates import Assembly, StackTemplate

VECTOR_ACTIONS = (
    "s3vectors:GetIndex",
    "s3vectors:PutVectors",
    "s3vectors:GetVectors",
    "s3vectors:DeleteVectors",
    "s3vectors:QueryVectors",
)
Q_INDEX_ACTIONS = (
    "qbusiness:BatchPutDocument",
    "qbusiness:BatchDeleteDocument",
    "qbusiness:PutGroup",
    "qbusiness:CreateUser",
    "qbusiness:DeleteGroup",
    "qbusiness:UpdateUser",
    "qbusiness:ListGroups",
)


def _s3_reads(
    unit: Assembly,
    stack: StackTemplate,
    role: str,
    label: str,
    bucket: str,
    prefix: str,
    why: str,
    *,
    write: bool = False,
) -> list[Call]:
    bucket_arn = f"arn:{stack.partition}:s3:::{bucket}"
    obj = f"{bucket_arn}/{prefix}document-0"
    via_s3 = {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}
    # The bucket is one of the unit's: its owner is the stack's account.
    owner = {"aws:ResourceAccount": stack.account}
    listing = {"s3:prefix": prefix, **owner}
    calls = [
        Call(role, "s3:ListBucket", bucket_arn, why, context=listing, label=label),
        Call(role, "s3:GetObject", obj, why, context=owner, label=label),
    ]
    if write:
        calls += [
            Call(role, a, obj, why, context=owner, label=label)
            for a in ("s3:PutObject", "s3:DeleteObject")
        ]
    key = bucket_key(unit, bucket)
    if key:
        actions = ("kms:Decrypt", "kms:GenerateDataKey") if write else ("kms:Decrypt",)
        calls += [Call(role, a, key, why, context=via_s3, label=label) for a in actions]
    return calls


def mlflow_server_calls(unit: Assembly) -> list[Call]:
    calls: list[Call] = []
    for stack, lid, resource in unit.resources("AWS::SageMaker::MlflowTrackingServer"):
        props = stack.resolve(resource["Properties"])
        uri = str(props["ArtifactStoreUri"]).removeprefix("s3://")
        bucket, _, prefix = uri.partition("/")
        why = f"tracking server {props['TrackingServerName']} stores run artifacts"
        label = f"{stack.name}/{lid} (MLflow server)"
        calls += _s3_reads(unit, stack, props["RoleArn"], label, bucket, prefix, why, write=True)
    return calls


def knowledge_base_calls(unit: Assembly) -> list[Call]:
    calls: list[Call] = []
    sources = unit.resources("AWS::Bedrock::DataSource")
    for stack, lid, resource in unit.resources("AWS::Bedrock::KnowledgeBase"):
        props = stack.resolve(resource["Properties"])
        role, kb_id = props["RoleArn"], stack.resolve({"Ref": lid})
        label = f"{stack.name}/{lid} (Knowledge Base)"
        vector = props["KnowledgeBaseConfiguration"]["VectorKnowledgeBaseConfiguration"]
        model = vector["EmbeddingModelArn"]
        calls.append(Call(role, "bedrock:InvokeModel", model, "embeds chunks", label=label))
        storage = props["StorageConfiguration"]
        index = (storage.get("S3VectorsConfiguration") or {}).get("IndexArn")
        if index:
            calls += [
                Call(role, a, index, "stores and queries vectors", label=label)
                for a in VECTOR_ACTIONS
            ]
            calls += _vector_key_calls(unit, stack, role, label, index)
        for s_stack, s_lid, source in sources:
            s_props = s_stack.resolve(source["Properties"])
            if s_props["KnowledgeBaseId"] != kb_id:
                continue
            calls += _data_source_calls(unit, s_stack, role, label, s_lid, s_props)
    return calls


def _vector_key_calls(
    unit: Assembly, stack: StackTemplate, role: str, label: str, index: str
) -> list[Call]:
    """The vector bucket's key, used through S3 Vectors for the role's vector reads/writes."""
    bucket_arn = index.split("/index/")[0]
    for v_stack, v_lid, bucket in unit.resources("AWS::S3Vectors::VectorBucket"):
        if v_stack.resolve({"Fn::GetAtt": [v_lid, "VectorBucketArn"]}) != bucket_arn:
            continue
        encryption = v_stack.resolve(bucket["Properties"].get("EncryptionConfiguration", {}))
        key = encryption.get("KmsKeyArn")
        if key:
            via = {"kms:ViaService": f"s3vectors.{stack.region}.amazonaws.com"}
            return [
                Call(role, a, key, "encrypted vectors", context=via, label=label)
                for a in ("kms:Decrypt", "kms:GenerateDataKey")
            ]
    return []


def _data_source_calls(
    unit: Assembly,
    stack: StackTemplate,
    role: str,
    label: str,
    lid: str,
    props: dict[str, Any],
) -> list[Call]:
    why = f"ingests data source {lid}"
    s3 = props["DataSourceConfiguration"]["S3Configuration"]
    bucket = s3["BucketArn"].split(":::", 1)[1]
    calls: list[Call] = []
    for prefix in s3.get("InclusionPrefixes") or [""]:
        calls += _s3_reads(unit, stack, role, label, bucket, prefix, why)
    key = (props.get("ServerSideEncryptionConfiguration") or {}).get("KmsKeyArn")
    if key:
        via = {"kms:ViaService": f"bedrock.{stack.region}.amazonaws.com"}
        calls += [
            Call(role, a, key, f"{why} (transient data)", context=via, label=label)
            for a in ("kms:Decrypt", "kms:GenerateDataKey")
        ]
    return calls


def q_business_calls(unit: Assembly) -> list[Call]:
    calls: list[Call] = []
    for stack, lid, resource in unit.resources("AWS::QBusiness::DataSource"):
        props = stack.resolve(resource["Properties"])
        role = props.get("RoleArn")
        config = props["Configuration"]
        if not role or config.get("type") != "S3":
            continue
        label = f"{stack.name}/{lid} (Q Business connector)"
        why = f"syncs data source {lid}"
        bucket = config["connectionConfiguration"]["repositoryEndpointMetadata"]["BucketName"]
        for prefix in config.get("additionalProperties", {}).get("inclusionPrefixes") or [""]:
            calls += _s3_reads(unit, stack, role, label, bucket, prefix, why)
        application = _arn_of(unit, "AWS::QBusiness::Application", props["ApplicationId"])
        index = _arn_of(unit, "AWS::QBusiness::Index", props["IndexId"])
        literals = [a for a in (application, index) if a]
        for action in Q_INDEX_ACTIONS:
            calls += [
                Call(role, action, arn, why, label=label)
                for arn in iam_reference.resources_for(
                    action, literals, stack.partition, stack.region, stack.account, lid
                )
            ]
    return calls


def _arn_of(unit: Assembly, kind: str, ref: str) -> str | None:
    for stack, lid, _ in unit.resources(kind):
        if stack.resolve({"Ref": lid}) == ref:
            return str(stack.resolve({"Fn::GetAtt": [lid, kind.split("::")[-1] + "Arn"]}))
    return None
