"""PII on the second frozen set: international formats and the over-redaction kinds (issue 30).

`frozen_intl.jsonl` (66 hand-written clinical notes, contracts and support chats) was written and
committed before any recognizer change for issue 30 and is never used for tuning: the test prints
counts and rates only, never the values it missed. Floors are the measured values where the goal
(recall >= 0.95 per type, domain terms kept >= 0.97, over-redaction < 5 % per domain) is not met
yet; docs/data_governance.md says which.
"""

from __future__ import annotations

from typing import ClassVar

from tests.data.frozen_sets import DomainSetChecks


class TestSecondFrozenSet(DomainSetChecks):
    SET = "frozen_intl.jsonl"
    SHA256 = "b12418a54f164433fe7605fd02ea99f7562f7ca3ab57d643a0bad52b54f589db"
    LABEL = "intl"
    MIN_IDENTIFIERS = 250
    # Measured after issue 30's changes (2026-12-07, en_core_web_sm 3.8.0; before them: DOB 0.53,
    # IBAN 0.06, MRN 0.10, PERSON 0.78, street 0.40, terms kept 0.86, over-redaction 0.10 / 0.32 /
    # 0.19; after the second step PERSON 0.94, contract over-redaction 0.064; after the third,
    # PERSON 0.96, contract 0.033; after the formats step DOB 0.97 -> 1.0 and IBAN 0.94 -> 1.0, so
    # every type now meets the goal of 0.95; after the names step, PERSON 0.97; after the vetoes
    # of session 13, 0.96: the GeoNames place veto takes one uncued name here, while it removes 7
    # wrongly replaced places across frozen_3-6 (measured with the veto off; kept, see
    # docs/data_governance.md, and the floor lowered to that, still above the goal).
    RECALL_FLOOR: ClassVar[dict[str, float]] = {
        "CREDIT_CARD": 1.0, "DATE_OF_BIRTH": 1.0, "EMAIL_ADDRESS": 1.0, "IBAN_CODE": 1.0,
        "IP_ADDRESS": 1.0, "MEDICAL_RECORD_NUMBER": 1.0, "PERSON": 0.96, "PHONE_NUMBER": 1.0,
        "STREET_ADDRESS": 1.0, "US_SSN": 1.0,
    }  # fmt: skip
    PRECISION_FLOOR: ClassVar[dict[str, float]] = {
        "PERSON": 0.94, "PHONE_NUMBER": 0.95, "EMAIL_ADDRESS": 0.92,
    }  # fmt: skip
    TERMS_KEPT_FLOOR = 0.97
    # Goal < 5 % per domain: met in every domain since the third step (contracts 6.4 % -> 3.3 %).
    OVER_REDACTION_CEILING: ClassVar[dict[str, float]] = {
        "clinical": 0.05, "contract": 0.05, "support": 0.05,
    }  # fmt: skip
