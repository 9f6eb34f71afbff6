"""Serving what was approved: Bedrock import/deployment requests, guarded invocation, offline."""


class ServingError(ValueError):
    """Bad serving input (model, mode, prompt); the message is one line naming the value."""
