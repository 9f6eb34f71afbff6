"""PII on the fourth frozen set (issue 30): held-out evidence written apart from the rules.

`frozen_4.jsonl` (60 hand-written discharge letters, referrals, lab reports, consent forms, NDAs,
leases, employment contracts, invoices, support chats, e-mails and call transcripts) was written
by an engineer who tunes no recognizer, without running the engine on it, and committed
(c46661c) before the recognizer changes of this step; the engineers tuning the rules never see
it. The test prints counts and rates only, never the values it missed. Floors are the values main
measured before this step's changes, rounded down to 2 decimals (over-redaction ceilings rounded
up), where below the goal (recall >= 0.95 per type, domain terms kept >= 0.97, over-redaction
< 5 % per domain); the goal itself where met.
"""

from __future__ import annotations

from typing import ClassVar

from tests.data.frozen_sets import DomainSetChecks


class TestFourthFrozenSet(DomainSetChecks):
    SET = "frozen_4.jsonl"
    SHA256 = "a38b0ba63b37ca6fd313d5a853357b132f387211843eb8bdabd9a522cc9c158a"
    LABEL = "fourth"
    MIN_IDENTIFIERS = 250
    # Before this step's changes (main at b123a4c, 2026-12-07, en_core_web_sm 3.8.0): DOB 25 of 41
    # (0.61), MRN 9 of 18 (0.50), PERSON 131 of 155 (0.85), street 42 of 48 (0.875); card, e-mail,
    # IBAN, IP, phone and SSN all found (1.00). Those six are held to the goal, the rest to what
    # main does today: a regression floor, not a target. After the names and formats steps (main,
    # measured once when the set was merged): DOB 0.805, MRN 0.50, PERSON 0.871, street 0.917; the
    # floors are raised to those (rounded down). After the second names and formats steps (session
    # 11, measured once on merged main): DOB 0.878, MRN 0.611, the rest unchanged. After session
    # 13's vetoes and ids/names steps (merged main, once): DOB 0.927, MRN 0.722, PERSON 0.890.
    RECALL_FLOOR: ClassVar[dict[str, float]] = {
        "CREDIT_CARD": 0.95, "DATE_OF_BIRTH": 0.92, "EMAIL_ADDRESS": 0.95, "IBAN_CODE": 0.95,
        "IP_ADDRESS": 0.95, "MEDICAL_RECORD_NUMBER": 0.72, "PERSON": 0.89, "PHONE_NUMBER": 0.95,
        "STREET_ADDRESS": 0.91, "US_SSN": 0.95,
    }  # fmt: skip
    # Before: PERSON 0.689 (69 of 222 detected names overlap no labelled name; 0.691 of 223 under
    # some PYTHONHASHSEED values: the analyzer returns one overlapping name span more or less, the
    # redacted text is the same), phone 0.792 (10 of 48), e-mail 1.00 (held to 0.95, as recall is).
    # After the names and formats steps: PERSON 0.742, phone 0.812. After the second steps: phone
    # 0.848, PERSON unchanged. After session 13: PERSON 0.791, phone 0.867.
    PRECISION_FLOOR: ClassVar[dict[str, float]] = {
        "PERSON": 0.78, "PHONE_NUMBER": 0.86, "EMAIL_ADDRESS": 0.95,
    }  # fmt: skip
    # Before: 338 of 387 (0.873); after the two steps 0.902, then 0.907, then 0.915; goal 0.97.
    TERMS_KEPT_FLOOR = 0.91
    # Before: 21 of 129 detected spans (0.163), 23 of 132 or 133 (0.174 / 0.173, as above), 26 of
    # 164 (0.159); goal < 0.05. After the names and formats steps: 0.144 / 0.148 / 0.123; after the
    # second steps 0.141 / 0.134 / 0.123; after session 13 0.113 / 0.093 / 0.108.
    OVER_REDACTION_CEILING: ClassVar[dict[str, float]] = {
        "clinical": 0.12, "contract": 0.10, "support": 0.11,
    }  # fmt: skip
