"""Monthly cost of each path (RAG, Bedrock fine-tuning, SageMaker fine-tuning, both).

Deliberately simple, linear arithmetic over the price table, so each line can be checked by
hand. Fine-tuning is retrained once per data change to stay as current as RAG; RAG re-embeds the
whole corpus per change (an upper bound: a Knowledge Base sync embeds only changed files).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.advisor.prices import PriceTable

# Data changes per month for each cadence the CLI accepts.
REFRESHES_PER_MONTH = {"daily": 30.0, "weekly": 52.0 / 12, "monthly": 1.0, "yearly": 1.0 / 12}
HOSTING_MODES = ("provisioned", "on-demand")


@dataclass(frozen=True)
class Workload:
    queries_per_day: int
    corpus_tokens: int
    data_changes: str
    hosting: str = "provisioned"


@dataclass(frozen=True)
class PathCost:
    items: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.items.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "monthly_usd": round(self.total, 2),
            "items": {k: round(v, 2) for k, v in self.items.items()},
        }


def _per_1k(tokens: float, price: float) -> float:
    return tokens / 1000.0 * price


def _generation(p: PriceTable, w: Workload, *, context: bool, custom: bool) -> dict[str, float]:
    queries = w.queries_per_day * p.work("days_per_month")
    input_tokens = p.work("prompt_tokens") + (p.work("retrieved_context_tokens") if context else 0)
    if custom and w.hosting == "provisioned":
        hours = p.work("hours_per_month") * p.work("provisioned_model_units")
        return {
            "custom_model_provisioned_throughput": hours
            * p.price("bedrock_provisioned_throughput_per_model_unit_hour")
        }
    prefix = "bedrock_custom_on_demand" if custom else "bedrock"
    label = "with_retrieved_context" if context else "without_retrieved_context"
    return {
        f"generation_input_tokens_{label}": _per_1k(
            queries * input_tokens, p.price(f"{prefix}_input_per_1k_tokens")
        ),
        "generation_output_tokens": _per_1k(
            queries * p.work("output_tokens"), p.price(f"{prefix}_output_per_1k_tokens")
        ),
    }


def _retrieval(p: PriceTable, w: Workload) -> dict[str, float]:
    queries = w.queries_per_day * p.work("days_per_month")
    refreshes = REFRESHES_PER_MONTH[w.data_changes]
    vectors = w.corpus_tokens / p.work("chunk_tokens")
    return {
        "query_embeddings": _per_1k(
            queries * p.work("prompt_tokens"), p.price("bedrock_embedding_per_1k_tokens")
        ),
        "document_embeddings": _per_1k(
            w.corpus_tokens * refreshes, p.price("bedrock_embedding_per_1k_tokens")
        ),
        "vector_storage": vectors
        * p.work("bytes_per_vector")
        / 1e9
        * p.price("vector_storage_per_gb_month"),
        "vector_queries": queries / 1000.0 * p.price("vector_queries_per_1k"),
    }


def _bedrock_training(p: PriceTable, w: Workload) -> dict[str, float]:
    trained = w.corpus_tokens * p.work("training_epochs") * REFRESHES_PER_MONTH[w.data_changes]
    return {
        "customization_training_tokens": _per_1k(
            trained, p.price("bedrock_customization_per_1k_tokens")
        ),
        "custom_model_storage": p.price("bedrock_custom_model_storage_per_month"),
    }


def training_instance_hours(p: PriceTable, w: Workload) -> float:
    trained = w.corpus_tokens * p.work("training_epochs") * REFRESHES_PER_MONTH[w.data_changes]
    return trained / (p.work("sagemaker_tokens_per_second") * 3600.0)


def monthly_costs(p: PriceTable, w: Workload) -> dict[str, PathCost]:
    """Cost of every path for one workload, keyed by path name."""
    rag = PathCost({**_generation(p, w, context=True, custom=False), **_retrieval(p, w)})
    fine_tuning_bedrock = PathCost(
        {**_generation(p, w, context=False, custom=True), **_bedrock_training(p, w)}
    )
    fine_tuning_sagemaker = PathCost(
        {
            "training_instance_hours": training_instance_hours(p, w)
            * p.price("sagemaker_training_instance_hour"),
            "endpoint_instance_hours": p.work("hours_per_month")
            * p.price("sagemaker_endpoint_instance_hour"),
        }
    )
    both = PathCost(
        {
            **_generation(p, w, context=True, custom=True),
            **_retrieval(p, w),
            **_bedrock_training(p, w),
        }
    )
    return {
        "rag": rag,
        "fine_tuning_bedrock": fine_tuning_bedrock,
        "fine_tuning_sagemaker": fine_tuning_sagemaker,
        "both": both,
    }
