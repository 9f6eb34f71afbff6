"""PII on the sixth frozen set (issue 30): held-out evidence written apart from the rules.

`frozen_6.jsonl` (66 hand-written discharge summaries, lab, radiology and pathology reports, an
operative note, a handover, a referral and a consultation letter in German and French, a Dutch
GP note, a prior authorization, a patient statement, a PACS audit log, employment and consulting
contracts, a lease, a guaranty, notices and signature pages, escrow instructions, a power of
attorney, board minutes, support chats, call transcripts, e-mails, ticket and incident logs, a
forum post and web-form exports) was written on 2026-12-08 by an engineer who tunes no
recognizer, without running the engine on it, and committed alone (4de403a) before that day's
rule changes; the engineers tuning the rules never see it. The test prints counts and rates
only, never the values it missed.
"""

from __future__ import annotations

from typing import ClassVar

from tests.data.frozen_sets import DomainSetChecks


class TestSixthFrozenSet(DomainSetChecks):
    SET = "frozen_6.jsonl"
    SHA256 = "322ceb89c9f88e16595a4514b4d997900f141d9d40d8e1fbd4b499377525d22c"
    LABEL = "sixth"
    MIN_IDENTIFIERS = 370  # 371 labelled values, 10 or more of each type
    # Before (main at be9f868: f3cba94 plus veto stubs that veto nothing, 2026-12-08,
    # en_core_web_sm 3.8.0; the same under PYTHONHASHSEED 1): DOB 31 of 32 (0.969), MRN 13 of 20
    # (0.650), PERSON 151 of 165 (0.915), street 46 of 47 (0.979); card, e-mail, IBAN, IP, phone
    # and SSN all found. Below the goal (recall >= 0.95 per type): MRN and PERSON, held to what
    # the base does (a regression floor, not a target); the rest to the goal. After session 13's
    # vetoes and ids/names steps (merged main, once): MRN 15 of 20 (0.75), DOB 32 of 32, PERSON
    # 153 of 165 (0.927).
    RECALL_FLOOR: ClassVar[dict[str, float]] = {
        "CREDIT_CARD": 0.95, "DATE_OF_BIRTH": 0.95, "EMAIL_ADDRESS": 0.95, "IBAN_CODE": 0.95,
        "IP_ADDRESS": 0.95, "MEDICAL_RECORD_NUMBER": 0.75, "PERSON": 0.92, "PHONE_NUMBER": 0.95,
        "STREET_ADDRESS": 0.95, "US_SSN": 0.95,
    }  # fmt: skip
    # Before: PERSON 0.719 (65 detected spans overlap no labelled name), DOB 0.912, phone 0.923,
    # street 0.958, SSN 0.909; card, e-mail, IBAN, IP and MRN 1.00. After: PERSON 0.772, DOB 0.914.
    PRECISION_FLOOR: ClassVar[dict[str, float]] = {
        "PERSON": 0.77, "DATE_OF_BIRTH": 0.91, "PHONE_NUMBER": 0.92, "STREET_ADDRESS": 0.95,
        "US_SSN": 0.9, "CREDIT_CARD": 0.95, "EMAIL_ADDRESS": 0.95, "IBAN_CODE": 0.95,
        "IP_ADDRESS": 0.95, "MEDICAL_RECORD_NUMBER": 0.95,
    }  # fmt: skip
    TERMS_KEPT_FLOOR = 0.93  # before: 570 of 619 (0.921), after 0.932; goal 0.97
    # Before: 16 of 129 replaced spans (0.124), 29 of 150 (0.193), 29 of 162 (0.179); goal < 0.05.
    # After: 14 of 130 (0.108), 21 of 143 (0.147), 24 of 159 (0.151).
    OVER_REDACTION_CEILING: ClassVar[dict[str, float]] = {
        "clinical": 0.11, "contract": 0.15, "support": 0.16,
    }  # fmt: skip
