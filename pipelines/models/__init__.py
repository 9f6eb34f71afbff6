"""Base-model weights staged into the artifacts bucket, where the training pipeline reads them."""


class ModelStagingError(ValueError):
    """The model directory, its name or its destination is unusable; one line naming it."""


class ModelStagingFailed(RuntimeError):
    """Staging failed part-way (S3, disk, interrupt) and was rolled back; exit 1."""
