"""RAG vs fine-tuning advisor: rules for the recommendation, a dated price table for the cost."""


class AdvisorError(ValueError):
    """Bad advisor input or price table; the message is one line naming the value."""
