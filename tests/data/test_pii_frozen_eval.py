"""PII recall/precision per type on the frozen evaluation set (never used for tuning).

The goal is recall >= 0.95 per type; where the measured value is below it the floor is the
measured value (a regression floor) and docs/data_governance.md says so.
"""

from __future__ import annotations

from typing import ClassVar

import pytest

from tests.data.frozen_sets import FrozenSetChecks
from tests.data.pii_scoring import Scores, load, score
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_names import GAZETTEER_RECOGNIZER
from training_scripts.governance.pii_ner import NER_RECOGNIZER

# The tuning set (89 rows) holds the failure categories on purpose; measured on it.
TUNING_RECALL_FLOOR = {"PERSON": 0.96, "PHONE_NUMBER": 1.0, "STREET_ADDRESS": 1.0, "US_SSN": 0.9,
                       "EMAIL_ADDRESS": 1.0}  # fmt: skip


class TestFrozenEvaluationSet(FrozenSetChecks):
    SET = "frozen_eval.jsonl"
    SHA256 = "c139ef050e6c3e4e79f9ed195fb93b09713f7ecd3e00e39aadd60f2acef544d6"
    LABEL = "frozen"
    # Measured on the frozen set (2026-11-30, en_core_web_sm 3.8.0, with the name gazetteer and the
    # SSA-rule SSN recognizer); goal 0.95 for each type. Floors = measured values (regression
    # floor). Issue 30 (2026-12-07) raised them: PERSON 0.94 -> 1.00, phone and street 0.955 ->
    # 1.00.
    RECALL_FLOOR: ClassVar[dict[str, float]] = {
        "PERSON": 0.98, "PHONE_NUMBER": 1.0, "STREET_ADDRESS": 1.0, "US_SSN": 1.0,
        "EMAIL_ADDRESS": 1.0,
    }  # fmt: skip
    PRECISION_FLOOR: ClassVar[dict[str, float]] = {
        "PERSON": 0.95, "PHONE_NUMBER": 1.0, "STREET_ADDRESS": 1.0, "US_SSN": 1.0,
        "EMAIL_ADDRESS": 1.0,
    }  # fmt: skip
    TERMS_KEPT_FLOOR = 0.95

    def test_evaluation_set_covers_every_type_with_enough_values(self, scores: Scores) -> None:
        assert scores.counts["PERSON"] >= 50
        assert all(scores.counts[kind] >= 10 for kind in self.RECALL_FLOOR)


def test_tuning_set_recall_and_domain_terms_hold(engine: PiiEngine) -> None:
    scores = score(engine, load("tuning.jsonl"))
    assert all(scores.recall[kind] >= floor for kind, floor in TUNING_RECALL_FLOOR.items())
    assert scores.terms_kept >= 0.95


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Seen today with Ngozi Eze, who reports dyspnoea.", "Ngozi Eze"),  # no cue word
        ("tran van minh asked for a repeat prescription.", "tran van minh"),  # lower case
    ],
)
def test_names_without_a_cue_are_found_by_the_ner_model(
    engine: PiiEngine, text: str, name: str
) -> None:
    results = engine.detect([text])[0]
    assert any(r.recognition_metadata["recognizer_name"] == NER_RECOGNIZER for r in results)
    assert name not in engine.anonymize([text])[0]


def test_listed_given_name_and_surname_in_lower_case_are_found_by_the_gazetteer(
    engine: PiiEngine,
) -> None:
    results = engine.detect(["Follow-up with wanjiku otieno about the spirometry results."])[0]
    assert any(r.recognition_metadata["recognizer_name"] == GAZETTEER_RECOGNIZER for r in results)


@pytest.mark.parametrize(
    "text", ["Church Lane clinic opens at nine.", "The rest will take long; care plan agreed."]
)
def test_place_names_and_common_words_are_not_names(engine: PiiEngine, text: str) -> None:
    assert engine.anonymize([text])[0] == text


@pytest.mark.parametrize(
    ("text", "ssn"),
    [
        ("SSN on file 412557087.", "412557087"),  # cue, bare digits
        ("Insured: R. Ortiz, 431-72-9915, plan B.", "431-72-9915"),  # no cue, dashed
        ("Numbers on the form: 301 48 2297.", "301 48 2297"),  # no cue, spaces
    ],
)
def test_ssa_valid_nine_digit_numbers_are_ssns(engine: PiiEngine, text: str, ssn: str) -> None:
    assert ssn not in engine.anonymize([text])[0]


@pytest.mark.parametrize(
    "text",
    [
        "Order 482193756 shipped.",  # named as something else
        "Lot 223-45-6789 was recalled.",
        "Policy number 511239876 covers the contents.",
        "Reference 900-12-3456 and 666-12-3456 and 123-00-4567.",  # never issued by SSA
    ],
)
def test_numbers_that_cannot_be_ssns_are_kept(engine: PiiEngine, text: str) -> None:
    assert engine.anonymize([text])[0] == text


def test_ner_is_skipped_where_no_name_can_hide(engine: PiiEngine) -> None:
    from training_scripts.governance.pii_ner import needs_ner

    assert not needs_ner("The dose was increased. Blood pressure is stable.")
    assert needs_ner("The dose was increased for Maria. Blood pressure is stable.")
    assert needs_ner("nguyen thi lan came back.")
