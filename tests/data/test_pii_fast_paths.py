"""The PII engine's fast paths find what the plain paths find (issue 31).

Each fast path is compared with its reference in the same process, so the comparison holds
whatever rules the recognizers carry: NER on windows around the flagged places against NER on
whole texts, the literal screen in front of each regex against the regex alone, the two-part
`needs_ner` against the pre-screen regex. Texts: the tuning sets (tuning.jsonl, dev_intl.jsonl)
in the fast lane, presidio-evaluator's generated set (200 samples, seed 30; about 12 CPU-seconds
with its generation) in the e2e lane; never the frozen sets.
"""

from __future__ import annotations

import re

import pytest
from presidio_analyzer import Pattern, PatternRecognizer

from tests.data.pii_generated import generate
from tests.data.pii_scoring import load
from training_scripts.governance import pattern_screen
from training_scripts.governance.pattern_screen import fold, may_match, screen
from training_scripts.governance.pii import PiiEngine, _signs
from training_scripts.governance.pii_ner import NerNlpEngine, needs_ner
from training_scripts.governance.pii_ner_places import (
    _NAME_MAY_HIDE,
    _OPENS_THE_TEXT,
    _STARTS_A_SENTENCE,
    _WINDOW_AT,
    _WINDOW_AT_FAST,
)
from training_scripts.governance.pii_recognizers import LOWER, UPPER, _RegexRecognizer

Detections = list[list[tuple[str, int, int]]]


SETS = [
    pytest.param("tuning", id="tuning-sets"),
    pytest.param("generated", id="generated-set", marks=pytest.mark.e2e),
]


@pytest.fixture(scope="module", params=SETS)
def texts(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "generated":
        return [s.full_text for s in generate(200, 30).samples]
    return [row["text"] for row in load("tuning.jsonl") + load("dev_intl.jsonl")]


def _detections(engine: PiiEngine, texts: list[str]) -> Detections:
    return [sorted((r.entity_type, r.start, r.end) for r in engine.detect([t])[0]) for t in texts]


def _ner_engine(engine: PiiEngine) -> NerNlpEngine:
    nlp_engine = engine._analyzer.nlp_engine  # type: ignore[union-attr]
    assert isinstance(nlp_engine, NerNlpEngine)
    return nlp_engine


def test_ner_on_windows_finds_what_ner_on_whole_texts_finds(texts: list[str]) -> None:
    windowed = PiiEngine("redact", "")
    whole = PiiEngine("redact", "")
    _ner_engine(whole).margin = None  # the reference: NER reads every token of the text
    assert _ner_engine(windowed).margin is not None
    assert _detections(windowed, texts) == _detections(whole, texts)


def test_ner_windows_are_a_fraction_of_the_tokens_of_prose_with_one_name() -> None:
    """The saving the windows exist for: a name at the start of a long note is read with its
    margin, not with the whole note."""
    engine = _ner_engine(PiiEngine("redact", ""))
    prose = "The patient reported mild pain after the dose was increased. " * 20
    doc = engine.nlp["en"].make_doc(f"Seen by Maria Lopez today. {prose}")  # type: ignore[index]
    windows = [(a, b) for a, b in _windows(engine, doc)]
    assert windows and sum(b - a for a, b in windows) < len(doc) // 5


def _windows(engine: NerNlpEngine, doc: object) -> list[tuple[int, int]]:
    from training_scripts.governance.pii_ner import ner_windows

    return ner_windows(doc, engine.margin)  # type: ignore[arg-type]


def test_needs_ner_answers_as_the_pre_screen_regex(texts: list[str]) -> None:
    extra = ["a\tMaria", ":  Maria", "\u00a0 Maria", "\n Maria", "(Maria Lopez)", " Maria", ""]
    for text in [*texts, *extra]:
        assert needs_ner(text) == (_NAME_MAY_HIDE.search(text) is not None), text


def test_sentence_openings_are_those_the_one_pattern_with_the_text_start_finds(
    texts: list[str],
) -> None:
    """The two patterns `flagged_places` reads a sentence's first word with (the text's start
    apart, which is cheaper) find the words the one pattern with \\A in an alternation finds."""
    one = re.compile(rf"(?:\A|[.!?][ \t]+)\s*([{UPPER}][{LOWER}]+)")
    extra = ["Maria said. Ngozi too", "  Maria", ". Maria", "maria. Ngozi!  Sipho", ""]
    for text in [*texts, *extra]:
        opening = _OPENS_THE_TEXT.match(text)
        found = [m.span(1) for m in [opening, *_STARTS_A_SENTENCE.finditer(text)] if m]
        assert found == [m.span(1) for m in one.finditer(text)], text


def test_the_window_places_are_those_the_plain_pattern_finds(texts: list[str]) -> None:
    extra = ["Maria Lopez", " \tMaria", "x\nNgozi", "A. Seifert", "OKONKWO CHIDI", ":  hi", "."]
    for text in [*texts, *extra]:
        fast = [m.span() for m in _WINDOW_AT_FAST.finditer(text)]
        assert fast == [m.span() for m in _WINDOW_AT.finditer(text)], text


def test_the_cheap_signs_answer_as_their_plain_patterns(texts: list[str]) -> None:
    """`_signs` reads a spelled-out e-mail on the lower-cased text, and the SSN sign with its
    first digit outside the alternation: the answers of the case-insensitive pattern and of
    the plain one."""
    spelled = re.compile(r"(?i:[\[({] ?at ?[\])}]| dot )")
    ssn = re.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}|\d{5}-\d{4}|\d{3}-\d{6}")
    extra = ["ana [AT] x [Dot] com", "ana At x DOT com", "ana(at)x", "İ DOT 1", "a.dot.b 1"]
    extra += ["123-45-6789", "SSN 12345-6789", "123-456789", "123 45 678", "12-345-6789"]
    for text in [*texts, *extra]:
        found = _signs(text)
        assert ("EMAIL_ADDRESS" in found) == ("@" in text or bool(spelled.search(text))), text
        has_digit = re.search(r"\d", text) is not None
        assert ("US_SSN" in found) == (has_digit and bool(ssn.search(text))), text


def test_the_literal_screen_never_skips_a_pattern_that_matches(texts: list[str]) -> None:
    analyzer = PiiEngine("redact", "")._analyzer
    assert analyzer is not None
    recognizers = [r for r in analyzer.registry.recognizers if isinstance(r, _RegexRecognizer)]
    patterns = [p for r in recognizers for p in r.PATTERNS]
    screened = [p for p in patterns if screen(p)]
    assert len(screened) > len(patterns) // 2  # the screen is not vacuous
    for text in texts:
        folded = fold(text)
        for pattern in screened:
            if pattern.search(text):
                assert may_match(pattern, folded), (pattern.pattern[:60], text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"(?i:\bpatient\b)", "PATİENT"),  # IGNORECASE equates İ and ı with i
        (r"(?i:\bsincerely\b)", "ſincerely"),  # ... and long s with s
        (r"(?i:\bkg\b)", "5 \u212ag"),  # ... and the Kelvin sign with k
        (r"[Pp]atient:", "Patient: X"),
        (r"[\"“](\w+)[\"”]", "called “Bob”"),
    ],
)
def test_the_literal_screen_folds_as_ignorecase_does(pattern: str, text: str) -> None:
    compiled = re.compile(pattern)
    if compiled.search(text):
        assert may_match(compiled, fold(text))


def test_the_literal_screen_skips_a_cue_pattern_on_text_without_its_words() -> None:
    sign_off = re.compile(r"(?i:regards|thanks|cheers),[ ]([A-Z][a-z]+)\n")
    words = [{pattern_screen._core(x) for x in s} for s in screen(sign_off)]  # less edge marks
    # the run of literals goes on through the case-blind group: "regards, ", not "regards"
    assert {"regards, ", "thanks, ", "cheers, "} in words
    assert not may_match(sign_off, fold("The dose was increased, Maria\n"))
    assert not may_match(sign_off, fold("Regards to Maria, who rang\n"))
    assert may_match(sign_off, fold("Kind REGARDS, Maria\n"))


def test_a_warmed_up_engine_counts_nothing_and_finds_what_a_cold_one_finds(
    texts: list[str],
) -> None:
    warm, cold = PiiEngine("pseudonymize", "salt"), PiiEngine("pseudonymize", "salt")
    warm.warm_up()
    assert not warm.found and not warm.last_entities and not warm.last_recognizers
    assert _detections(warm, texts) == _detections(cold, texts)
    assert [warm.anonymize([t]) for t in texts] == [cold.anonymize([t]) for t in texts]


def test_recognizers_run_in_the_order_they_were_registered() -> None:
    """Presidio returns them as a set (object-hash order, different in every process); on a
    tie the first one's finding is kept, so the order decides which recognizer is credited and
    whether the NER filters judge a name."""
    analyzer = PiiEngine("redact", "")._analyzer
    assert analyzer is not None
    registry = analyzer.registry
    entities = sorted({e for r in registry.recognizers for e in r.supported_entities})
    found = registry.get_recognizers("en", entities=entities)
    assert found == [r for r in registry.recognizers if r in found]


def test_a_recognizer_registered_after_a_request_serves_the_same_request() -> None:
    """The registry keeps its answer per request; a change to the recognizers is a new one."""
    analyzer = PiiEngine("redact", "")._analyzer
    assert analyzer is not None
    registry = analyzer.registry
    before = registry.get_recognizers("en", entities=["PERSON"])
    added = PatternRecognizer("PERSON", patterns=[Pattern("x", r"\bZed\b", 0.5)], name="Zed")
    registry.add_recognizer(added)
    assert registry.get_recognizers("en", entities=["PERSON"]) == [*before, added]


def test_dropping_the_shared_tok2vec_changes_no_entity(texts: list[str]) -> None:
    """The NER model carries its own tok2vec; the pipeline's shared one fed only the tagger and
    parser, so the model loaded without it must label every text as the full pipeline does."""
    import spacy

    from training_scripts.governance.pii_ner_model import (
        MODEL_PACKAGES,
        UNUSED_PIPES,
        load_ner_model,
    )

    lean = load_ner_model()
    assert "tok2vec" not in lean.pipe_names
    installed = [p for p in MODEL_PACKAGES if spacy.util.is_package(p)]
    full = spacy.load(installed[0], exclude=list(UNUSED_PIPES))
    assert "tok2vec" in full.pipe_names

    def ents(nlp: spacy.language.Language) -> list[list[tuple[int, int, str]]]:
        return [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]

    assert ents(lean) == ents(full)


def test_the_model_loads_the_tokenizer_spacy_load_gives() -> None:
    """load_ner_model builds no default tokenizer before reading the model's: the same one."""
    import spacy

    from training_scripts.governance.pii_ner_model import MODEL_PACKAGES, load_ner_model

    installed = [p for p in MODEL_PACKAGES if spacy.util.is_package(p)]
    plain = spacy.load(installed[0], exclude=["tagger", "parser", "ner", "lemmatizer"])
    own = load_ner_model().tokenizer.to_bytes(exclude=["vocab"])
    assert own == plain.tokenizer.to_bytes(exclude=["vocab"])
