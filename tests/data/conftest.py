"""Fixtures the PII test modules share."""

from __future__ import annotations

import pytest

from training_scripts.governance.pii import PiiEngine


@pytest.fixture(scope="module")
def engine() -> PiiEngine:
    """A redacting engine, built once per test module (building one loads the NER model)."""
    return PiiEngine("redact", "")
