"""Data governance for training data: read, anonymize, dedup, filter, quarantine, write.

`pipeline.prepare` runs the whole path; `prepare_data.py` (processing entrypoint) and
`fmops data ...` (CLI) are thin shells around it.
"""
