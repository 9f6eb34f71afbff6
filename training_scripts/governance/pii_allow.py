"""What PII detection must leave alone, and which finding wins where two overlap.

Over-redaction costs training value: a contract whose defined terms ("the Seller", "the
Licensee") are replaced, a chat whose speaker labels ("Caller:") are gone, a note whose clinical
signs lose their eponym. The NER model and the name patterns take such capitalised words for
names; this module's allow list (Presidio's `allow_list` idea: words never reported) and the
registration-number labels undo that, applied to every finding whichever recognizer made it.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult

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
        "finance claims account accounts customer service"
    )
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def is_not_a_name(span: str) -> bool:
    """True when every word of `span` is on the allow list ("Guten Tag", "Licensee")."""
    words = _WORD.findall(span)
    return bool(words) and all(w.casefold() in NOT_NAMES for w in words)


# A number a company or tax register issued (not a phone): "Company No. 08451230", "KvK
# 34125678", "HRB 98765", "VAT number GB 123 4567 89", "company reg. 09876543".
NOT_A_PHONE = re.compile(
    r"(?i:\b(?:company|companies[ ]house|reg(?:istration|istered)?|registry|kvk|hrb|hra|"
    r"vat|gst|cin|crn|che|uen|abn|acn|ein|siren|siret|nif|cif|nip|regon|krs|order|invoice|"
    r"policy|claim|ticket|reference|ref|booking|contract|case|account|acct|sku|lot|batch|"
    r"serial|tracking|routing|iban|isbn|ndc|npi|dea|vin|imei)"
    r"\.?(?:[ ](?:no\.?|nos?\.|number|num|\#|id|code|ref))?[ ]?(?:is[ ])?[:#]?[ ]?(?:[A-Z]{2}[ ]?)?)$"
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
