"""The grammar of a medical record number: the labels hospitals write before one, the shapes the
number takes, and what may stand between them. Used by the recognizers that find one beside its
label (`pii_identifiers.py`) and away from it (`pii_record_answers.py`)."""

from __future__ import annotations

import re

from training_scripts.governance.pii_regex import by_first_letter

# Cheap signs (substrings of the lower-cased text) that a record-number label may be present:
# every label holds an identifier word, or is a number's own name (or a "UR" column header).
RECORD_SIGNS = (
    "id", "no", "nr", "num", "#", "ref", "code", "nº", "n°", "mrn", "mr#", "ur", "nhi", "ohip",
    "phn", "ihi", "nhc", "medicare", "health card", "health insur", "ipp", "abha", "nosologico",
    "processo", "dossier", "historia", "cartella", "expediente", "utente", "tarjeta", "núm",
    "codice", "prontu", "ficha", "krankenblatt",
)  # fmt: skip

# A record-number label is a grammar, not a list of one set's labels: whose record it is (the
# patient's, the hospital's, a chart, a client's, a member's ...) and an identifier word (ID,
# number, no., nr., nº, #, ref, nummer), in either order ("n.º processo", "número de historia",
# "cartella clinica n.", "nr historii choroby"), or fused as German, Dutch, Nordic and Finnish
# write it ("Patientennummer", "patiëntnummer", "Journalnr.", "potilasnumero"); plus the
# national health numbers known by their own name (New Zealand's NHI, Ontario's OHIP health
# card, Australia's Medicare number and UR/URN, Spain's NHC) and a one-letter series
# ("K-number"). Order, invoice, case and policy numbers have no record word, so they are never
# taken.
_RECORD_WHOSE = (
    "patient(?:en)?", "patiënt", "paciente", "paziente", "pasient", r"pat\.?", r"pt\.?",
    "hospital", r"hosp\.?", "chart", "unit", "client", "member", "maternity", "service[ ]user",
    "health", "MR", "EPR", "PAS", "case[ ]?note", "health[ ]record", "medical[ ]record",
    "clinical[ ]record", r"med\.?[ ]?rec\.?", "record", "NHS", "CHI", "MRD", "UR", "URN", "EMR",
    "EHR", "clinic", "health[ ](?:card|insurance)", "medicare(?:[ ]card)?", "OHIP", "NHI",
    # inpatient/outpatient and admission numbers; health-plan member numbers (US); Portugal's
    # utente, Spain's health card
    "inpatient", "outpatient", "admission", "beneficiary", "subscriber", "medicaid", "insurance",
    "utente", "tarjeta[ ]sanitaria",
)  # fmt: skip
_RECORD_ID = r"identifier|id|number|num|no\.?|nr\.?|n\.?[º°]|\#|ref(?:erence)?|code"
_RECORD_FILE = (
    "utente", "processo", "dossier", "historia(?:[ ]cl[ií]nica)?", "cartella(?:[ ]clinica)?",
    "expediente", "historii[ ]choroby",
)  # fmt: skip
# A record's file named alone, the number right after it ("Historia clínica: 4471902").
_RECORD_FILE_ALONE = (
    "historia[ ]cl[ií]nica", "ficha[ ]cl[ií]nica", "prontu[áa]rio", "cartella[ ]clinica",
    "dossier[ ](?:patient|m[ée]dical)", r"krankenblatt(?:nummer|nr\.?)?",
)  # fmt: skip
# The identifier word first, then whose ("ID paziente", "numéro de patient", "n° patient") or
# which file ("n.º processo", "número de historia", "nr historii choroby").
_ID_FIRST = ("id", "codice", "code", r"n\.?[º°]", "número", "numéro", "numero", "nummer", r"nr\.?")
_WHOSE_AFTER = r"patient|patiente|paziente|paciente|patiënt|pasient|potilas"
_FILE_AFTER = "|".join(_RECORD_FILE)
# The words a fused label starts with (whose record) and ends with (the identifier word).
_FUSED_WHOSE = (
    "patient(?:en)?", "patiënt(?:en)?", "krankenhaus", "klinik", "ziekenhuis", "versicherten",
    "aufnahme", "journal", "potilas",
)  # fmt: skip
_FUSED_ID = r"nummer|numero|nro\.?|nr\.?"
# Labels known by their own name.
_OWN_NAME = (
    "MRN", r"MR\#", "medical[ ]record", "NHI", "OHIP", "PHN", "IHI", "NHC", "medicare",
    "health[ ](?:card|insurance)", "UHID", "IPP", "ABHA", "nosologico",
)  # fmt: skip
# Every label as one alternative that starts with a letter, regrouped by first letter
# (`by_first_letter`): at each word the regex engine tries the few labels that start with its
# letter, not all of them (the label is searched for at every word of a note).
_LABELS = by_first_letter(
    "|".join(
        [
            *(rf"{w}(?:['’]s)?[ -]?(?:{_RECORD_ID})" for w in _RECORD_WHOSE),
            *(rf"{w}(?:{_FUSED_ID})" for w in _FUSED_WHOSE),
            *(rf"{w}[ ](?:(?:de|du|di|do|da)[ ])?(?:{_FILE_AFTER})" for w in _ID_FIRST),
            *(rf"{w}[ ](?:n\.?[º°]|n\.|nr\.?|no\.?)" for w in _RECORD_FILE),
            *_RECORD_FILE_ALONE,
            *(
                rf"{w}[ ](?:(?:de|du|di|do|da|del|della|dello)[ ])?(?:l['’]|le[ ]|la[ ]|el[ ])?"
                rf"(?:{_WHOSE_AFTER})"
                for w in _ID_FIRST
            ),
            *_OWN_NAME,
        ]
    )
)
RECORD_LABEL = (
    rf"(?:(?i:\b(?:{_LABELS})(?![\w]))|\b(?:[A-Z]-number|URN?|PID)\b|\bMRN(?=\d))"
    r"(?:[ ]?\#(?=[ ]?:))?"
)
# A record number: letters and digits, dashed, slashed, dotted or spaced groups, a check letter
# or a check digit at the end (`RX-2291-04`, `M/447120`, `7781203-K`, `7730019-2`, `55 20 118`,
# `HN 402 118 73`, `1.204.887`).
RECORD_VALUE = (
    r"(?:[A-Z]{1,4}/\d{2,6}/\d{2,8}|"  # UHID "MH/2025/004471"
    r"[A-Z]{1,3}\d{0,3}[-/ ]?\d{4,10}(?:-\d{1,4})?|[A-Z]{3}\d{2}[A-Z]{2}|"
    r"[A-Z]{1,3}[ ]\d{2,4}(?:[ ]\d{1,4}){1,3}|"
    r"\d{2,5}(?:-\d{1,6}){1,3}(?:-[A-Z]{1,2})?|"
    r"\d{4}[ ]\d{5}[ ]\d{1,2}|\d{4}(?:[ ]\d{4}){1,3}|\d{1,4}[ ]\d{2,4}[ ]\d{1,4}|\d{3}[ ]\d{4}|"
    r"\d{1,4}(?:\.\d{2,4}){1,3}(?![.,]?\d)|"
    r"\d{2,6}/\d{2,8}|\d{5,10}(?:-?[A-Z]|-\d)?|"
    r"[a-z]{1,3}\d{0,3}[-/]?\d{4,10}(?:-\d{1,4})?)"  # typed in lower case in a chat: "rx-220914"
)
# Between the label and the number: "MRN: ", "MRN-", "MRN no. ", "medical record number is ",
# a form's hint in brackets ("Hospital number (if known): ").
RECORD_GAP = r"(?:[ ]\([^()\n\d]{1,20}\))?(?:[ ]?[:#-][ ]?|[ ](?i:no\.?|is|was)[ ]|[ ])?"
# A column headed by the record label alone ("UR", "URN"), which in running text would be "your".
RECORD_HEADER = re.compile(rf"{RECORD_LABEL}|(?i:URN?)")
