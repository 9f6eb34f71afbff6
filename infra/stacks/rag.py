"""The RAG path: a Bedrock Knowledge Base over the curated documents, and/or Amazon Q Business.

Knowledge Base: S3 Vectors as the vector store (CloudFormation `AWS::S3Vectors::*`, no cluster
to size or patch, encrypted with the data-lake key), Titan embeddings, fixed-size chunking of
`s3://<curated>/<documents_prefix>`. Q Business: application + index + retriever + S3 data
source over the same prefix; it requires an IAM Identity Center instance, and without one the
stack adds a synth warning and creates nothing for Q.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_qbusiness as qbusiness
from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

from deployment.bedrock_settings import RagSettings
from deployment.contract import DATA_SOURCE_OUTPUT, KNOWLEDGE_BASE_OUTPUT, Q_APPLICATION_OUTPUT
from infra.constructs.secure_bucket import SecureBucket
from infra.nag import justify_wildcards

Q_BUSINESS_SKIPPED = (
    "rag.q_business is on but rag.identity_center_instance_arn is not set: Amazon Q Business "
    "needs an IAM Identity Center instance, so no Q Business resources were created"
)


class RagStack(cdk.Stack):
    """Retrieval over curated documents; exposes `knowledge_base` and `q_application` (or None)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rag: RagSettings,
        name: str,
        key: kms.IKey,
        curated_bucket: SecureBucket,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._rag, self._name, self._key = rag, name, key
        # Built from the bucket's deterministic name: no cross-stack export to pin it, and
        # stable IAM strings (so stable cdk-nag finding ids).
        self._bucket_arn = curated_bucket.arn_in(self)
        self._bucket_name = curated_bucket.name_in(self)
        self.knowledge_base: bedrock.CfnKnowledgeBase | None = None
        self.q_application: qbusiness.CfnApplication | None = None
        if rag.knowledge_base:
            self.knowledge_base = self._knowledge_base()
        if rag.q_business:
            if rag.identity_center_instance_arn is None:
                cdk.Annotations.of(self).add_warning_v2(
                    "fmops:rag:QBusinessSkipped", Q_BUSINESS_SKIPPED
                )
            else:
                self.q_application = self._q_business(rag.identity_center_instance_arn)

    # -- shared -----------------------------------------------------------------------------
    def _documents_arn(self) -> str:
        return f"{self._bucket_arn}/{self._rag.documents_prefix}*"

    def _service_role(
        self, role_id: str, service: str, source_arn: str, purpose: str
    ) -> tuple[iam.Role, iam.ManagedPolicy]:
        # Confused-deputy guard: only this account's resources of that service may assume it.
        role = iam.Role(
            self,
            role_id,
            description=f"{self._name}: {purpose}",
            assumed_by=iam.ServicePrincipal(service).with_conditions(
                {
                    "StringEquals": {"aws:SourceAccount": self.account},
                    "ArnLike": {"aws:SourceArn": source_arn},
                }
            ),
        )
        # A customer-managed policy, not an inline one (HIPAA/NIST IAMNoInlinePolicy).
        policy = iam.ManagedPolicy(self, f"{role_id}Policy", roles=[role])
        return role, policy

    def _grant_read_documents(self, policy: iam.ManagedPolicy) -> None:
        policy.add_statements(
            iam.PolicyStatement(
                sid="ListDocumentsPrefixOnly",
                actions=["s3:ListBucket"],
                resources=[self._bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{self._rag.documents_prefix}*"]}},
            )
        )
        policy.add_statements(
            iam.PolicyStatement(
                sid="ReadDocuments",
                actions=["s3:GetObject"],
                resources=[self._documents_arn()],
                conditions={"StringEquals": {"aws:ResourceAccount": self.account}},
            )
        )
        policy.add_statements(
            iam.PolicyStatement(
                sid="DecryptDocumentsThroughS3",
                actions=["kms:Decrypt"],
                resources=[self._key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{self.region}.amazonaws.com"}},
            )
        )
        justify_wildcards(
            policy,
            [("s3:GetObject", self._documents_arn())],
            "Read-only access to the documents prefix: the objects to index are not known at "
            "deploy time, and the wildcard is confined to that one prefix of one bucket.",
        )

    def _knowledge_base(self) -> bedrock.CfnKnowledgeBase:
        rag = self._rag
        index = self._vector_index()
        embedding_model_arn = (
            f"arn:{self.partition}:bedrock:{self.region}::foundation-model/{rag.embedding_model_id}"
        )
        role, policy = self._knowledge_base_role(index, embedding_model_arn)
        knowledge_base = bedrock.CfnKnowledgeBase(
            self,
            "KnowledgeBase",
            name=f"{self._name}-documents",
            description="Curated documents for retrieval-augmented generation",
            role_arn=role.role_arn,
            knowledge_base_configuration=bedrock.CfnKnowledgeBase.KnowledgeBaseConfigurationProperty(
                type="VECTOR",
                vector_knowledge_base_configuration=bedrock.CfnKnowledgeBase.VectorKnowledgeBaseConfigurationProperty(
                    embedding_model_arn=embedding_model_arn,
                    embedding_model_configuration=bedrock.CfnKnowledgeBase.EmbeddingModelConfigurationProperty(
                        bedrock_embedding_model_configuration=bedrock.CfnKnowledgeBase.BedrockEmbeddingModelConfigurationProperty(
                            dimensions=rag.embedding_dimensions, embedding_data_type="FLOAT32"
                        )
                    ),
                ),
            ),
            storage_configuration=bedrock.CfnKnowledgeBase.StorageConfigurationProperty(
                type="S3_VECTORS",
                s3_vectors_configuration=bedrock.CfnKnowledgeBase.S3VectorsConfigurationProperty(
                    index_arn=index.attr_index_arn
                ),
            ),
        )
        # The role's policy must exist before Bedrock validates access at create time.
        knowledge_base.node.add_dependency(policy)
        data_source = self._curated_documents(knowledge_base)
        cdk.CfnOutput(self, KNOWLEDGE_BASE_OUTPUT, value=knowledge_base.attr_knowledge_base_id)
        cdk.CfnOutput(self, DATA_SOURCE_OUTPUT, value=data_source.attr_data_source_id)
        return knowledge_base

    def _vector_index(self) -> s3vectors.CfnIndex:
        """A retained S3 Vectors bucket and index under the data key, which S3 Vectors'
        indexing may use for this account's vector buckets."""
        rag = self._rag
        vectors = s3vectors.CfnVectorBucket(
            self,
            "VectorBucket",
            encryption_configuration=s3vectors.CfnVectorBucket.EncryptionConfigurationProperty(
                sse_type="aws:kms", kms_key_arn=self._key.key_arn
            ),
        )
        vectors.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        index = s3vectors.CfnIndex(
            self,
            "VectorIndex",
            vector_bucket_arn=vectors.attr_vector_bucket_arn,
            data_type="float32",
            dimension=rag.embedding_dimensions,
            distance_metric="cosine",
            # Bedrock stores chunk text and metadata on each vector; S3 Vectors caps filterable
            # metadata at 2 KB, so these two keys must be non-filterable (Bedrock user guide,
            # "Use S3 Vectors with Amazon Bedrock Knowledge Bases").
            metadata_configuration=s3vectors.CfnIndex.MetadataConfigurationProperty(
                non_filterable_metadata_keys=["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]
            ),
        )
        index.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        # S3 Vectors' background indexing decrypts with the bucket's key (S3 user guide, "Data
        # protection and encryption in S3 Vectors"); scope it to this account's vector buckets.
        self._key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowS3VectorsIndexing",
                principals=[iam.ServicePrincipal("indexing.s3vectors.amazonaws.com")],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={
                    "StringEquals": {"aws:SourceAccount": self.account},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{self.partition}:s3vectors:{self.region}:"
                        f"{self.account}:bucket/*"
                    },
                },
            )
        )
        return index

    def _knowledge_base_role(
        self, index: s3vectors.CfnIndex, embedding_model_arn: str
    ) -> tuple[iam.Role, iam.ManagedPolicy]:
        """Bedrock's role: embed with one model, read and write one index, read documents."""
        role, policy = self._service_role(
            "KnowledgeBaseRole",
            "bedrock.amazonaws.com",
            f"arn:{self.partition}:bedrock:{self.region}:{self.account}:knowledge-base/*",
            "Bedrock Knowledge Base: read curated documents, embed, write vectors",
        )
        policy.add_statements(
            iam.PolicyStatement(
                sid="InvokeEmbeddingModelOnly",
                actions=["bedrock:InvokeModel"],
                resources=[embedding_model_arn],
            )
        )
        policy.add_statements(
            iam.PolicyStatement(
                sid="ReadWriteThisVectorIndexOnly",
                actions=[
                    "s3vectors:GetIndex",
                    "s3vectors:PutVectors",
                    "s3vectors:GetVectors",
                    "s3vectors:DeleteVectors",
                    "s3vectors:QueryVectors",
                ],
                resources=[index.attr_index_arn],
            )
        )
        policy.add_statements(
            iam.PolicyStatement(
                sid="UseDataKeyForVectorsAndIngestion",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self._key.key_arn],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": [
                            f"s3vectors.{self.region}.amazonaws.com",
                            f"bedrock.{self.region}.amazonaws.com",
                        ]
                    }
                },
            )
        )
        self._grant_read_documents(policy)
        return role, policy

    def _curated_documents(self, knowledge_base: bedrock.CfnKnowledgeBase) -> bedrock.CfnDataSource:
        """The curated bucket's documents prefix, chunked at a fixed size, retained."""
        rag = self._rag
        return bedrock.CfnDataSource(
            self,
            "CuratedDocuments",
            name=f"{self._name}-curated-documents",
            knowledge_base_id=knowledge_base.attr_knowledge_base_id,
            data_deletion_policy="RETAIN",
            data_source_configuration=bedrock.CfnDataSource.DataSourceConfigurationProperty(
                type="S3",
                s3_configuration=bedrock.CfnDataSource.S3DataSourceConfigurationProperty(
                    bucket_arn=self._bucket_arn,
                    bucket_owner_account_id=self.account,
                    inclusion_prefixes=[rag.documents_prefix],
                ),
            ),
            server_side_encryption_configuration=bedrock.CfnDataSource.ServerSideEncryptionConfigurationProperty(
                kms_key_arn=self._key.key_arn
            ),
            vector_ingestion_configuration=bedrock.CfnDataSource.VectorIngestionConfigurationProperty(
                chunking_configuration=bedrock.CfnDataSource.ChunkingConfigurationProperty(
                    chunking_strategy="FIXED_SIZE",
                    fixed_size_chunking_configuration=bedrock.CfnDataSource.FixedSizeChunkingConfigurationProperty(
                        max_tokens=rag.chunk_max_tokens,
                        overlap_percentage=rag.chunk_overlap_percentage,
                    ),
                )
            ),
        )

    # -- Amazon Q Business ---------------------------------------------------------------------
    def _q_business(self, identity_center_instance_arn: str) -> qbusiness.CfnApplication:
        application = qbusiness.CfnApplication(
            self,
            "QApplication",
            display_name=f"{self._name}-assistant",
            description="Enterprise assistant over the curated documents",
            identity_center_instance_arn=identity_center_instance_arn,
            encryption_configuration=qbusiness.CfnApplication.EncryptionConfigurationProperty(
                kms_key_id=self._key.key_arn
            ),
        )
        index = self._q_index(application)
        role = self._q_data_source_role(application, index)
        # Schema of the S3 connector's configuration: Amazon Q Business user guide,
        # "Amazon S3 connector JSON schema".
        qbusiness.CfnDataSource(
            self,
            "QCuratedDocuments",
            application_id=application.attr_application_id,
            index_id=index.attr_index_id,
            display_name=f"{self._name}-curated-documents",
            role_arn=role.role_arn,
            configuration={
                "type": "S3",
                "syncMode": "FULL_CRAWL",
                "connectionConfiguration": {
                    "repositoryEndpointMetadata": {"BucketName": self._bucket_name}
                },
                "repositoryConfigurations": {"document": {"fieldMappings": []}},
                "additionalProperties": {
                    "inclusionPrefixes": [self._rag.documents_prefix],
                    "exclusionPatterns": [],
                },
            },
        )
        cdk.CfnOutput(self, Q_APPLICATION_OUTPUT, value=application.attr_application_id)
        return application

    def _q_index(self, application: qbusiness.CfnApplication) -> qbusiness.CfnIndex:
        """The application's enterprise index and the native retriever over it."""
        index = qbusiness.CfnIndex(
            self,
            "QIndex",
            application_id=application.attr_application_id,
            display_name=f"{self._name}-documents",
            type="ENTERPRISE",
            capacity_configuration=qbusiness.CfnIndex.IndexCapacityConfigurationProperty(
                units=self._rag.q_business_index_units
            ),
        )
        qbusiness.CfnRetriever(
            self,
            "QRetriever",
            application_id=application.attr_application_id,
            display_name=f"{self._name}-documents",
            type="NATIVE_INDEX",
            configuration=qbusiness.CfnRetriever.RetrieverConfigurationProperty(
                native_index_configuration=qbusiness.CfnRetriever.NativeIndexConfigurationProperty(
                    index_id=index.attr_index_id
                )
            ),
        )
        return index

    def _q_data_source_role(
        self, application: qbusiness.CfnApplication, index: qbusiness.CfnIndex
    ) -> iam.Role:
        """The S3 connector's role: read the documents, write this index only."""
        role, policy = self._service_role(
            "QDataSourceRole",
            "qbusiness.amazonaws.com",
            application.attr_application_arn,
            "Amazon Q Business S3 connector: read curated documents into the index",
        )
        self._grant_read_documents(policy)
        index_actions = [
            "qbusiness:BatchPutDocument",
            "qbusiness:BatchDeleteDocument",
            "qbusiness:PutGroup",
            "qbusiness:CreateUser",
            "qbusiness:DeleteGroup",
            "qbusiness:UpdateUser",
            "qbusiness:ListGroups",
        ]
        # Each action is authorized on the application and (most of them) the index: the
        # Service Authorization Reference lists both resource types as required, and
        # CreateUser/UpdateUser the application only (the runtime contract found them denied
        # when only the index was named).
        policy.add_statements(
            iam.PolicyStatement(
                sid="WriteThisIndexOnly",
                actions=index_actions,
                resources=[application.attr_application_arn, index.attr_index_arn],
            )
        )
        return role
