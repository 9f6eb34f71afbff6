"""The project's shared vocabulary, each fact defined once. Dependency-free on purpose.

- `methods`: method -> data task -> dataset format -> record kind -> evaluation family.
- `metrics`: evaluation.json keys, quality-gate rules and training metric names.
- `records`: reading curated JSONL records (one `DataError`, one JSONL reader, one reading of
  bedrock-conversation-2024, one `Example` per record kind).

Every other package imports these (the training image ships this package; the pipeline builder,
the CLI and the CDK app read the same names), so nothing here imports anything but the stdlib.
"""
