"""What PII detection must leave alone, and which finding wins where two overlap.

Over-redaction costs training value: a contract whose defined terms ("the Seller", "the
Licensee") are replaced, a chat whose speaker labels ("Caller:") are gone, a note whose clinical
signs lose their eponym. The NER model and the name patterns take such capitalised words for
names; this module's allow list (Presidio's `allow_list` idea: words never reported) and the
registration-number labels undo that, applied to every finding whichever recognizer made it.
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import functools
import re

from presidio_analyzer import RecognizerResult

from training_scripts.governance import pattern_screen
from training_scripts.governance.pii_addresses import STREET_AFTER, STREET_BEFORE
from training_scripts.governance.pii_dates import DATE  # "03.03.2025" fits some phone plans
from training_scripts.governance.pii_name_lists import fold, job_words, name_lists
from training_scripts.governance.pii_names import GAZETTEER_RECOGNIZER
from training_scripts.governance.pii_ner import NER_RECOGNIZER
from training_scripts.governance.pii_recognizers import (
    ADDRESS,
    PERSON,
    PersonNameRecognizer,
    in_organisation,
)

# Defined terms, roles, speaker and form labels, greetings, relationship words and job-title
# words: a PERSON finding made only of these (case-insensitive) is no name.
NOT_NAMES = frozenset(
    str.split(
        # contract parties and defined terms
        "seller buyer vendor purchaser supplier customer client contractor subcontractor "
        "consultant licensor licensee lessor lessee landlord tenant guarantor borrower lender "
        "claimant respondent defendant plaintiff appellant applicant employer employee agent "
        "principal party parties company provider recipient disclosing receiving discloser "
        "assignee assignor trustee beneficiary grantor grantee mortgagor mortgagee insurer "
        "insured policyholder member partner partners director directors officer witness "
        "notary attorney counsel escrow arbitrator mediator executor administrator "
        # clause headings
        "agreement schedule annex appendix exhibit clause section recitals definitions term "
        "termination payment fees indemnity indemnification warranties warranty liability "
        "limitation confidentiality notices force majeure governing law jurisdiction "
        "non-compete exclusivity assignment severability waiver default events "
        # chat speakers and form labels
        "caller agent customer visitor user bot support system supervisor operator advisor "
        "representative rep me you email e-mail tel telephone phone mobile fax address name "
        "subject date dob mrn ref reference ticket order account iban swift bic postcode zip "
        "patient mother father mum mom dad son daughter wife husband partner child baby "
        "sister brother spouse guardian carer next kin "
        # greetings and sign-offs in several languages
        "hi hello hey dear hola bonjour salut merci danke guten tag ciao grazie konnichiwa "
        "arigato salam shukran namaste kia ora gracias obrigado obrigada hallo hej tack ahoj "
        "dziękuję dzień dobry buongiorno buenos días thanks regards cheers best sincerely "
        # job-title words
        "manager director head lead senior junior chief officer specialist registrar "
        "consultant nurse doctor physician surgeon therapist engineer analyst handler "
        "adjuster coordinator assistant associate executive president vice secretary "
        "treasurer clerk technician team success operations billing network procurement "
        "finance claims account accounts customer service directeur directrice général "
        "générale geschäftsführer gerente "
        # form words and greetings seen taken for names in the tuning sets
        "salary здравствуйте "
        # care and office roles before a name ("Pharmacist Beatriz", "Neighbour Tunde"), note
        # and document headings ("Physio note", "LICENCE AGREEMENT", "Key Personnel")
        "pharmacist physio physiotherapist midwife paramedic dietitian radiographer "
        "receptionist interpreter neighbour neighbor teacher pupil student solicitor solicitors "
        "architect accountant auditor reporter assignee personnel staff key note notes licence "
        "license lease tenancy guarantee deed"
    )
)
# Firms named after people that the NER model and the name lists take for a person: Presidio's
# allow-list idea applied to the whole name ("Morgan Stanley support", "Dr. Martens").
EPONYMOUS_FIRMS = (
    "Morgan Stanley", "Goldman Sachs", "Charles Schwab", "Wells Fargo", "Johnson Controls",
    "Johnson & Johnson", "Philip Morris", "Baker McKenzie", "Ernst & Young", "Marks & Spencer",
    "Dr. Martens", "Harley-Davidson", "Procter & Gamble", "Merrill Lynch", "Lehman Brothers",
    "Dow Jones", "Estée Lauder", "Ralph Lauren", "Calvin Klein", "Tommy Hilfiger", "Hugo Boss",
    "Louis Vuitton", "Christian Dior", "Giorgio Armani", "Ben & Jerry's", "Mary Kay",
    "Jack Daniel's", "John Lewis", "Fortnum & Mason", "Abercrombie & Fitch", "Eli Lilly",
    "Bristol-Myers Squibb", "Thomson Reuters", "Dolce & Gabbana", "Baker Hughes", "Booz Allen",
    "Allen & Overy", "Clifford Chance", "Herbert Smith Freehills", "Slaughter and May",
    "Davis Polk", "Sullivan & Cromwell", "Kirkland & Ellis", "Latham & Watkins",
    "Edward Jones", "Raymond James", "Levi Strauss", "Walt Disney", "Charles River",
    "Jones Lang LaSalle", "Cushman & Wakefield", "Knight Frank", "Stanley Black & Decker",
    "Kimberly-Clark", "Colgate-Palmolive", "Boehringer Ingelheim", "Thermo Fisher",
    "Becton Dickinson", "Johnson Matthey", "Marsh McLennan", "Arthur D. Little", "Sherwin-Williams",
)  # fmt: skip
_FIRM = re.compile("|".join(rf"\b{re.escape(firm)}(?![\w-])" for firm in EPONYMOUS_FIRMS))
_FIRMS = (_FIRM,)  # judged by its screen: most texts hold no firm's name


def _may_name_a_firm(text: str) -> bool:
    return pattern_screen.may_match_each(_FIRMS, pattern_screen.fold(text))[0]


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


# More of the same kinds, from common contract, chat and greeting vocabulary rather than from the
# tuning sets; a word some locale also lists as a given name or surname ("Dag", "Salve") is left
# out (`_allow_words`), since trimming it off a name's edge would leave part of a name behind.
MORE_NOT_NAMES = frozenset(
    str.split(
        # defined terms of finance, data, shipping, franchise and corporate contracts
        "obligor obligee surety pledgor pledgee chargor chargee indemnitee indemnitor transferor "
        "transferee consignor consignee shipper charterer franchisor franchisee distributor "
        "reseller licensor manufacturer issuer arranger shareholder shareholders investor "
        "subscriber sponsor controller processor sub-processor subprocessor affiliate "
        "subsidiary holdco bidco seller's buyer's discloser's recipient's counterparty "
        # clause headings
        "entire counterparts assurance interpretation whereas recitals survival variation "
        "announcements set-off arbitration remedies representations covenants precedent "
        "completion consideration delivery acceptance publicity non-solicitation "
        "subcontracting relationship damages liquidated deliverables milestones "
        # chat and ticket speaker labels
        "host moderator chatbot assistant guest requester requestor participant tech helpdesk "
        "kunde kundin mitarbeiter mitarbeiterin cliente agente klant medewerker "
        # greetings and thanks in other languages
        "olá bom dia boa tarde noite buenas tardes noches bonsoir coucou servus grüß gott hoi "
        "goedemorgen goedemiddag goedenavond hallå tervehdys merhaba teşekkürler selam "
        "marhaba ahlan shalom todah sawubona jambo habari asante xin chào cảm ơn annyeong "
        "annyeonghaseyo kamsahamnida vanakkam dhanyavaad szia köszönöm prego aloha mahalo "
        "sveiki labas zdravo dobar hvala dobrý děkuji witam cześć dobrý"
    )
)


@functools.cache
def _allow_words() -> frozenset[str]:
    first, last = name_lists()
    return NOT_NAMES | frozenset(
        w for w in MORE_NOT_NAMES if fold(w) not in first and fold(w) not in last
    )


def is_not_a_name(span: str) -> bool:
    """True when every word of `span` is on the allow list ("Guten Tag", "Licensee") or in a
    job title Faker lists ("Actuary", "Senior Buyer")."""
    words = _WORD.findall(span)
    allowed = _allow_words()
    return bool(words) and all(w.casefold() in allowed or fold(w) in job_words() for w in words)


# A number a company or tax register issued (not a phone): "Company No. 08451230", "KvK
# 34125678", "HRB 98765", "VAT number GB 123 4567 89", "company reg. 09876543".
NOT_A_PHONE = re.compile(
    r"(?i:\b(?:company|companies[ ]house|reg(?:istration|istered)?|registry|kvk|hrb|hra|"
    r"vat|gst|cin|crn|che|uen|abn|acn|ein|siren|siret|nif|cif|nip|regon|krs|order|invoice|"
    r"policy|claim|ticket|reference|ref|booking|contract|case|account|acct|sku|lot|batch|"
    r"serial|tracking|routing|iban|isbn|ndc|npi|dea|vin|imei|org|organisation|fn|enterprise)"
    r"\.?(?:[ ](?:no\.?|nos?\.|nr\.?|number|num|\#|id|code|ref))?[ ]?(?:is[ ])?[:#]?[ ]?"
    r"(?:[A-Z]{2}[ ]?)?)$"
)
# Where two findings overlap, the more specific kind wins (an IBAN's digits are no phone number,
# a street name is no person).
PRIORITY = (
    "EMAIL_ADDRESS", "IBAN_CODE", "IP_ADDRESS", "CREDIT_CARD", "US_SSN",
    "MEDICAL_RECORD_NUMBER", "DATE_OF_BIRTH", "STREET_ADDRESS", "PHONE_NUMBER", "PERSON",
)  # fmt: skip


def overruled(result: RecognizerResult, results: list[RecognizerResult]) -> bool:
    """True when a finding of a more specific kind overlaps `result`."""
    rank = PRIORITY.index(result.entity_type) if result.entity_type in PRIORITY else len(PRIORITY)
    return any(
        other.entity_type != result.entity_type
        and other.entity_type in PRIORITY[:rank]
        and other.start < result.end
        and result.start < other.end
        for other in results
    )


# 3-2-4 digits is the SSN layout and no phone numbering plan's: an SSN, or an ID of another kind.
_SSN_LAYOUT = re.compile(r"\d{3}-\d{2}-\d{4}")
_LEADING_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*[\s,:;.]*")


def resolve(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """A 9-digit run that is an SSN by context is not also a phone number, nor is a number in
    SSN layout or one a register issued ("Company No. 08451230"); where two findings overlap the
    more specific kind wins (pii_allow.PRIORITY); where the NER model and a pattern both found a
    name, the pattern's span is the precise one (NER's may take in the cue, as in "Patient Maria
    Lopez"); a name made only of allow-listed words ("Licensee", "Guten Tag") is dropped and
    such words at its edges are trimmed."""
    ssns = [(r.start, r.end) for r in results if r.entity_type == "US_SSN"]
    patterns = [r for r in results if r.entity_type == PERSON and _recognizer(r) != NER_RECOGNIZER]
    kept = []
    for r in results:
        if r.entity_type == "PHONE_NUMBER" and (
            (r.start, r.end) in ssns
            or _SSN_LAYOUT.fullmatch(text[r.start : r.end])
            or DATE.fullmatch(text, r.start, r.end)
            or NOT_A_PHONE.search(text[max(0, r.start - 40) : r.start])
        ):
            continue
        if r.entity_type == PERSON:
            _trim_before_specific(text, r, results)
        if overruled(r, results):
            continue
        if _recognizer(r) == NER_RECOGNIZER and any(
            p.start < r.end and r.start < p.end for p in patterns
        ):
            continue
        if r.entity_type == PERSON and (
            not _trim_allowed(text, r)
            or names_a_place_or_company(text, r)
            or _names_a_building(text, r)
            or _names_a_saints_place(text, r)
            or _city_after_street(text, r, results)
        ):
            continue
        kept.append(r)
    return kept


# "the Surveyor", "the Accountant": one capitalised word after an article is a role, not a name.
_ARTICLE_BEFORE = re.compile(r"(?i:\b(?:the|a|an|our|your|their)[ ])$")


def names_a_place_or_company(text: str, result: RecognizerResult) -> bool:
    """A person's name inside a street or company name ("Nicholas Divide", "Calle de Ana Ruiz",
    "Morgan Stanley Wealth Tools BV", "Hill and Sons")."""
    words = text[result.start : result.end].split()
    if len(words) == 1 and _ARTICLE_BEFORE.search(text[max(0, result.start - 6) : result.start]):
        return True
    if _may_name_a_firm(text) and any(
        f.start() < result.end and result.start < f.end() for f in _FIRM.finditer(text)
    ):
        return True
    if len(words) > 1 and (
        STREET_AFTER.fullmatch(" " + words[-1]) or _street_first(text, result.end, words[0])
    ):
        return True
    return (
        STREET_AFTER.match(text, result.end) is not None
        or STREET_BEFORE.search(text[max(0, result.start - 30) : result.start]) is not None
        or in_organisation(text, result.start, result.end)
    )


# Institutions and buildings named like people: "booked at Royal Darwin", "via Royal Mail", "the
# ground floor of Lincoln House". Judged only where no cue named a person (the NER model, the
# name gazetteer): "Mr Royal Jenkins" is one. "House", "Hall", "Court" are surnames too ("pass
# this to Jo House"), so a building word makes a building only after a word of being inside.
_UNCUED = frozenset({NER_RECOGNIZER, GAZETTEER_RECOGNIZER})
_INSTITUTION = re.compile(r"Royal[ ][A-Z]")
_BUILDING_END = re.compile(
    r"[ ](?:House|Tower|Chambers|Court|Hall|Lodge|Building|Mansions|Centre|Center|Plaza|Wharf)$"
)
_INSIDE_BEFORE = re.compile(r"(?i:\b(?:at|in|into|inside|floors?[ ]of|level[ ]\d+[ ]of)[ ])$")


def _names_a_building(text: str, result: RecognizerResult) -> bool:
    if _recognizer(result) not in _UNCUED:
        return False
    span = text[result.start : result.end]
    if _INSTITUTION.match(span):
        return True
    before = text[max(0, result.start - 20) : result.start]
    return _BUILDING_END.search(span) is not None and _INSIDE_BEFORE.search(before) is not None


# A saint's name with a possessive is a hospital, church or school ("from St Mary's Hospital",
# "at St George's"), unless a title or a label before it names a person ("Ms St John's car").
_SAINT = re.compile(r"(?:St\.?|Saint)[ ][A-Z][\w-]*")
_POSSESSIVE_AFTER = re.compile(r"['’]s?(?!\w)")


def _names_a_saints_place(text: str, result: RecognizerResult) -> bool:
    return (
        _SAINT.fullmatch(text, result.start, result.end) is not None
        and _POSSESSIVE_AFTER.match(text, result.end) is not None
        and not PersonNameRecognizer.strongly_cued(text, result)
    )


# "R. Augusta 112" is a street (Portuguese "Rua"), "R. Balasubramanian" a person: a one-letter
# street abbreviation counts only when a house number follows the name.
_INITIAL_WORD = re.compile(r"[^\W\d_]\.")
_NUMBER_AFTER = re.compile(r",?[ ]?\d")


def _street_first(text: str, end: int, first: str) -> bool:
    if STREET_BEFORE.search(first + " ") is None:
        return False
    return not _INITIAL_WORD.fullmatch(first) or _NUMBER_AFTER.match(text, end) is not None


def _trim_before_specific(
    text: str, result: RecognizerResult, results: list[RecognizerResult]
) -> None:
    """A name pattern that ran on into the street line after it ("Magnus Lundgren, Skoltorget"
    with "Skoltorget 60" found as a street) keeps the part before the street, not nothing."""
    starts = [
        o.start
        for o in results
        if o.entity_type != PERSON and result.start < o.start < result.end and o.end > result.end
    ]
    if starts:
        result.end = result.start + len(text[result.start : min(starts)].rstrip(" ,;:\n"))


# Between a street line and its town: a comma and an optional postcode ("1100-053", "M1 5AN").
_STREET_TO_TOWN = re.compile(r",?[ ](?:(?:[A-Z]{1,2}-?)?\d[\dA-Z-]{1,7}[ ](?:[\dA-Z]{2,3}[ ])?)?")


def _city_after_street(
    text: str, result: RecognizerResult, results: list[RecognizerResult]
) -> bool:
    """A name right after a street line and its postcode is the town ("Kaiserstraße 17a, 60311
    Frankfurt", "58 Oxford Street, Manchester"), which the NER model often calls a person."""
    return any(
        other.entity_type == ADDRESS
        and other.end <= result.start
        and _STREET_TO_TOWN.fullmatch(text, other.end, result.start) is not None
        for other in results
    )


def _trim_allowed(text: str, result: RecognizerResult) -> bool:
    """Trim allow-listed words off a name's edges; False when nothing of the name is left."""
    span = text[result.start : result.end]
    if is_not_a_name(span):
        return False
    while (word := _LEADING_WORD.match(text, result.start)) and word.end() < result.end:
        if not is_not_a_name(word.group()):
            break
        result.start = word.end()
    words = list(_LEADING_WORD.finditer(text[result.start : result.end]))
    while len(words) > 1 and is_not_a_name(words[-1].group()):
        words.pop()
        last = words[-1]  # offsets are within the span: "Charles Schwab\nTel" ends at "Schwab"
        result.end = result.start + last.start() + len(last.group().rstrip(" ,:;.\n\t"))
    return result.end > result.start


def _recognizer(result: RecognizerResult) -> str:
    return (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, "")
