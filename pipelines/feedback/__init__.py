"""Human feedback loop: pairwise-ranking tasks out, preference pairs for reward/DPO back in.

`tasks` writes a SageMaker Ground Truth input manifest and a crowd-html-elements worker template;
`manifests` reads the completed output manifest; `ingest` turns judgments into
`{"prompt", "chosen", "rejected"}` records by majority vote; `agreement` measures how far the
workers agreed.
"""


class FeedbackError(ValueError):
    """A feedback input is invalid; the message is one line naming the file, line and value."""
