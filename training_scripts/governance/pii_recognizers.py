"""Presidio pattern recognizers for the PII its own set misses: cue-led person names, street
addresses, medical record numbers, dates of birth and SSNs by SSA's rules (the NER model and the
name gazetteer, `pii_ner.py` and `pii_names.py`, find names with no cue).

Names are found after a cue (a title such as "Dr.", a role such as "Patient" or "represented by",
a greeting, a sign-off) and are deliberately not guessed from capitalisation alone, so drug names,
diagnoses, clause names ("Force Majeure") and company names survive.
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from training_scripts.governance.pii_name_cues import ner_disagrees
from training_scripts.governance.pii_name_lists import ORG_SUFFIXES as _ORG_SUFFIXES
from training_scripts.governance.pii_name_lists import ORG_WORDS as _ORG_WORDS
from training_scripts.governance.pii_regex import RecentSpans, _RegexRecognizer, by_first_letter

PERSON, ADDRESS, MRN, DOB = "PERSON", "STREET_ADDRESS", "MEDICAL_RECORD_NUMBER", "DATE_OF_BIRTH"


# Letters beyond ASCII (Latin-1 and Latin Extended-A cover European names and streets).
UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĢĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽȘȚ"
LOWER = (
    "a-zß-öø-ÿāăąćčďđēėęěğģīįıķĺļľłńņňōőœŕřśşšţťūůűųźżžșț"
    "ơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"  # Vietnamese
)
# McNeil, DeShawn, Smith-Jones, O'Sullivan-Reyes, Min-jun, Łukasiewicz
_NAME = rf"(?:O'|D')?[{UPPER}][{LOWER}]+(?:[{UPPER}][{LOWER}]+)?(?:-[{UPPER}]?[{LOWER}]+)*"
_INITIAL = rf"[{UPPER}]\."
# Joining words inside a name: "de la Fuente", "van den Berg", "Ní Bhriain", "bin Abdullah".
_PARTICLE = (
    r"(?:de|del|de la|de los|de las|da|das|do|dos|di|du|della|van|von|van den|van der|von der|"
    r"ter|ten|le|la|bin|binti|ibn|bint|al|el|Ní|Nic|Ó|Ua|Mac|Mc|i|y|e)"
)
# An initial, optional particles and a surname: "V. Mac Giolla Mháirtín", "B. da Mota".
_INITIAL_FIRST = rf"{_INITIAL}(?:[ ]{_PARTICLE})*[ ]{_NAME}(?:[ ]{_NAME})?"
_FULL = (
    rf"{_NAME}(?:[ ](?:{_INITIAL}|{_NAME}))?(?:[ ]{_PARTICLE})*[ ]{_NAME}"
    rf"(?:(?:[ ]{_PARTICLE})*[ ]{_NAME})?"
)
_CAPS_NAME = rf"[{UPPER}]{{2,}}(?:-[{UPPER}]{{2,}})*"
# Particles in capitals: "DARRAN Ó CONNÚCHÁIN", "DIARMAID MAC THRÉINFHIR", "KAREN DE BOCK".
_CAPS_PARTICLE = r"(?:Ó|NÍ|NIC|UA|MAC|MC|DE|DA|DI|DU|DOS|DEL|LA|LE|VAN|VON|DER|DEN|TER|AL|BIN|EL)"
_CAPS_FULL = rf"{_CAPS_NAME}(?:(?:[ ]{_CAPS_PARTICLE})*[ ]{_CAPS_NAME}){{1,3}}"
_CAPS_RUN = rf"{_CAPS_NAME}(?:[ ]{_CAPS_NAME}){{0,2}}"
_LAST_FIRST = rf"(?:{_NAME}(?:[ ]{_NAME})?,[ ]{_NAME}(?:[ ]{_NAME})?|{_CAPS_RUN},[ ]{_CAPS_RUN})"
# Form and heading labels a name follows after a colon, in any case ("PATIENT:", "Surgeon:").
_NAME_LABELS = (
    r"patient|pt|name|surgeon|assistant|anaesthetist|anesthetist|director|witness|sender|"
    r"signatory|nurse|physician|clinician|doctor|next[ ]of[ ]kin|submitted[ ]by|partner|"
    r"spouse|guardian|carer|interpreter|assignee|prepared[ ]by|approved[ ]by|checked[ ]by|"
    r"verified[ ]by|seen[ ]by"
)
# Abbreviations a capitals run after a label may take in: "PATIENT: OKONKWO CHIDI MRN 4471".
_CAPS_NOT_NAMES = {"MRN", "DOB", "NHS", "ID", "SSN", "DOD", "AGE", "SEX", "HN", "CHI", "UR"}
_RELATIVES = (
    r"wife|husband|son|daughter|mum|mom|mother|father|dad|brother|sister|partner|niece|nephew|"
    r"aunt|uncle|grandson|granddaughter|grandmother|grandfather|twin|fianc[ée]e?|spouse|child|"
    r"stepson|stepdaughter|cousin|friend|carer|neighbour|neighbor|next[ ]of[ ]kin|flatmate|"
    r"housemate|roommate|colleague|boyfriend|girlfriend|grandma|grandpa|guardian"
)
_STOP = r"(?:gp|md|and|or|the|is|was|for|to|at|on|in|of|with|has|had|dob|re|from|by|his|her)"
_LOWER_NAME = rf"(?!{_STOP}\b)[{LOWER}]{{2,}}(?:-[{LOWER}]+)?"
_TITLES = r"Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Nurse|Judge|Justice|Officer|Rev"
_CUES = (
    r"[Pp]atient|[Cc]ustomer|[Cc]lient|[Cc]aller|[Mm]ember|[Rr]epresented by|[Ss]igned by|"
    r"[Ee]xecuted by|[Aa]ttention|[Aa]ttn|[Tt]his is|[Mm]y name is|[Nn]ame|[Pp]laintiff|"
    r"[Dd]efendant|[Tt]enant|[Ll]andlord|[Ee]mployee|[Ee]mployer|[Gg]uarantor|[Bb]orrower|"
    r"[Ll]essee|[Ll]essor|[Ww]itness|[Nn]otary|[Ss]pouse|[Ww]ife|[Hh]usband|[Dd]aughter|[Ss]on|"
    r"[Mm]other|[Ff]ather|[Rr]eferred by|[Ss]een by|[Rr]eviewed by|[Aa]ttending|[Pp]hysician|"
    r"[Cc]ontact|[Aa]gent|[Bb]y|[Ff]rom|[Rr]egards|[Ss]incerely|[Tt]hanks|[Cc]c|[Cc]ounsel|"
    r"[Aa]ttorney|[Pp]arty|[Hh]older|[Aa]ccount holder|[Ss]ubscriber|[Rr]ecipient|[Oo]wner|"
    r"[Rr]eferral for|[Ff]ollow-up for|[Pp]rescribed to|"
    # verbs of meeting someone: "Met with Chukwuemeka Obi", "called Ana Lima"
    r"[Mm]et with|[Ss]poke (?:to|with)|[Cc]alled|[Pp]honed|[Vv]isited|[Ii]nterviewed|"
    # contract parties and chat self-introductions
    r"[Ll]icensee|[Ll]icensor|[Cc]laimant|[Rr]espondent|[Ss]eller|[Bb]uyer|[Vv]endor|"
    r"[Pp]urchaser|[Cc]onsultant|[Cc]ontractor|[Ss]upplier|[Vv]isitor|[Ss]tatement of|"
    r"[Aa]ccount holder is|[Nn]ame on (?:the )?(?:account|booking|card)|I'm|[Ii]m|I am|"
    r"[Ss]peaking to|[Rr]e:|[Cc]hild|[Mm]um|[Mm]e|[Nn]ame|[Ii]"
)
# Human verbs after a sentence-initial full name: "Yevgenia Sokolova was discharged".
_PERSON_VERBS = (
    r"was|is|has|had|reports|reported|denies|denied|presented|presents|attended|asked|called|"
    r"phoned|rang|missed|refused|came|declined|agreed|signed|consented|complained|returned"
)
_GREETINGS = r"Dear|Hi|Hello|Hey|Thanks|Thank you"
# A firm named for its partners, surnames only: "Boyd, Allen and Chase", "Van Hecke, Van Hoof en
# Nuyts" (people listed in a text carry given names: "Ana Lima, Bo Chen and Tim Ray").
_SURNAME = rf"(?:(?:Van|Von|De|Mac|Mc|Ó|O'|Ní|Da|Di|Le|La)[ ]?)?[{UPPER}][{LOWER}'’-]+"
_PARTNER_FIRM = re.compile(
    rf"(?:{_SURNAME},[ ]){{1,3}}{_SURNAME},?[ ](?:and|&|en|y|e|und|et)[ ]{_SURNAME}"
    rf"(?![ ][{UPPER}][{LOWER}])"
)
# Organisation words written before the name: Indonesian legal forms, "Grupa", "Club".
_ORG_BEFORE = re.compile(r"(?:\b(?:PT|CV|UD|Grupa|Club|Despacho|Stichting|Fundación)[ ])$")
# The rest of a capitalised run after the span: "Morgan Stanley| Wealth Tools BV",
# "Hill| and Sons", "Gonzalez| & Young Partners LLP".
_RUN_AFTER = re.compile(
    rf"(?:[ ](?:&[ ]|(?:and|und|en|et|y|e)[ ](?=(?:Sons|Partners|Co|Company|Associates|"
    rf"Brothers|Daughters|Söhne|Zonen|Hijos|Filhos|Figli|Fils)\b))?"
    rf"(?:[{UPPER}][\w.'’/-]*|[a-z]{{1,4}}\.(?:[A-Za-z]{{1,4}}\.)*)){{1,5}}"
)
# Capitalised words that end a cue's phrase without it being a name ("Customer Service").
_NOT_NAME_ENDS = {
    "Service", "Support", "Care", "Services", "Portal", "Number", "Record", "Name", "Team",
    "Department", "Date", "Address", "Email", "Phone", "Section", "Clause", "Law", "Liability",
    "Disease", "Syndrome", "Disorder", "Failure", "Lymphoma", "Cancer", "Fibrillation",
}  # fmt: skip
# ... or start it ("Patient The", "Customer On Monday").
_NOT_NAME_STARTS = {
    "The", "This", "That", "These", "A", "An", "In", "On", "At", "For", "To", "Of", "And", "Or",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "Force", "Limitation", "Governing", "Confidentiality",
    # role words that start a sentence before the name ("Patient Maria Lopez was admitted")
    "Patient", "Customer", "Client", "Caller", "Member", "Tenant", "Landlord", "Employee",
    "Employer", "Plaintiff", "Defendant", "Witness", "Nurse", "Doctor", "Consultant", "Buyer",
    "Seller", "Contractor", "Guarantor", "Borrower", "Spouse", "Agent",
    # titles a greeting takes in ("Dear Dr. Achterberg"): the name is the word after
    "Dr", "Mr", "Mrs", "Ms", "Mx", "Miss", "Prof", "Rev",
}  # fmt: skip


# A title, a label's colon or a relative right before a name: the NER model's label does not
# overrule these ("Dr. Grace Hill", "Patient: Jordan River").
_STRONG_CUE = re.compile(rf"(?:\b(?:{_TITLES})\.?|:|(?i:\b(?:{_RELATIVES})),?)[ ]*$")


# Every full name (_FULL) contains this; text without it (most prose: one capital per
# sentence) skips the patterns that need a full name, the costly cue alternation above all.
# (One capital first, outside the alternation: the regex engine then skips to the capitals.)
_TWO_CAPITALISED = re.compile(
    rf"[{UPPER}](?:[{LOWER}]+:?[ ](?:[{UPPER}]\.[ ])?(?:{_PARTICLE}[ ])*(?:O')?[{UPPER}][{LOWER}]"
    rf"|[{UPPER}][ ,]+[{UPPER}]{{2}})"
)


# More than a block of texts: `pii.PiiEngine.prefetch` reads a block's cued names (to choose
# the NER windows) before `detect` reads them again.
RECENT_NAMES = RecentSpans(max_chars=1_000_000)


class PersonNameRecognizer(_RegexRecognizer):
    """Names after a title, a role cue, a relationship word or a greeting, in an agent tag, a
    sign-off or a quoted nickname; 2-4 capitalised words (1 after a title or in a tag)."""

    ENTITY = PERSON
    # Above the NER model's 0.85: where both find the same span, Presidio's duplicate removal
    # keeps the higher score; with equal scores its pick followed the hash seed, and a NER span
    # the filters then dropped took the pattern's finding with it.
    SCORE = 0.86
    SINGLE_NAME_PATTERNS = (
        re.compile(rf"\b(?:{_TITLES})\.?[ ]((?:{_PARTICLE}[ ])*(?:{_FULL}|{_NAME}))(?![\w])"),
        # nursing grades, clergy and ranks before a full name ("RN Emeka Chukwudi"), not before
        # one word, which is as often a heading ("RN Assessment", "Sgt Review")
        re.compile(rf"\b(?:RN|RGN|RMN|Cllr|Capt|Sgt|Rabbi|Imam|Pastor)\.?[ ]({_FULL})(?![\w])"),
        # lower-case title and name in chats and quick notes: "dr. mensah", "mr nguyen van thanh",
        # "ms. Ndabandaba"
        re.compile(
            rf"\b(?:dr|mr|mrs|ms|mx|prof)\.?[ ]({_LOWER_NAME}(?:[ ]{_LOWER_NAME}){{0,2}}|{_NAME})"
            rf"(?![\w'’-])"
        ),
        re.compile(rf"(?:^|[.!?\n]\s*)(?:{_GREETINGS})[ ,]+({_FULL}|{_NAME})\b"),
        # a lone given name after a relationship word: "her husband Min-jun", "Mum, Chiamaka"
        # ... or an initial and surname there or after a self-introduction: "daughter, M. Startek"
        re.compile(rf"(?i:\b(?:{_RELATIVES})\b),?[ ]((?-i:{_FULL}|{_NAME}))(?![\w])"),
        re.compile(
            rf"(?i:\b(?:{_RELATIVES}|it['’]?s|this[ ]is|i['’]?m))\b,?[ ]((?-i:{_INITIAL_FIRST}))"
            rf"(?![\w])"
        ),
        # agent tags: "Agent (Priya):", "[Agent Tomás]", "Agent Lukas:", "Support (Aroha):", also
        # after a chat timestamp ("[10:03] Agent Priyanka:")
        re.compile(
            rf"(?:^|\[|\][ ]?)(?:Agent|Support|Advisor|Adviser|Rep|Operator|Specialist)[ ]?"
            rf"(?:\(({_NAME})\)|({_NAME})(?=\]|:))",
            re.MULTILINE,
        ),
        # a sign-off line and the name under it: "Kind regards,\nSipho"
        re.compile(
            rf"(?i:regards|thanks|thank[ ]you|cheers|best|sincerely|wishes|warmly|respectfully)"
            rf"[,.!]?[ ]*\n"
            rf"[ ]*((?-i:{_FULL}|{_NAME}))[ ]*(?:\n|$)"
        ),
        # a quoted nickname: 'Bobby' (Robert Tran), Bartholomew "Bart" De Smedt
        re.compile(rf"({_NAME}[ ][\"“'‘]{_NAME}[\"”'’](?:[ ]{_PARTICLE})*[ ]{_NAME})"),
        re.compile(rf"[\"“'‘]({_NAME})[\"”'’][ ]\("),
        # "Last, First" after a patient/name label: "PATIENT: OKONKWO, CHIDIEBERE"
        re.compile(rf"(?i:\b(?:patient|name|client|customer|caller))[ ]?:[ ]*({_LAST_FIRST})"),
        # "Last, First" after a self-introduction: "its Ogbuehi, Kosisochukwu"
        # ... ending the line or sentence ("I'm Ana Lima, Analyst at X" is no "Last, First")
        re.compile(
            rf"(?i:\b(?:it['’]?s|this[ ]is|name[ ]is|i['’]m|i[ ]am))[ ]({_LAST_FIRST})"
            rf"(?=[ ]*(?:\n|$|[.!?]))"
        ),
        # a one-name sign-off at the end of a line: "Cheers, Segun", "Regards, Tomás"
        re.compile(
            rf"(?i:regards|thanks|thank[ ]you|cheers|best|sincerely),[ ]((?-i:{_NAME}))[.!]?[ ]*"
            rf"(?:\n|$)"
        ),
    )
    PATTERNS = (
        *SINGLE_NAME_PATTERNS,
        re.compile(
            rf"\b(?:{by_first_letter(_CUES)})\b[:,]?[ ]+({_FULL}|{_INITIAL_FIRST}|{_CAPS_FULL})"
            rf"(?![\w])"
        ),
        # a letter's subject line: "Re: Tomasz Wiśniewski, DOB ...", "RE: JOHN SMITH (b. 1961)";
        # only where a field ends or a birth or record cue follows ("Re: Payment Terms" is none)
        re.compile(
            rf"(?i:\bre)[ ]?:[ ]*((?-i:{_FULL}|{_CAPS_FULL}))(?=[ ]*(?:,|\(|\n|$|[ ](?i:dob\b|"
            rf"d\.o\.b|born|b\.|nhs|mrn|date[ ]of[ ]birth)))"
        ),
        # after a form or heading label, in any case: "PATIENT: NGUYEN THI HOA", "Surgeon: Ayşe"
        re.compile(
            rf"(?i:\b(?:{_NAME_LABELS}))[ ]?:[ ]*"
            rf"((?-i:{_FULL}|{_INITIAL_FIRST}|{_CAPS_FULL}))(?![\w])"
        ),
        re.compile(rf"(?:^|\n)\s*(?:--|—)?\s*({_FULL})\s*$", re.MULTILINE),  # signature line
        re.compile(rf"(?:^|[.!?;]\s+)({_FULL})[ ](?:{_PERSON_VERBS})\b", re.MULTILINE),
        # Contract parties: "between Northwind Traders and Amy Williams" (organisations skipped).
        re.compile(rf"\b[Bb]etween[ ]({_FULL})[ ]and\b"),
        re.compile(rf"\b[Bb]etween[ ][^,;\n]{{1,60}}?[ ]and[ ]({_FULL})\b"),
    )

    def patterns_for(self, text: str) -> tuple[re.Pattern[str], ...]:
        return self.PATTERNS if _TWO_CAPITALISED.search(text) else self.SINGLE_NAME_PATTERNS

    def spans(self, text: str) -> list[tuple[int, int]]:
        """... remembered for the texts seen last: the NER engine asks for a text's cued names
        when it picks the windows to read (`pii_ner`), and the analyzer asks again later."""
        key = (type(self), text)
        known = RECENT_NAMES.get(key)
        if known is None:
            known = tuple(super().spans(text))
            RECENT_NAMES.add(key, known)
        return list(known)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """... less the spans a weak cue found ("from Port Talbot", "Microsoft Teams is") that
        the NER model calls an organisation or place (`pii_name_cues.ner_disagrees`)."""
        results = super().analyze(text, entities, nlp_artifacts)
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        if not isinstance(doc, Doc):
            return results
        return [
            r
            for r in results
            if self.strongly_cued(text, r) or not ner_disagrees(doc, text, r.start, r.end)
        ]

    @staticmethod
    def strongly_cued(text: str, result: RecognizerResult) -> bool:
        """A title, a label's colon or a relative word before the name: no NER label overrules."""
        return _STRONG_CUE.search(text, max(0, result.start - 30), result.start) is not None

    def accept(self, match: re.Match[str]) -> tuple[int, int] | None:
        group = 1 if match.group(1) is not None or match.re.groups < 2 else 2
        start, end = match.span(group)
        words = match.group(group).split(" ")
        if words[-1] in _NOT_NAME_ENDS or is_organisation(words, match.string[end:]):
            return None
        while words and words[0] in _NOT_NAME_STARTS:
            start += len(words.pop(0)) + 1
        # ... nor ends in an abbreviation or, in lower case, an English word ("ms. adebayo not")
        while words and (words[-1] in _CAPS_NOT_NAMES or words[-1] in STOP_WORDS):
            end -= len(words.pop()) + 1
        if not words:
            return None
        return start, end


def in_organisation(text: str, start: int, end: int) -> bool:
    """The span at text[start:end] is part of a company name: a trade word or legal form in the
    capitalised run it starts ("Morgan Stanley Wealth Tools BV", "Hill and Sons") or an
    organisation word before it ("PT Yuliarti")."""
    if _ORG_BEFORE.search(text[max(0, start - 12) : start]):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    for firm in _PARTNER_FIRM.finditer(text, line_start, min(len(text), end + 60)):
        before = text[line_start : firm.start()].split()
        given_name_first = bool(before) and before[-1][:1].isupper() and before[-1][-1].isalpha()
        if firm.start() <= start and end <= firm.end() and not given_name_first:
            return True
    run = _RUN_AFTER.match(text, end)
    words = text[start : run.end() if run else end].replace(",", " ").split()
    return any(w.rstrip(".").replace(".", "") in _ORG_WORDS for w in words)


def is_organisation(words: list[str], after: str) -> bool:
    """A trade word in the span ("Blue Ocean Freight") or a legal suffix after it ("Acme Ltd")."""
    following = _NEXT_WORD.match(after)
    return any(w in _ORG_WORDS for w in words) or (
        following is not None and following.group(1).replace(".", "") in _ORG_SUFFIXES
    )


_NEXT_WORD = re.compile(r",?[ ]([A-Za-z][A-Za-z.]*)")
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Ter|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl|"
    # British street types (Royal Mail's PAF thoroughfare descriptors, the common ones)
    r"Grove|Close|Crescent|Cres|Gardens|Gdns|Row|Mews|Parade|Walk|Rise|Hill|Green|Vale|Quay|"
    r"Wharf|Gate|Heights"
)
SSN = "US_SSN"
# "SSN on file", "social security no.", "taxpayer number": the number near it is an SSN.
_SSN_CUE = re.compile(
    r"(?i:\b(?:ssn|ss\#|soc(?:ial)?\.?[ ]sec(?:urity)?|social[ ]security|taxpayer|tax[ ]id|"
    r"tin|national[ ]id|ssa)\b)"
)
# A number named as something else right before it: "Order 482193756", "Lot 223-45-6789".
NOT_A_PERSONAL_NUMBER = re.compile(
    r"(?i:\b(?:order|invoice|inv|tracking|routing|aba|account|acct|policy|claim|sku|part|lot|"
    r"batch|serial|model|ref|reference|case|ticket|po|ndc|isbn|item|product|confirmation|"
    r"booking|reservation|transaction|receipt|shipment|container|contract|npi|dea|licen[cs]e|"
    r"registration|vin|imei|iban|upc|ean|gtin|catalog(?:ue)?|job|project|tender|bid|check|"
    r"cheque|fax|tel|telephone|phone|mobile|cell|zip|postcode)"
    r"(?:[ ](?:no\.?|nos?\.|number|num|\#|id|code|ref))?[ ]?[:#]?[ ]?)$"
)
_NINE_DIGITS = re.compile(r"(?<![\w$£€.,/#-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w/-]|[.,]\d)")


def ssa_valid(area: str, group: str, serial: str) -> bool:
    """SSA's rules: area not 000, 666 or 900-999; group not 00; serial not 0000 (and no
    placeholder such as 111-11-1111 or 123-45-6789)."""
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return len(set(area + group + serial)) > 1 and area + group + serial != "123456789"


class SsnRecognizer(_RegexRecognizer):
    """US SSNs as 3-2-4 digits with dashes, spaces or none, valid by SSA's rules. Scored by
    context: a cue ("SSN", "social security") before it makes it certain, a number named as
    something else ("Order", "Policy number") rules it out, and a bare 9-digit run with neither
    still counts (a clinical or legal note rarely holds other 9-digit numbers)."""

    ENTITY = SSN
    CUE_SCORE, FORMATTED_SCORE, BARE_SCORE = 0.9, 0.6, 0.45
    CUE_WINDOW = 40  # characters before the number searched for a cue

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in _NINE_DIGITS.finditer(text):
            area, separator, group, serial = match.groups()
            before = text[max(0, match.start() - self.CUE_WINDOW) : match.start()]
            if not ssa_valid(area, group, serial) or NOT_A_PERSONAL_NUMBER.search(before):
                continue
            score = (
                self.CUE_SCORE
                if _SSN_CUE.search(before)
                else self.FORMATTED_SCORE
                if separator
                else self.BARE_SCORE
            )
            results.append(RecognizerResult(SSN, match.start(), match.end(), score))
        return results


CUSTOM_RECOGNIZERS = (
    SsnRecognizer,
    PersonNameRecognizer,
)
