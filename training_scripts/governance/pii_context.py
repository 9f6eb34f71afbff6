"""Context words, read from the text: Presidio's context boost made to apply, and its opposite.

Presidio raises a finding's score when one of its recognizer's `context` words stands near it
(`LemmaContextAwareEnhancer`), but it looks for them among spaCy lemmas, and the NER pipeline here
makes none (pii_ner.py), so the boost never applied. `WordContextEnhancer` keeps Presidio's
matching (`_find_supportive_word_in_context`, whole words) and its factor, and takes the
lower-cased words of the text itself around the finding; a recognizer opts in by giving
`context` words (a number that is only a record number when the words around it say
"patient", pii_identifiers.ContextRecordRecognizer).

The opposite is a number's own label: "Invoice 901 234 567", "Vertragsnummer 7700-3312-09",
"job number is 552-18-9921" name a number that a company, a register or a document issued. A
phone or SSN finding right after such a label is dropped (its score set to 0, below any
threshold): a label is read as a grammar (a business word, then an identifier word) rather
than as a list of one set's labels, and a compound "...nummer" is a phone number only when its
first part says so ("Telefonnummer", "mobilnummer"). And a national phone finding of under 7
digits needs one of its recognizer's context words near it (a postcode or a short code has none).
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import (
    ContextAwareEnhancer,
    LemmaContextAwareEnhancer,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

_WORD = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
# A document, a register or a company issued these (the words people write before the number,
# in the languages the corpus quotes): never a person's phone or SSN. Words that also name a
# phone line ("Job: ...", "on the account: ...", "callback request: ...") count only with an
# identifier word after them ("job number is ...", "account no. ...").
_ISSUED = (
    r"order|orders|invoice|inv|receipt|contract|policy|claim|ticket|tracking|shipment|serial|"
    r"lot|batch|sku|confirmation|transaction|mandate|docket|patent|version|build|vat|ust|btw|"
    r"tva|iva|gst|gstin|kvk|hrb|hra|abn|acn|ein|siren|siret|duns|isbn|issn|rechnung|"
    r"factuur|fattura|factura|facture|commande|pedido|ordine|contrato|contratto|contrat|"
    r"aktenzeichen|umsatzsteuer"
)
_ISSUED_WITH_ID = (
    r"job|case|account|acct|ref|reference|report|project|product|item|part|model|incident|"
    r"request|booking|reservation|company|registration|register|registry|org|routing|swift|"
    r"bic|licen[cs]e|customer|member(?:ship)?|kunden|klant|dossier"
)
_ID_WORD = r"id|idnr|no|nos|nr|nº|n°|number|num|\#|code|nummer|ref|reference"
# German, Dutch and Nordic write the label as one word: "Vertragsnummer", "klantnummer".
_ISSUED_STEM = (
    r"rechnung|vertrag|befund|auftrag|bestell|kunden|steuer|register|handelsregister|akten|"
    r"fall|vorgang|order|factuur|klant|dossier|polis|referentie|registratie|org|ticket|lieferant"
)
ISSUED_LABEL = re.compile(
    rf"(?i:(?:\b(?:{_ISSUED})[.-]?(?:[ -]?(?:{_ID_WORD})\.?)?|"
    rf"\b(?:{_ISSUED_WITH_ID})[.-]?[ -]?(?:{_ID_WORD})\.?|"
    rf"\b(?:{_ISSUED_STEM})[^\W\d_]*(?:nummer|nr\.?)|\b[^\W\d_]+-idnr\.?)"
    r"(?:[ ](?:is|was|of|=))?[ ]?[:#]?[ ]?(?-i:[A-Z]{2}[ ]?)?)$"  # VAT country: "DE 812 ..."
)
# The words that name a phone number ("Tel:", "mobile", "call me on").
PHONE_CUE = (
    r"phone|tel|telephone|mobile|mob|cell|callback|whatsapp|contact[ ]number|"
    r"call[ ](?:me[ ])?(?:on|at)|reach(?:able)?[ ](?:me[ ])?(?:on|at)|"
    r"call[ ](?:you|me)[ ]back|number[ ]to[ ](?:call|reach|text)"
)
# A number a document, a register or a desk issued, named anywhere before: "your ticket is",
# "logged under case", "reference" (not "customer", "member": chat speakers, health plans).
ISSUED_WORD = re.compile(
    rf"(?i:\b(?:{_ISSUED}|case|ref|reference|incident|request|booking|reservation)\b)"
)
LABEL_WINDOW = 40  # characters before a number searched for its label
# Findings a document's own label rules out.
NOT_ISSUED = frozenset({"PHONE_NUMBER", "US_SSN"})


def issued_label_before(text: str, start: int) -> bool:
    """Whether the words right before `start` label a number a document or register issued."""
    line = text[max(0, start - LABEL_WINDOW) : start].rsplit("\n", 1)[-1]
    return ISSUED_LABEL.search(line) is not None


SHORT_PHONE_DIGITS = 7  # national numbers shorter than this are postcodes and short codes


def _short_national_phone(text: str, result: RecognizerResult) -> bool:
    """A phone finding of under 7 digits with no "+": a phone only with a phone word near it
    ("București 030031" is a postcode)."""
    span = text[result.start : result.end]
    digits = sum(c.isdigit() for c in span)
    return (
        result.entity_type == "PHONE_NUMBER"
        and not span.startswith("+")
        and digits < SHORT_PHONE_DIGITS
    )


class WordContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's context enhancer on the text's words (see the module docstring); results are
    changed in place (Presidio deep-copies them first; these are this call's own)."""

    PREFIX_WORDS, SUFFIX_WORDS = 8, 0

    def __init__(self) -> None:
        super().__init__(
            context_prefix_count=self.PREFIX_WORDS,
            context_suffix_count=self.SUFFIX_WORDS,
            context_matching_mode="whole_word",
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        with_context = {r.id: r for r in recognizers if r.context}
        for result in raw_results:
            if result.entity_type in NOT_ISSUED and issued_label_before(text, result.start):
                result.score = 0.0
                continue
            metadata = result.recognition_metadata or {}
            recognizer = with_context.get(metadata.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None or metadata.get(
                RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY
            ):
                continue
            words = self.words_around(text, result.start, result.end) + [
                w.lower() for w in context or []
            ]
            supported = self._find_supportive_word_in_context(
                words, recognizer.context, self.context_matching_mode
            )
            if not supported and _short_national_phone(text, result):
                result.score = 0.0
            elif supported:
                result.score = min(
                    max(result.score + self.context_similarity_factor,
                        self.min_score_with_context_similarity),
                    ContextAwareEnhancer.MAX_SCORE,
                )  # fmt: skip
        return raw_results

    def words_around(self, text: str, start: int, end: int) -> list[str]:
        """The lower-cased words before (and after) a finding, as many as Presidio's counts."""
        before = _WORD.findall(text[max(0, start - 12 * self.context_prefix_count) : start])
        after = _WORD.findall(text[end : end + 12 * self.context_suffix_count])
        words = before[-self.context_prefix_count :] if self.context_prefix_count else []
        return [w.lower() for w in words + after[: self.context_suffix_count]]
