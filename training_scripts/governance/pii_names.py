"""A name gazetteer: given name + surname pairs from Faker's Latin-script name lists.

The small NER model misses many names it rarely saw in training (West African, South Asian,
Turkish, Nordic...) and most names written in lower case, and a cue word ("Patient", "Dr.") is
often absent. Faker ships first and last names for ~60 locales (about 20,000 of each in Latin
script, no download); two or three adjacent words whose first is a known given name and whose
last a known surname (or the reverse, surname first as in "Zhang Wei") are a name with high
odds, in title case or in lower case. English words that are also names ("Will", "Grace",
"Long") do not count as a name part in lower-case text, nor does a word that ends the pair in a
street, organisation or eponym ("Church Lane", "Graves disease"). So is a listed part beside an
unlisted word the model never saw in English, as a whole capitalised run ("Naledi Khumalo").
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import itertools
import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from training_scripts.governance import pattern_screen
from training_scripts.governance.pii_heads import HeadWords
from training_scripts.governance.pii_name_cues import (
    CUE_REGEXES,
    CUED_GIVEN_NAME,
    INTRODUCED_LOWER,
    LABEL_LINE,
    LAST_FIRST,
    cued_rare_word,
    human_verb_spans,
    ner_disagrees,
    role_spans,
    unlisted_name,
    unlisted_name_word,
    vocative_spans,
)
from training_scripts.governance.pii_name_lists import (
    COMMON_WORDS,
    PARTICLES,
    fold,
    name_lists,
    part,
    plain_word,
)
from training_scripts.governance.pii_name_places import (
    AT_PLACE,
    not_a_person,
    overlaps_place,
    place_first,
)
from training_scripts.governance.pii_recognizers import (
    _CAPS_NOT_NAMES,
    _NOT_NAME_STARTS,
    _ORG_WORDS,
    _PERSON_VERBS,
    PERSON,
)

GAZETTEER_RECOGNIZER = "NameGazetteer"
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_FIELD_END = re.compile(r"[ \t]*(?:\n|$)|,|[ \t]{2}")
_SENTENCE_END = re.compile(r"[.!?;:\n][ \t]*$")


# Labels the small model gives names it does not know ("Fatoumata Diallo" as ORG, "Haruto Sato"
# as FAC): such a span with a part from the name lists is a person.
_MISLABELLED = {"ORG", "FAC", "WORK_OF_ART", "NORP", "PRODUCT"}
# ... while a span it calls a place is one, even when both words are in the name lists.
_PLACE_LABELS = {"GPE", "LOC"}
_SIGNED = re.compile(r"(?i:signed|submitted|spoke|my|his|her|our)\b")
# Words a greeting is addressed to that some locale also lists as a given name.
_NOT_ADDRESSEES = frozenset(
    ["sir", "madam", "team", "guys", "folks", "there", "mate", "doc", "doctor", "nurse", "agent"]
)
_HUMAN_VERB = re.compile(rf"[ ](?:{_PERSON_VERBS}|phoned|emailed|said|wants|needs|asks)\b")


def _title(word: str) -> bool:
    return word[0].isupper() and any(c.islower() for c in word)


def _title_pair(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    return text[left.end() : right.start()] == " " and _title(left[0]) and _title(right[0])


_TITLE_BEFORE = re.compile(r"(?:^|(?<=[^.!?;:\n] ))([A-Z][^\W\d_]+(?:-[A-Z]?[^\W\d_]+)?) $")
_TITLE_AFTER = re.compile(r" ([A-Z][^\W\d_]+(?:-[A-Z]?[^\W\d_]+)?)\b")


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """A one-word entity with a title-case neighbour inside the sentence ("Olu Adebayo" where
    the model tagged only "Adebayo") takes the neighbour in."""
    if " " in text[start:end]:
        return start, end
    before = _TITLE_BEFORE.search(text[max(0, start - 40) : start])
    if before is not None:
        return start - len(before.group(0)), end
    after = _TITLE_AFTER.match(text, end)
    return (start, after.end()) if after is not None else (start, end)


class NameGazetteerRecognizer(LocalRecognizer):
    """Given name + surname pairs (either order, an optional middle part) from Faker's lists."""

    SCORE = 0.7
    LOWER_SCORE = 0.6
    NER_SCORE = 0.6
    UNLISTED_SCORE = 0.65
    VOCATIVE_SCORE = 0.8  # below a cue's: the model's place label still wins
    # Above the NER model's 0.85: where both find the same span Presidio keeps the higher
    # score, and the NER filters (eponyms such as "Wolff-Parkinson") must not drop "Jo-Anne".
    CUED_SCORE = 0.9

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[PERSON], supported_language="en", name=GAZETTEER_RECOGNIZER
        )

    def load(self) -> None:
        self.first, self.last = name_lists()
        self.known = self.first | self.last
        self._starts = HeadWords(self._may_start, _WORD)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        words, heads = self._heads(text)
        results = []
        index = 0  # the first word not yet taken into a name
        for at in heads:
            if at < index:
                continue
            span = self._name_at(text, words, at)
            span = span or self._with_unlisted_part(text, words, at, index)
            if span is not None:
                start, end, used, score = span
                results.append(self._result(start, end, score))
                index = at + used
        for spans, score in (
            (self._cued_spans(text), self.CUED_SCORE),
            (vocative_spans(text, self._cued_given_name), self.VOCATIVE_SCORE),
        ):
            for start, end in spans:
                if not any(r.start < end and start < r.end for r in results):
                    results.append(self._result(start, end, score))
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        if isinstance(doc, Doc):
            places = {(e.start_char, e.end_char) for e in doc.ents if e.label_ in _PLACE_LABELS}
            results = [
                r
                for r in results
                # a cue outweighs the place label ("Valentina: the app crashes", "hi Sofia")
                if ((r.start, r.end) not in places or r.score == self.CUED_SCORE)
                # ... which, with no cue, an organisation or place label on English words beats
                and (r.score == self.CUED_SCORE or not ner_disagrees(doc, text, r.start, r.end))
                # "Dublin, Ireland": a "Last, First" pair whose first part the model calls a place
                and not (
                    LAST_FIRST.fullmatch(text, r.start, r.end) and place_first(r.start, places)
                )
                # a listed part beside an unlisted word inside what the model calls a place
                and not (r.score == self.UNLISTED_SCORE and overlaps_place(r.start, r.end, places))
            ]

            for entity in doc.ents:
                start, end = _widen(text, entity.start_char, entity.end_char)
                if (
                    entity.label_ in _MISLABELLED
                    and self._mislabelled_name(text, text[start:end], end)
                    and not any(r.start < end and start < r.end for r in results)
                ):
                    results.append(self._result(start, end, self.NER_SCORE))
        return results

    def _heads(self, text: str) -> tuple[list[re.Match[str]], list[int]]:
        """The words of `text` and the indexes of those `_name_at` can start a name at: most
        prose holds none, and is not even split into words."""
        if self._starts.none_in(text):
            return [], []
        words = list(_WORD.finditer(text))
        return words, self._starts.indexes([w.group() for w in words])

    def _cued_spans(self, text: str) -> list[tuple[int, int]]:
        """Lone given names after a cue or as a chat speaker's label, and "Last, First" names."""
        # the cue regexes run only where their words are
        cued, labels, introduced, last_first, roles, human = pattern_screen.may_match_each(
            CUE_REGEXES, pattern_screen.fold(text)
        )
        spans = [
            m.span(1)
            for m in (CUED_GIVEN_NAME.finditer(text) if cued else ())
            if self._cued_given_name(m[1]) or cued_rare_word(text, *m.span(1))
        ]
        labels = labels and len(LABEL_LINE.findall(text)) >= 2
        if labels:  # a dialogue: "Heike: the app crashes"
            spans += [
                m.span(1)
                for m in LABEL_LINE.finditer(text)
                if _title(m[1]) and fold(m[1]) not in COMMON_WORDS and self._cued_given_name(m[1])
            ]
        for match in INTRODUCED_LOWER.finditer(text) if introduced else ():
            names = match[1].split(" ")
            if _SIGNED.match(match[0]) and any(plain_word(n) for n in names):
                continue  # "signed by return post": English words, not a name
            if all(n not in STOP_WORDS and len(n) > 1 for n in names) and (
                any(part(n, self.known) and fold(n) not in COMMON_WORDS for n in names)
                or unlisted_name(names)
            ):
                spans.append(match.span(1))
        spans += [*(role_spans(text) if roles else ()), *(human_verb_spans(text) if human else ())]
        for match in LAST_FIRST.finditer(text) if last_first else ():
            surname, given = match[1], match[2]
            listed = part(surname, self.last) or fold(surname) not in self.known
            if listed and self._usable(surname, True) and self._cued_given_name(given):
                spans.append(match.span())
        return spans

    def _cued_given_name(self, word: str) -> bool:
        folded = fold(word)
        if folded in _NOT_ADDRESSEES or not (word.islower() or _title(word)):
            return False
        return self._usable(word, True) and part(word, self.first)

    def _mislabelled_name(self, text: str, span: str, end: int) -> bool:
        """Two or three title-case words, one of them a listed name part, none a common word."""
        names = span.split(" ")
        if not 2 <= len(names) <= 3 or not all(_title(n) and _WORD.fullmatch(n) for n in names):
            return False
        if any(not self._usable(n, True) for n in names) or not_a_person(text, names, end):
            return False
        return any(part(n, self.first) or part(n, self.last) for n in names)

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            PERSON, start, end, score,
            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: GAZETTEER_RECOGNIZER},
        )  # fmt: skip

    def _name_at(
        self, text: str, words: list[re.Match[str]], index: int
    ) -> tuple[int, int, int, float] | None:
        head = words[index].group()
        if not self._may_start(head):
            return None
        if len(head) == 1:
            return self._initial_and_surname(text, words, index)
        if head.isupper():
            return self._capitals_at(text, words, index)
        lower = head.islower()
        before = text[max(0, words[index].start() - 4) : words[index].start()]
        sentence_start = not before.strip() or _SENTENCE_END.search(before) is not None
        for size in (4, 3, 2):
            run = words[index : index + size]
            if len(run) < size or not self._joined(text, run, lower):
                continue
            names = [w.group() for w in run]
            if size == 4 and not any(fold(n) in PARTICLES for n in names[1:3]):
                continue  # four words only with a particle inside ("Mac Giolla")
            if not all(self._usable(n, lower) or fold(n) in PARTICLES for n in names[1:]):
                continue
            if self._pair(names[0], names[-1]) and not not_a_person(text, names, run[-1].end()):
                if lower and sentence_start and size == 2 and not self._distinct(names):
                    continue
                score = self.LOWER_SCORE if lower else self.SCORE
                return run[0].start(), run[-1].end(), size, score
        # A lone given name that starts a sentence and does something human: "Anneke phoned".
        if (
            not lower
            and sentence_start
            and part(head, self.first)
            and fold(head) not in COMMON_WORDS
            and _HUMAN_VERB.match(text, words[index].end())
        ):
            return words[index].start(), words[index].end(), 1, self.SCORE
        return None

    def _with_unlisted_part(
        self, text: str, words: list[re.Match[str]], index: int, free: int
    ) -> tuple[int, int, int, float] | None:
        """Two or three title-case words, the one at `index` listed, the others listed or unlisted
        name words (one at least): "Efua Asantewaa Boateng"; from up to two words back, never
        before `free` (no name took it); the whole capitalised run ("San Paolo Cervo" is none)."""
        pairs = itertools.pairwise(words[max(0, index - 1) : index + 2])
        if not any(_title_pair(text, *p) for p in pairs) or not self._may_start(words[index][0]):
            return None  # most heads: no capitalised word beside them
        for size in (3, 2):
            for first in range(max(free, index - size + 1), min(index, len(words) - size) + 1):
                run, end = words[first : first + size], first + size
                names = [w.group() for i, w in enumerate(run, first) if i != index]
                if (
                    self._joined(text, run, False)
                    and _title(run[0].group())
                    and not (first > 0 and _title_pair(text, words[first - 1], run[0]))
                    and not (end < len(words) and _title_pair(text, run[-1], words[end]))
                    and not AT_PLACE.search(text, max(0, run[0].start() - 8), run[0].start())
                    and any(fold(n) not in self.known for n in names)
                    and all(fold(n) in self.known or unlisted_name_word(n) for n in names)
                    and all(self._usable(n, False) for n in names)
                    and not not_a_person(text, [w.group() for w in run], run[-1].end())
                ):
                    return run[0].start(), run[-1].end(), end - index, self.UNLISTED_SCORE
        return None

    def _may_start(self, word: str) -> bool:
        """`_name_at` may find a name at `word`: what it asks of the word alone (an initial, a
        name in capitals, or a usable listed part in lower or title case) holds."""
        if len(word) == 1 and word.isupper():
            return True  # an initial ("M. Lozano")
        if "-" not in word and fold(word) not in self.known:  # most words: one dict lookup
            return False
        if word.isupper():
            return True  # "DANIEL BROOKS"
        lower = word.islower()
        if not (lower or _title(word)) or not self._usable(word, lower):
            return False
        return part(word, self.first) or part(word, self.last)

    def _initial_and_surname(
        self, text: str, words: list[re.Match[str]], index: int
    ) -> tuple[int, int, int, float] | None:
        """ "M. Lozano", "Ø. Kristiansen": an initial, a full stop and a listed surname."""
        if index + 1 >= len(words) or text[words[index].end() : words[index + 1].start()] != ". ":
            return None
        surname = words[index + 1].group()
        if not _title(surname) or not part(surname, self.last) or not self._usable(surname, False):
            return None
        if not_a_person(text, [surname], words[index + 1].end()):
            return None
        return words[index].start(), words[index + 1].end(), 2, self.SCORE

    def _capitals_at(
        self, text: str, words: list[re.Match[str]], index: int
    ) -> tuple[int, int, int, float] | None:
        """A name in capitals ("DANIEL BROOKS", "OKONKWO CHIDI"): a given name and a surname
        from the lists, both in capitals, in either order."""
        tail = index + 1
        while tail < len(words) - 1 and fold(words[tail].group()) in PARTICLES:
            tail += 1  # "DIARMAID MAC THRÉINFHIR", "VIVIAN Ó CÉADAIGH"
        run = [words[index], words[tail]] if tail < len(words) else []
        gaps = [text[a.end() : b.start()] for a, b in itertools.pairwise(words[index : tail + 1])]
        if len(run) < 2 or gaps[0] not in (" ", ", ") or any(g != " " for g in gaps[1:]):
            return None
        if not all(w.group().isupper() for w in words[index + 1 : tail]):
            return None
        names = [w.group() for w in run]
        if not all(n.isupper() and len(n) > 1 for n in names) or not self._pair(*names):
            return None
        if any(fold(n) in STOP_WORDS or n.title() in _ORG_WORDS for n in names):
            return None
        end, used = run[1].end(), tail - index + 1
        if tail + 1 < len(words) and self._third_in_capitals(text, end, words[tail + 1]):
            end, used = words[tail + 1].end(), used + 1
        return run[0].start(), end, used, self.SCORE

    def _third_in_capitals(self, text: str, end: int, word: re.Match[str]) -> bool:
        """A third part in capitals ("BUI THANH TAM", "NGUYEN VAN AN"): listed, or ending the
        field (a line end, a comma, two spaces); never an abbreviation ("DOB", "MRN")."""
        third = word.group()
        if text[end : word.start()] != " " or not third.isupper() or third in _CAPS_NOT_NAMES:
            return False
        if fold(third) in self.known:
            return True
        usable = len(third) > 1 and self._usable(third.title(), True)
        return usable and _FIELD_END.match(text, word.end()) is not None

    def _usable(self, word: str, lower: bool) -> bool:
        folded = fold(word)
        if folded in STOP_WORDS or (lower and folded in COMMON_WORDS):
            return False
        return word not in _NOT_NAME_STARTS and word not in _ORG_WORDS and len(folded) > 1

    def _joined(self, text: str, run: list[re.Match[str]], lower: bool) -> bool:
        """Words separated by one space, all lower case or all title case (particles apart)."""
        for left, right in itertools.pairwise(run):
            if text[left.end() : right.start()] != " ":
                return False
        for match in run[1:]:
            word = match.group()
            if fold(word) in PARTICLES:
                continue
            if (lower and not word.islower()) or (not lower and not _title(word)):
                return False
        return True

    def _pair(self, head: str, tail: str) -> bool:
        return (part(head, self.first) and part(tail, self.last)) or (
            part(head, self.last) and part(tail, self.first)
        )

    def _distinct(self, names: list[str]) -> bool:
        """Both parts outside the English-looking short words a lower-case sentence starts with."""
        return all(len(n) > 3 for n in names)
