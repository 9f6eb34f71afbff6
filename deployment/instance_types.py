"""SageMaker instance types that exist: the API's own enums, as botocore ships them.

A pattern alone let `ml.bogus.huge` through to a deploy or a run that fails minutes later.
botocore's SageMaker service model lists every type CreateTrainingJob / CreateProcessingJob
accept (the `TrainingInstanceType` and `ProcessingInstanceType` shapes of the SageMaker API
Reference); a type newer than the installed botocore is refused with a hint to upgrade it.
"""

from __future__ import annotations

from functools import cache


@cache
def instance_types(shape: str) -> frozenset[str]:
    """The enum of a SageMaker API shape (read once per process, ~0.2 s)."""
    from botocore.loaders import create_loader

    model = create_loader().load_service_model("sagemaker", "service-2")
    return frozenset(model["shapes"][shape]["enum"])


def check_instance_type(value: str, shape: str) -> str:
    if value not in instance_types(shape):
        import botocore

        raise ValueError(
            f"must be a SageMaker {shape} (botocore {botocore.__version__}'s list, "
            "e.g. ml.g5.2xlarge, ml.p4d.24xlarge; upgrade boto3 if the type is newer)"
        )
    return value
