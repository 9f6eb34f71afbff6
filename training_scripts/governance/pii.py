"""PII detection (Presidio on a spaCy NER pipeline plus pattern recognizers) and anonymization.

Pseudonyms are consistent and salted (pii_surrogates.py): one patient maps to one surrogate across
the whole dataset, and nobody without the salt can rebuild the table.
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import IpRecognizer
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from training_scripts.governance.modes import MODES
from training_scripts.governance.pii_addresses import StreetAddressRecognizer
from training_scripts.governance.pii_allow import names_a_place_or_company, resolve
from training_scripts.governance.pii_context import WordContextEnhancer
from training_scripts.governance.pii_dates import DateOfBirthRecognizer
from training_scripts.governance.pii_email import OfflineEmailRecognizer
from training_scripts.governance.pii_identifiers import (
    IBAN,
    RECORD_SIGNS,
    ContextRecordRecognizer,
    CuedCardRecognizer,
    CuedPhoneRecognizer,
    MedicalRecordNumberRecognizer,
    NhsNumberRecognizer,
    card_recognizer,
    iban_recognizer,
)
from training_scripts.governance.pii_names import NameGazetteerRecognizer
from training_scripts.governance.pii_ner import (
    NerNlpEngine,
    keep_person_span,
    needs_ner,
    person_recognizer,
)
from training_scripts.governance.pii_phone import RegionsPhoneRecognizer
from training_scripts.governance.pii_recognizers import (
    ADDRESS,
    CUSTOM_RECOGNIZERS,
    DOB,
    MRN,
    PERSON,
    PersonNameRecognizer,
)
from training_scripts.governance.pii_surrogates import Surrogates

# Entity -> the placeholder written in redact mode.
LABELS = {
    PERSON: "NAME",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "US_SSN": "SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "IP_ADDRESS": "IP_ADDRESS",
    DOB: "DATE_OF_BIRTH",
    MRN: "MRN",
    ADDRESS: "ADDRESS",
    IBAN: "IBAN",
}
# Cheap signs that an entity may be present: Presidio runs only the recognizers whose sign
# shows up (most text has none), instead of every recognizer plus context scoring on every row.
# Every entity but e-mail needs a digit, so digit-free text (most prose) costs one scan; the
# cue words are plain substring tests on the lower-cased text (far cheaper than (?i) regexes).
_DIGIT = re.compile(r"\d")
_DIGIT_SIGNS: dict[str, Callable[[str], object]] = {
    "PHONE_NUMBER": re.compile(r"\d[\d ().-]{5,}\d").search,
    # the shared first digit stands outside the alternation, so the search jumps to digits
    "US_SSN": re.compile(r"\d(?:\d{2}[- .]?\d{2}[- .]?\d{4}|\d{4}-\d{4}|\d{2}-\d{6})").search,
    "CREDIT_CARD": re.compile(r"\d{4}[- ]?\d{4}[- ]?\d{2}").search,
    "IP_ADDRESS": re.compile(r"\d\.\d+\.\d+\.\d|[0-9a-fA-F]:[0-9a-fA-F]*:").search,
    # Street lines put the number first or last, in many scripts: any digit may start one;
    # a date of birth may follow a cue or answer a question two lines up.
    ADDRESS: _DIGIT.search,
    DOB: _DIGIT.search,
    IBAN: re.compile(r"[A-Z]{2}\d{2}[ -]{0,2}[A-Z0-9]{4}", re.I).search,  # lower case, "  "
}
# An e-mail spelled out in a chat has no "@": "ana [at] x [dot] com", "ana at x dot com"; read
# on the lower-cased text (no character but A, T, D, O lower-cases to those letters).
_SPELLED_AT = re.compile(r"[\[({] ?at ?[\])}]").search
_CUE_SIGNS = {MRN: RECORD_SIGNS}


def _signs(text: str) -> list[str]:
    """The entities whose cheap sign shows up in `text` (PERSON is always looked for)."""
    lowered = text.lower()
    spelled = " dot " in lowered or _SPELLED_AT(lowered) is not None
    found = ["EMAIL_ADDRESS"] if "@" in text or spelled else []
    if _DIGIT.search(text) is None:
        return found
    found += [entity for entity, sign in _DIGIT_SIGNS.items() if sign(text)]
    found += [entity for entity, cues in _CUE_SIGNS.items() if any(c in lowered for c in cues)]
    return found


SCORE_THRESHOLD = 0.4  # phone (0.4) and SSN (0.5) patterns score low without context words
# National formats python-phonenumbers tries (any "+<country>" number matches regardless): the
# countries a US/UK/EU/Asia-Pacific health or legal corpus most often quotes.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IE", "ES", "IT", "NL", "IN", "JP", "KR", "AU")


class _OrderedRegistry(RecognizerRegistry):
    """Recognizers in registration order: Presidio's set (object-hash order) changed from process
    to process which of two equal findings (the cue pattern's and NER's "Maria Lopez") was kept,
    so the credit, and whether `keep_person_span` judged the name, depended on the worker."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answers: dict[tuple[Any, ...], list[EntityRecognizer]] = {}

    def get_recognizers(
        self,
        language: str,
        entities: list[str] | None = None,
        all_fields: bool = False,
        ad_hoc_recognizers: list[EntityRecognizer] | None = None,
    ) -> list[EntityRecognizer]:
        # The analyzer asks once per text, with a few sets of entities: an answer is kept for
        # the same request to the same registered recognizers.
        key = (language, tuple(entities or ()), all_fields, tuple(self.recognizers))
        if ad_hoc_recognizers or key not in self._answers:
            found = super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
            order = {id(r): index for index, r in enumerate(self.recognizers)}
            answer = sorted(found, key=lambda r: order.get(id(r), len(order)))
            if ad_hoc_recognizers:
                return answer
            self._answers[key] = answer
        return list(self._answers[key])


def build_analyzer() -> AnalyzerEngine:
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    registry = _OrderedRegistry(supported_languages=["en"])
    registry.add_recognizer(RegionsPhoneRecognizer(supported_regions=PHONE_REGIONS))
    for builtin in (OfflineEmailRecognizer, IpRecognizer):
        registry.add_recognizer(builtin())
    registry.add_recognizer(card_recognizer())
    registry.add_recognizer(iban_recognizer())
    for custom in (
        *CUSTOM_RECOGNIZERS, StreetAddressRecognizer, MedicalRecordNumberRecognizer,
        NhsNumberRecognizer, DateOfBirthRecognizer, CuedCardRecognizer, CuedPhoneRecognizer,
        ContextRecordRecognizer,
    ):  # fmt: skip
        registry.add_recognizer(custom())
    registry.add_recognizer(NameGazetteerRecognizer())
    registry.add_recognizer(person_recognizer())
    engine = NerNlpEngine()
    engine.load()
    return AnalyzerEngine(
        registry=registry, nlp_engine=engine, supported_languages=["en"],
        context_aware_enhancer=WordContextEnhancer(),
    )  # fmt: skip


# An example that reaches the NER model, every recognizer and each replacement (`warm_up`).
_WARM_UP = (
    "Patient Maria Lopez (MRN 1234567, DOB 01/02/1980, NHS 943 476 5919) called +1 415-555-0134 "
    "from 12 Main Street, Springfield, IL 62704; email maria.lopez@example.com, card 4111 1111 "
    "1111 1111, IP 10.0.0.1, IBAN GB82 WEST 1234 5698 7654 32, SSN 123-45-6789.",
    "hi this is nguyen van long; Dr. Okafor asked: Ngozi sent it to Oluwaseun Adeyemi",
    "Dr. Smith.",
)


class PiiEngine:
    """Finds and replaces PII in the texts of one example at a time."""

    def __init__(self, mode: str, salt: str) -> None:
        if mode not in MODES:
            raise ValueError(f"PII mode {mode!r} is not supported: use one of {', '.join(MODES)}")
        self.mode = mode
        self.found: Counter[str] = Counter()
        self.last_recognizers: Counter[str] = Counter()
        self.last_entities: Counter[str] = Counter()
        self._analyzer = build_analyzer() if mode != "off" else None
        self._names = PersonNameRecognizer()
        self._gazetteer = NameGazetteerRecognizer()
        self._gazetteer.load()
        # No spaCy Doc: the name recognizer reads only the text (Presidio types `tokens` as Doc).
        self._no_tokens = NlpArtifacts([], [], [], [], None, "en")  # type: ignore[arg-type]
        self._anonymizer = AnonymizerEngine()
        self.surrogates = Surrogates(salt)
        self._prefetched: dict[str, NlpArtifacts | None] = {}
        self._operators = {
            entity: OperatorConfig("replace", {"new_value": f"[{label}]"})
            if mode == "redact"
            else OperatorConfig("custom", {"lambda": self._pseudonymizer(entity)})
            for entity, label in LABELS.items()
        }

    def _pseudonymizer(self, entity: str) -> Callable[[str], str]:
        return lambda text: self.surrogates.value(entity, text)

    def prefetch(self, texts: Iterable[str]) -> None:
        """Run NER once for a block: the windows of every text that needs it go through one
        batched `pipe` call (NerNlpEngine.process_windows); `detect` then reuses the results and
        the screen's answer. The entities are those a call per text finds; only the calls are
        grouped."""
        if self._analyzer is None:
            return
        engine = self._analyzer.nlp_engine
        assert isinstance(engine, NerNlpEngine)
        screened = dict.fromkeys(texts)  # None: no NER needed (`detect` need not ask again)
        screened.update(engine.process_windows(t for t in screened if needs_ner(t)))
        self._prefetched = screened

    def warm_up(self) -> None:
        """Detect and replace once on built-in text, leaving the counts as they were: what a
        first call builds (compiled regexes, the model's first batch) lands in module-level
        caches, so the workers a process forks afterwards start without building it each."""
        found = self.found.copy()
        self.prefetch(_WARM_UP)
        self.anonymize(list(_WARM_UP))
        self.found, self.last_recognizers, self.last_entities = found, Counter(), Counter()
        self._prefetched = {}

    def detect(self, texts: list[str]) -> list[list[RecognizerResult]]:
        """Entities per text; a full name found in any text is then looked for in all of them."""
        assert self._analyzer is not None
        self.surrogates.name_roles.clear()  # roles come from this example only (determinism)
        found = []
        for text in texts:
            entities = _signs(text)
            if text in self._prefetched:
                artifacts = self._prefetched[text]
                ner = artifacts is not None
            else:  # the analyzer runs the windowed NER itself when `ner`
                artifacts, ner = None, needs_ner(text)
            if entities or ner:
                # spaCy (NER + tokens for context words) runs only where a name may hide;
                # elsewhere the analyzer gets no tokens and only the pattern recognizers run
                # (the SSN recognizer reads its cue from the text itself).
                artifacts = artifacts if ner else self._no_tokens
                results = self._analyzer.analyze(
                    text, language="en", entities=[PERSON, *entities],
                    score_threshold=SCORE_THRESHOLD, nlp_artifacts=artifacts,
                )  # fmt: skip
                kept = [r for r in results if keep_person_span(text, r)]
                found.append(resolve(text, kept))
            else:
                cued = _named(self._names.analyze(text, [PERSON]), "PersonNameRecognizer")
                listed = self._gazetteer.analyze(text, [PERSON])
                found.append(resolve(text, cued + listed))
        parts: set[str] = set()
        for text, results in zip(texts, found, strict=True):
            for result in results:
                if result.entity_type == PERSON:
                    tokens = text[result.start : result.end].split()
                    if len(tokens) > 1:
                        self.surrogates.name_roles[tokens[0]] = "first"
                        self.surrogates.name_roles[tokens[-1]] = "last"
                    parts.update(t for t in tokens if len(t) > 2)
        if parts:
            mention = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(parts))) + r")\b")
            for text, results in zip(texts, found, strict=True):
                for match in mention.finditer(text):
                    if not any(r.start < match.end() and match.start() < r.end for r in results):
                        later = RecognizerResult(PERSON, *match.span(), 0.8)
                        # "Zhang Holdings Pty Ltd" after "Mr Wei Zhang": kept, as a direct find is
                        if names_a_place_or_company(text, later):
                            continue
                        results.append(_named([later], "NameMention")[0])
        return found

    def recognizers(self, results: list[RecognizerResult]) -> Counter[str]:
        """How many entities each recognizer found (names only, never values)."""
        return Counter(
            r.recognition_metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY, "unknown")
            if r.recognition_metadata
            else "unknown"
            for r in results
        )

    def anonymize(self, texts: list[str]) -> list[str]:
        """The texts of one example with PII replaced; `last_recognizers` counts who fired."""
        self.last_recognizers = Counter()
        self.last_entities = Counter()
        if self.mode == "off":
            return list(texts)
        out = []
        for text, results in zip(texts, self.detect(texts), strict=True):
            if not results:
                out.append(text)
                continue
            self.found.update(r.entity_type for r in results)
            self.last_entities.update(r.entity_type for r in results)
            self.last_recognizers.update(self.recognizers(results))
            # presidio-anonymizer declares its own RecognizerResult class; the analyzer's results
            # carry the same fields, which is what it reads.
            result = self._anonymizer.anonymize(
                text=text,
                analyzer_results=results,  # type: ignore[arg-type]
                operators=self._operators,
            )
            out.append(result.text)
        return out


def _named(results: list[RecognizerResult], name: str) -> list[RecognizerResult]:
    for result in results:
        result.recognition_metadata = {RecognizerResult.RECOGNIZER_NAME_KEY: name}
    return results
