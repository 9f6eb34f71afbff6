"""Name cues that do not need the name in a list, and the NER model's word against a weak name.

The gazetteer (`pii_names.py`) trusts a lone word or a lower-case pair only when Faker lists it;
names of languages Faker and the small NER model rarely saw ("Mthunzi", "tevita fifita") were
missed wherever no title came before them. A word the model never saw in English text
(`pii_name_lists.rare`) in a slot where a name is expected (a role in brackets after it, a human
verb after it, a date after a lower-case pair that "signed by" introduced) is a name.

The other way round: a span found with no cue that the NER model calls an organisation or a
place, holding a word of English it saw that no locale lists as a name ("Port Talbot",
"Microsoft Teams"), is not a person (`ner_disagrees`).

The gazetteer's own cue regexes (a greeting or a relative before a lone given name, a chat
speaker's label, "Last, First") live here too: `CUE_REGEXES` are screened together, once a text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from spacy.tokens import Doc

from training_scripts.governance.pii_name_lists import (
    COMMON_WORDS,
    fold,
    job_words,
    name_lists,
    name_parts,
    part,
    plain_word,
    rare,
)
from training_scripts.governance.pii_ner_model import english_words

# Two or three lower-case words a chat introduces as the writer ("hi its priya sharma calling",
# "im stephen hunter, wrong charge") or a label names, one of them a listed name part that is no
# English word.
INTRODUCED_LOWER = re.compile(
    r"(?i:\b(?:it['’]?s|this[ ]is|i['’]?m|i[ ]am|my[ ]name[ ]is|name[ ]is|speaking[ ]to|"
    # ... or a form or party label writes in lower case ("Employee: szymon klęczar,")
    r"(?:customer|caller|client|patient|employee|employer|licensee|licensor|tenant|landlord|"
    r"guarantor|borrower|buyer|seller|witness|re|name)[ ]?[:,]|"
    # ... or a signature, a relative or a call note names ("signed by rangi parata 12 May")
    r"(?:signed|submitted)[ ]by|spoke[ ](?:to|with|w/)|"
    r"(?:my|his|her|our)[ ](?:wife|husband|son|daughter|mum|mom|mother|father|dad|partner|"
    r"brother|sister|friend|flatmate),?))[ ]"
    r"((?-i:[^\W\d_A-Z]+(?:-[^\W\d_A-Z]+)?(?:[ ][^\W\d_A-Z]+(?:-[^\W\d_A-Z]+)?){1,2}))"
    r"(?=[,.!?;:\n]|$|[ ](?:here|calling|speaking|from|again)\b|[ ]\d)"  # a date may follow
)
_CAPITALISED = r"[^\W\d_a-z][^\W\d_A-Z]+(?:-[^\W\d_]+)?"
# "Lerato (ward clerk)", "Faith, the healthcare assistant,": a role after a capitalised word.
ROLE_AFTER = re.compile(
    r"(?:[ ]\(|,[ ](?:the|our|a|an|my|his|her|their|your)[ ])((?:[a-z]+[ ]){0,2}[a-z]+)(?=[),;.])"
)
_NAME_BEFORE = re.compile(rf"\b({_CAPITALISED})\Z")
# Role words that Faker's job titles lack or drop (they are also surnames: "Ward", "Porter").
_ROLES = frozenset(
    str.split(
        "nurse clerk assistant receptionist porter carer pharmacist physio doctor consultant "
        "registrar midwife student volunteer interpreter manager supervisor lead agent advisor "
        "adviser rep representative coordinator secretary housekeeper cleaner driver technician"
    )
)
# A lone name starting a sentence and doing what only people do: "Mthunzi said he would come"
# (no "was", "has", "confirmed" or "presented": "Eliquis was stopped", "Biopsy confirmed").
HUMAN_ONLY = re.compile(
    r"[ ](?:phoned|rang|emailed|said|says|asked|asks|wrote|complained|wants|wanted|thinks|"
    r"replied|apologised|apologized)\b"
)
# A lone given name after a greeting, a thank-you, a self-introduction or a relationship word,
# in any case: "thanks pilar", "Hi, it's Jo-Anne", "my wife lan placed the order".
CUED_GIVEN_NAME = re.compile(
    r"(?i:\b(?:thanks|thank[ ]you|cheers|hi|hello|hey|dear|it['’]s|it[ ]is|this[ ]is|i['’]m|"
    r"i[ ]am|my[ ]name[ ]is|(?:my|his|her|our)[ ](?:wife|husband|son|daughter|mum|mom|mother|"
    r"father|dad|brother|sister|partner|colleague|friend)|(?:surgeon|assistant|anaesthetist|"
    r"anesthetist|scrub[ ]nurse|nurse|midwife|physician|clinician|witness|reporter|contact|"
    r"interpreter|carer|wife|husband|son|daughter|mother|father|partner|spouse|brother|sister|"
    # ("Agent:" is a chat speaker: "Agent: Lo siento" is speech)
    r"owner|assignee|apologies|next[ ]of[ ]kin)[ ]?:|next[ ]of[ ]kin|"
    # ... or a verb of meeting or handing over: "Discussed with Rustam", "passed to Ingrid"
    r"discussed[ ]with|spoke[ ](?:to|with)|met[ ]with|handed[ ]over[ ]to|passed[ ]to|"
    r"escalated[ ]to|copied)),?[ ]"
    r"(?=([^\W\d_]+(?:-[^\W\d_]+)?)(?![\w'’-]))"  # a lookahead: "Hi, it's Jo-Anne" cues twice
)
# A chat line's speaker label: "Heike: the app crashes on start".
LABEL_LINE = re.compile(r"^[ \t]*([^\W\d_]+(?:-[^\W\d_]+)?):[ ]", re.MULTILINE)
# "Okafor, Somtochukwu." ending a field, not inside a list ("Segers, Gilles and Collin"): a
# surname (listed, or in no list) and a listed given name.
LAST_FIRST = re.compile(
    r"(?<!,[ ])\b([A-Z][^\W\d_]+(?:-[A-Z][^\W\d_]+)?),[ ]([A-Z][^\W\d_]+(?:-[A-Z]?[^\W\d_]+)?)"
    # a quoted e-mail display name too: "Ahmed, Yusuf" <...>; a case title: "Mutua, Wanjiru v X"
    r"(?=[ \t]*(?:[.;)\n\"”]|$)|[ ]v\.?[ ])"
)
# A name a sentence ends on after a comma and a lower-case word: who is spoken to or about
# ("Sorry to hear that, Ama.", "about my mum's account, Lakshmi."); after a capitalised word
# the comma lists a place ("Leeds, Yorkshire.").
# (The comma first: a pattern with a literal prefix is searched for fast; most texts hold few.)
VOCATIVE_END = re.compile(
    r",[ ]([A-Z][^\W\d_A-Z]+(?:-[A-Z][^\W\d_A-Z]+)?)(?=[.!?]?[ \t]*(?:\n|$)|[.!?][ ])"
)
_LOWER_WORD_END = re.compile(r"(?<![^\W\d_])[a-z]+\Z")
# The cue regexes the gazetteer's `_cued_spans` finds names from, judged together.
CUE_REGEXES = (CUED_GIVEN_NAME, LABEL_LINE, INTRODUCED_LOWER, LAST_FIRST, ROLE_AFTER, HUMAN_ONLY)
_WORD_BEFORE = re.compile(rf"({_CAPITALISED})[ ]\Z")
_SENTENCE_END = re.compile(r"[.!?\n][ \t]{0,2}\Z")
_NON_PERSON = {"ORG", "FAC", "GPE", "LOC", "PRODUCT"}


def role_spans(text: str) -> Iterator[tuple[int, int]]:
    """A listed given name or a rare word with a role in brackets or in apposition after it."""
    first = name_lists()[0]
    for match in ROLE_AFTER.finditer(text):  # from the role back: most texts hold none
        role = match[1].split(" ")
        if role[-1] not in _ROLES and role[-1] not in job_words():
            continue
        name = _NAME_BEFORE.search(text, max(0, match.start() - 40), match.start())
        if name and ((part(name[1], first) and not plain_word(name[1])) or rare(name[1])):
            yield name.span(1)


def human_verb_spans(text: str) -> Iterator[tuple[int, int]]:
    """A rare word starting a sentence before a verb only people take (found from the verb:
    most texts hold none)."""
    for verb in HUMAN_ONLY.finditer(text):
        word = _WORD_BEFORE.search(text, max(0, verb.start() - 40), verb.start() + 1)
        if word is None or not rare(word[1]):
            continue
        before = text[max(0, word.start() - 3) : word.start()]
        if not text[: word.start()].strip() or _SENTENCE_END.search(before):
            yield word.span(1)


# A label's colon before the word ("Contact: Telehealth"): departments and services the model
# never saw fill such fields as often as names do (a lower-case cue, a verb or a greeting does not).
_LABEL_BEFORE = re.compile(r":[ ]?\Z")
# After the word: an e-mail's or a web address's rest ("Contact: jbloggs@...", "hi fixit.com").
_ADDRESS_AFTER = re.compile(r"[@.][^\W_]")


def cued_rare_word(text: str, start: int, end: int) -> bool:
    """A word the model never saw in English after a greeting, a relative or a handover verb
    ("hi kalani", "my son sipho", "Discussed with Rustam"): a name Faker does not list. Not
    after a label's colon, not an e-mail's local part or a domain, nor a word in capitals. ("sir",
    "team" and other words a greeting is addressed to are words the model saw.)"""
    word = text[start:end]
    if (
        word.isupper()
        or _ADDRESS_AFTER.match(text, end)
        or _LABEL_BEFORE.search(text, max(0, start - 2), start)
    ):
        return False
    return unlisted_name_word(word)


def unlisted_name_word(word: str) -> bool:
    """A word the model never saw in English (`rare`) that is no inflected English word ("heaps")
    and no brand made of two English words ("Paperwhite", "Zendesk"): what an unlisted name
    looks like ("Khumalo", "Wróblewski", "Adjei-Mensah")."""
    if not rare(word):
        return False
    english = english_words()
    folded = fold(word)
    if folded in english or folded.removesuffix("s") in english:
        return False
    return not any(
        folded[:cut] in english and folded[cut:] in english for cut in range(4, len(folded) - 3)
    )


def vocative_spans(text: str, given_name: Callable[[str], bool]) -> list[tuple[int, int]]:
    """A given name (`given_name`: listed, no English word) ending a sentence after a comma and a
    lower-case word; not a word no list holds ("Legal executive, Ogunleye-Akinwale" signs for a
    firm)."""
    return [
        m.span(1)
        for m in VOCATIVE_END.finditer(text)
        if _LOWER_WORD_END.search(text, max(0, m.start() - 30), m.start()) and given_name(m[1])
    ]


def unlisted_name(words: list[str]) -> bool:
    """Lower-case words after a strong cue, each rare or listed, one of them rare: "tevita
    fifita", "rangi parata" (the gazetteer's own test needs a listed, uncommon part)."""
    known = name_parts()
    return all(rare(w) or (part(w, known) and fold(w) not in COMMON_WORDS) for w in words) and any(
        rare(w) for w in words
    )


def ner_may_disagree(text: str, start: int, end: int) -> bool:
    """The span holds an English word that no name list has ("Port", "Teams", "County"): only
    then can the NER model's label overrule it (`ner_disagrees`), so only then must the model
    read it (pii_ner's window choice asks this)."""
    words = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text[start:end])
    return any(plain_word(w) for w in words)


def ner_disagrees(doc: Doc | None, text: str, start: int, end: int) -> bool:
    """The NER model calls the span (or a run holding it) an organisation, place or product, and
    the span holds an English word that no name list has (`ner_may_disagree`)."""
    if doc is None:
        return False
    return ner_may_disagree(text, start, end) and any(
        e.label_ in _NON_PERSON and e.start_char <= start and end <= e.end_char for e in doc.ents
    )
