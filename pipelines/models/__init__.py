"""Base-model weights staged into the artifacts bucket, where the training pipeline reads them."""


class ModelStagingError(ValueError):
    """The model directory, its name or its destination is unusable; one line naming it."""
