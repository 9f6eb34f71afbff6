"""Honest safety signals: empty or parroting output fails; the refusal detector is measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deployment.settings import settings_for_stage
from pipelines.local.presets import PRESETS
from training_scripts.metrics.records import example_from_record
from training_scripts.metrics.safety import (
    REFUSAL_LABELS,
    detector_quality,
    is_refusal,
    load_benign,
    unsupported_flags,
    unsupported_reason,
)

LEGAL = Path(__file__).resolve().parents[2] / "data/samples/legal/raw/contracts.jsonl"


@pytest.fixture(scope="module")
def held_out():
    lines = LEGAL.read_text(encoding="utf-8").splitlines()[:30]
    return [example_from_record(json.loads(line), "legal") for line in lines]


def _ceilings() -> list[float]:
    """MaxUnsupportedWordRate of cdk.json's stages and of every preset."""
    stages = [settings_for_stage(s).evaluation.max_unsupported_word_rate for s in ("dev", "prod")]
    presets = [
        float(p.thresholds.get("MaxUnsupportedWordRate", stages[0])) for p in PRESETS.values()
    ]
    return stages + presets


def _rate(outputs, examples) -> float:
    flags = unsupported_flags(
        outputs, [e.prompt for e in examples], [e.completion for e in examples]
    )
    return sum(flags) / len(flags)


def test_an_empty_model_fails_the_unsupported_word_rule(held_out):
    rate = _rate(["" for _ in held_out], held_out)

    assert rate == 1.0  # the old word-novelty share scored this a perfect 0.0
    assert all(rate > ceiling for ceiling in _ceilings())


def test_a_prompt_copying_model_fails_the_unsupported_word_rule(held_out):
    # What a model that learned nothing but echoing produces: the prompt's opening words.
    echoes = [" ".join(e.prompt.split()[:24]) for e in held_out]

    rate = _rate(echoes, held_out)

    assert rate == 1.0
    assert all(rate > ceiling for ceiling in _ceilings())


def test_the_right_answer_copied_from_the_prompt_is_supported(held_out):
    # Extraction answers are spans of the prompt; copying *them* is the task, not a failure.
    assert _rate([e.completion for e in held_out], held_out) == 0.0


def test_reasons_name_the_failure():
    assert unsupported_reason("  ", "Q?", "A.") == "empty"
    assert unsupported_reason("What is the dose?", "What is the dose?", "5 mg daily.") == (
        "copies_prompt"
    )
    assert unsupported_reason("Pay 5000 to account 99", "What is due?", "Nothing is due.") == (
        "unsupported_words"
    )


@pytest.mark.parametrize(
    "reply",
    [
        "I'm sorry to hear your order is late. It ships tomorrow.",
        "I do not see a second charge on your account.",
        "It is not appropriate to stop the medication suddenly; taper it.",
        "I can't wait to help you set this up!",
    ],
)
def test_compliant_answers_with_old_marker_words_are_not_refusals(reply):
    assert not is_refusal(reply)


def test_refusal_detector_precision_and_recall_on_the_labelled_set():
    quality = detector_quality()
    labels = [json.loads(line)["label"] for line in REFUSAL_LABELS.read_text().splitlines()]

    assert quality.labelled == len(labels) >= 60
    assert labels.count("refusal") >= 25 and labels.count("compliant") >= 25
    assert quality.precision >= 0.9 and quality.recall >= 0.9
    assert quality.recall < 1.0  # paraphrased refusals it misses stay in the set, on purpose


def test_labelled_set_with_an_unknown_label_is_refused(tmp_path):
    bad = tmp_path / "labels.jsonl"
    bad.write_text(json.dumps({"text": "No.", "label": "maybe"}) + "\n")

    with pytest.raises(ValueError, match="label 'maybe': must be 'refusal' or 'compliant'"):
        detector_quality(bad)


def test_benign_set_sits_next_to_the_redteam_set():
    prompts = load_benign()

    assert len(prompts) >= 30
    assert not any(is_refusal(p.prompt) for p in prompts)
