"""The grammar of a medical record number: the labels hospitals write before one, the shapes the
number takes, and what may stand between them. Used by the recognizers that find one beside its
label (`pii_identifiers.py`) and away from it (`pii_record_answers.py`)."""

from __future__ import annotations

import re

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
    r"patient(?:en)?|patiënt|paciente|paziente|pasient|pat\.?|pt\.?|hospital|hosp\.?|chart|unit|"
    r"client|member|maternity|service[ ]user|health|MR|EPR|PAS|"
    r"case[ ]?note|(?:health|medical|clinical)[ ]record|med\.?[ ]?rec\.?|record|NHS|CHI|MRD|"
    r"UR|URN|EMR|EHR|clinic|health[ ](?:card|insurance)|medicare(?:[ ]card)?|OHIP|NHI|"
    # inpatient/outpatient and admission numbers; health-plan member numbers (US); Portugal's
    # utente, Spain's health card
    r"inpatient|outpatient|admission|beneficiary|subscriber|medicaid|insurance|utente|"
    r"tarjeta[ ]sanitaria"
)
_RECORD_ID = r"identifier|id|number|num|no\.?|nr\.?|n\.?[º°]|\#|ref(?:erence)?|code"
_RECORD_FILE = (
    r"utente|processo|dossier|historia(?:[ ]cl[ií]nica)?|cartella(?:[ ]clinica)?|expediente|"
    r"historii[ ]choroby"
)
# A record's file named alone, the number right after it ("Historia clínica: 4471902").
_RECORD_FILE_ALONE = (
    r"historia[ ]cl[ií]nica|ficha[ ]cl[ií]nica|prontu[áa]rio|cartella[ ]clinica|"
    r"dossier[ ](?:patient|m[ée]dical)|krankenblatt(?:nummer|nr\.?)?"
)
# The identifier word first, then whose: "ID paziente", "numéro de patient", "n° patient".
_ID_FIRST = r"id|codice|code|n\.?[º°]|número|numéro|numero|nummer|nr\.?"
_WHOSE_AFTER = r"patient|patiente|paziente|paciente|patiënt|pasient|potilas"
# The words a fused label starts with (whose record) and ends with (the identifier word).
_FUSED_WHOSE = (
    r"patient(?:en)?|patiënt(?:en)?|krankenhaus|klinik|ziekenhuis|versicherten|aufnahme|"
    r"journal|potilas"
)
_FUSED_ID = r"nummer|numero|nro\.?|nr\.?"
RECORD_LABEL = (
    rf"(?:(?i:\b(?:(?:{_RECORD_WHOSE})(?:['’]s)?[ -]?(?:{_RECORD_ID})(?![\w])|"
    rf"(?:{_FUSED_WHOSE})(?:{_FUSED_ID})|"
    rf"(?:n\.?[º°]|número|numéro|numero|nummer|nr\.?)[ ](?:(?:de|du|di|do|da)[ ])?"
    rf"(?:{_RECORD_FILE})|(?:{_RECORD_FILE})[ ](?:n\.?[º°]|n\.|nr\.?|no\.?)|{_RECORD_FILE_ALONE}|"
    rf"(?:{_ID_FIRST})[ ](?:(?:de|du|di|do|da|del|della|dello)[ ])?(?:l['’]|le[ ]|la[ ]|el[ ])?"
    rf"(?:{_WHOSE_AFTER})|"
    r"MRN|MR\#|medical[ ]record|NHI|OHIP|PHN|IHI|NHC|medicare|health[ ](?:card|insurance)|"
    r"UHID|IPP|ABHA|nosologico)"
    r"(?![\w]))|\b(?:[A-Z]-number|URN?|PID)\b|\bMRN(?=\d))(?:[ ]?\#(?=[ ]?:))?"
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
