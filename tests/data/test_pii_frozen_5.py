"""PII on the fifth frozen set (issue 30): held-out evidence written apart from the rules.

`frozen_5.jsonl` (68 hand-written discharge summaries, radiology, lab and pathology reports,
triage and nursing notes, referral letters, prescriptions, MSAs, leases, NDAs, SOWs, employment
offers, a court complaint, support chats, call transcripts, e-mails, ticket logs and billing
disputes) was written by an engineer who tunes no recognizer, without running the engine on it,
and committed alone (f2c14fa) while two other engineers tuned the name and format rules on their
own sets; they never see it. The test prints counts and rates only, never the values it missed.
Floors are what the branch's base (main at 772e346) measured before those changes, rounded down
to 2 decimals (over-redaction ceilings rounded up), where below the goal (recall >= 0.95 per
type, domain terms kept >= 0.97, over-redaction < 5 % per domain); the goal itself where met.
"""

from __future__ import annotations

from typing import ClassVar

from tests.data.frozen_sets import DomainSetChecks


class TestFifthFrozenSet(DomainSetChecks):
    SET = "frozen_5.jsonl"
    SHA256 = "82391bc12724fea10b5b5f8f4a78383b8394a9a2bad1a025876c68f5778a8222"
    LABEL = "fifth"
    MIN_IDENTIFIERS = 350
    # Before (772e346, 2026-12-07, en_core_web_sm 3.8.0; the same under PYTHONHASHSEED 0 and 1): DOB
    # 30 of 32 (0.938), MRN 10 of 18 (0.556), PERSON 154 of 162 (0.951), street 45 of 46 (0.978);
    # card, e-mail, IBAN, IP, phone and SSN all found (1.00). Below the goal: DOB and MRN, held to
    # what the base does (a regression floor, not a target); the rest to the goal. After the second
    # names and formats steps (tuned on their own sets; measured once on merged main): MRN 11 of 18
    # (0.611), PERSON 0.957, the rest unchanged. After session 13's vetoes and ids/names steps
    # (merged main, once): MRN 14 of 18 (0.778), the rest unchanged.
    RECALL_FLOOR: ClassVar[dict[str, float]] = {
        "CREDIT_CARD": 0.95, "DATE_OF_BIRTH": 0.93, "EMAIL_ADDRESS": 0.95, "IBAN_CODE": 0.95,
        "IP_ADDRESS": 0.95, "MEDICAL_RECORD_NUMBER": 0.77, "PERSON": 0.95, "PHONE_NUMBER": 0.95,
        "STREET_ADDRESS": 0.95, "US_SSN": 0.95,
    }  # fmt: skip
    # Before: PERSON 0.825 (36 of 206 detected names overlap no labelled name), phone 0.872 (5 of
    # 39), e-mail 0.929 (2 of 28), DOB 0.968 (1 of 31); the other six types 1.00. After the second
    # steps: PERSON 0.830, phone 0.919, and MRN 0.833 (new record-number rules found values that
    # are not record numbers; held to that so it gets no worse). After session 13: PERSON 0.858,
    # MRN 0.867.
    PRECISION_FLOOR: ClassVar[dict[str, float]] = {
        "PERSON": 0.85, "PHONE_NUMBER": 0.91, "EMAIL_ADDRESS": 0.92, "DATE_OF_BIRTH": 0.96,
        "MEDICAL_RECORD_NUMBER": 0.86,
    }  # fmt: skip
    TERMS_KEPT_FLOOR = 0.95  # before: 592 of 623 (0.950), then 0.953, then 0.957; goal 0.97
    # Before: 15 of 131 replaced spans (0.115), 13 of 132 (0.098), 15 of 150 (0.100); goal < 0.05.
    # After the second steps: 0.119 (clinical got worse) / 0.092 / 0.094. After session 13:
    # 0.119 / 0.078 / 0.062.
    OVER_REDACTION_CEILING: ClassVar[dict[str, float]] = {
        "clinical": 0.12, "contract": 0.08, "support": 0.07,
    }  # fmt: skip
