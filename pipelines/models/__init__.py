"""Base-model weights staged into the artifacts bucket, where the training pipeline reads them."""

# Under the artifacts bucket: `<BASE_MODELS_PREFIX><model name>/` is the pipeline's BaseModelUri.
BASE_MODELS_PREFIX = "base-models/"


class ModelStagingError(ValueError):
    """The model directory, its name or its destination is unusable; one line naming it."""
