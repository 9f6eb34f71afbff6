"""Street lines in the forms a US/UK/EU/Asia-Pacific corpus quotes (Presidio has no address
recognizer for English text).

Forms, each a pattern below:
- number first, a street type after (`221 Oak Hill Rd, Apt 4`, `1200 SW 8th Street`,
  `1717 K St NW`, `4 Chestnut Grove`, lower case in chats: `44 elm street`);
- number after a compound street word (German, Dutch, Nordic, Finnish: `Hauptstraße 112`,
  `Keizersgracht 221-III`, `Storgatan 24, 2 tr`, `Nørrebrogade 52, 3. tv`);
- a street type word first, the number after (Spanish, Portuguese, Italian, Polish, Romanian,
  Greek, Malay: `Calle de Alcalá 45, 4º 2ª`, `ul. Marszałkowska 15/3`, `Via Roma 18, int. 5`);
  French number first with the type after it (`12 rue de Rivoli`);
- UK lines with no street type, known by the postcode that follows (`62 Peckham Rye, London
  SE15 4JR`) and any `<words> <number>, <postcode> <City>` line (`Ilica 42, 10000 Zagreb`);
- Indian building and cross/main-road lines (`No. 14, 2nd Cross`, `221B, 3rd Main Road`);
- a unit before the line (`Flat 7, 18 Nevern Square`, `Plot 22, Kloof Road`) and floor or door
  suffixes after it (`4º 2ª`, `3. OG links`, `bus 2`, `#20-01`), and PO boxes;
- Malay and Singapore lines with `Jalan` after the number (`88 Jalan Besar #05-12`), Vietnamese
  lines (`Số 3/28 Đường số 34`, `9/31 đường Bà Triệu`, `5/96/969 Võ Văn Tần`);
- after a cue (`lives at`, `address`, `<name>, of`, or opening the chat turn that answers
  "Delivery address?"), any line of words with a house number, a number and capitalised words
  (`87394 Bayman Land Apt. 232`), or a street with no number (`Aleea Teilor`, `Church Lane`);
- a UK house name and its street (`Rose Cottage, Mill Lane`), Korean road names with a building
  number (`123 Teheran-ro`), and in lower case compound street words (`lindenstraße 41/2`) and
  UK lines before a postcode (`62 peckham rye, london se15 4jr`).
"""

from __future__ import annotations

import itertools
import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from training_scripts.governance.pattern_screen import fold, present, screen
from training_scripts.governance.pii_recognizers import ADDRESS, _RegexRecognizer

# Letters beyond ASCII (Latin-1 and Latin Extended-A cover the European names and streets;
# Latin Extended Additional the Vietnamese ones, its capitals and small letters interleaved).
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĢĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽȘȚƠƯẠ-Ỹ"
_LOWER = "a-zß-öø-ÿāăąćčďđēėęěğģīįıķĺļľłńņňōőœŕřśşšţťūůűųźżžșțơưạ-ỹ"
# Marszałkowska, Nun'Álvares, McKnight, O'Crohan, Pușcașu
_CAP = rf"(?:Mc|Mac|O['’]|D['’])?[{_UPPER}][{_LOWER}'’]+(?:-[{_UPPER}]?[{_LOWER}]+)?"
_ANY = rf"[{_UPPER}{_LOWER}][{_LOWER}{_UPPER}'’.]*"  # any word, either case
_PARTICLE = r"(?:de|del|de la|de las|de los|do|da|dos|das|des|du|di|della|le|la|i|y|von|van)"
_HOUSE = r"\d{1,5}(?:[A-Za-z](?![\w]))?(?:[/-](?:\d{1,4}[A-Za-z]?|[IVX]{1,4}|[A-Za-z])\b)?"
# Floor/door/unit after the number: `4º 2ª`, `3º Esq`, `3. OG links`, `2 tr`, `bus 2`, `#20-01`.
_AFTER = (
    r"(?:[ ]?,?[ ]{1,2}(?:\d{1,2}[ ]?[ºª°](?:[ ]?(?:\d{1,2}[ ]?[ºª°]|[A-Za-z]{1,5}\.?))?"
    r"|\d{1,2}\.[ ]?(?:OG|St\.|Stock|Etage|tv|th|mf|sal)(?:[ ](?:links|rechts|mitte))?"
    r"|\d{1,2}[ ]tr"
    r"|(?i:bus|int\.|piso|piano|scala|depto\.|dpto\.|interior|edif\.|apt\.?|apto\.?|apartment|"
    r"suite|"
    r"ste\.?|unit|flat|floor|fl\.|door|room|m\.|kv\.)[ ]?\#?\d{1,5}[A-Za-z]?(?:-\d{1,4})?"
    r"|\#\d{1,3}-\d{1,4}"
    r"|(?:Bl|Sc|Ap|Et)\.[ ]\d{1,4}[A-Za-z]?"
    # a staircase letter and flat number (Finnish, Swedish): "Hämeen katu 12 B 22"
    r"|(?<=\d[ ])[A-H](?:[ ]\d{1,3})?(?![\w])))*"
)
_UNIT_BEFORE = (
    rf"(?:(?:Flat|Apartment|Apt\.?|Unit|Suite|Plot|Villa|House|Studio|Level|Shop|No\.|H\.[ ]?No\.|"
    rf"Door[ ]No\.)[ ]?\d{{1,5}}[A-Za-z]?(?:/\d{{1,4}})?,[ ](?:{_CAP}(?:[ ]{_CAP})?,[ ])?)?"
)
# Street types written after the name (USPS Publication 28, Appendix C1 suffixes, Royal Mail's
# common thoroughfare descriptors, Indian and Zulu ones), plural or not, matched whole-word.
_TYPES = (
    r"Bluff|Bottom|Branch|Bridge|Brook|Burg|Camp|Canyon|Cape|Center|Cliff|Club|Common|Corner|"
    r"Course|Cove|Creek|Crest|Curve|Dale|Dam|Divide|Extension|Fall|Ferry|Field|Flat|Ford|"
    r"Forest|Forge|Fork|Fort|Freeway|Garden|Glen|Harbor|Haven|Hollow|Inlet|Island|Isle|"
    r"Junction|Key|Knoll|Lake|Light|Lock|Lodge|Manor|Meadow|Mill|Mission|Motorway|Mount|"
    r"Mountain|Neck|Orchard|Oval|Overpass|Pass|Passage|Pine|Plain|Port|Prairie|Radial|Ramp|"
    r"Ranch|Rapid|Rest|Route|Shoal|Shore|Skyway|Spring|Spur|Station|Stravenue|Stream|Summit|"
    r"Throughway|Trace|Track|Trafficway|Tunnel|Turnpike|Underpass|Union|Valley|Viaduct|Village|"
    r"Ville|Vista|Wall|Well|Mall|River|Rue|Indawo|Indlela|Umgwaqo|Isitaladi|Ithafa|Zila|Ganj|"
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Ter|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl|Grove|Close|Crescent|"
    r"Cres|Gardens|Gdns|Row|Mews|Parade|Walk|Rise|Hill|Green|Vale|Quay|Wharf|Gate|Heights|"
    r"Park|Alley|Bypass|Causeway|Expressway|Freeway|Pike|Plaza|Point|Ridge|Run|Path|Marg|"
    r"Nagar|Chowk|Loop|Crossing|Landing|Estate|Estates|View|Cross|Main|End|Yard|Lea|Brae|Wynd|"
    r"Approach"
)
_CITY_STATE_ZIP = rf"(?:,[ ]{_CAP}(?:[ ]{_CAP})*,[ ][A-Z]{{2}}[ ]\d{{5}}(?:-\d{{4}})?)?"
_QUADRANT = r"(?:[ ](?:NE|NW|SE|SW|N|S|E|W)\b)?"
# "6 Minute Walk Test", "a 2 Degree Rise": a count of units before a street type is no address.
_NOT_AFTER_NUMBER = (
    r"(?!(?:(?:Minute|Hour|Day|Week|Month|Year|Mile|Step|Degree|Point)s?|Times?|Main[ ]Points)\b)"
)
# Compound street words (number after): German, Dutch/Flemish, Danish, Norwegian, Swedish,
# Finnish, Czech endings.
_COMPOUND = (
    r"straße|strasse|str\.|gasse|weg|allee|platz|ring|damm|ufer|steig|pfad|chaussee|markt|"
    r"gracht|straat|laan|singel|dreef|kade|plein|dijk|steeg|baan|lei|gade|vej|vænge|stræde|"
    r"gata|gatan|vägen|väg|gränd|backe|stigen|torget|veien|vegen|gate|gaten|bakken|berget|"
    r"tie|katu|polku|kuja|tori|aukio|kaari|rinne|bulevardi|ulice|třída|pad|hof|boulevard|stranda|"
    r"toppen|"
    r"stykket|lunden|haugen|åsen|svingen|tunet|jordet|løkka|haven|lia|bakke|engen"
)
# "Hauptstraße", "Ismail-Leber-Gasse": the ending joined on, or hyphenated and capitalised.
_COMPOUND_WORD = (
    rf"[{_UPPER}][{_LOWER}]*(?:-[{_UPPER}]?[{_LOWER}]+)*?"
    rf"(?:{_COMPOUND}|-(?:{'|'.join(w.capitalize() for w in _COMPOUND.split('|'))}))"
)
# Street type words written before the name.
_TYPE_FIRST = (
    r"Calle|C/|Avenida|Avda\.|Av\.|Paseo|Plaza|Pasaje|Camino|Carrer|Carretera|Ronda|Travesía|"
    r"Glorieta|Rambla|Andador|Circuito|Callejón|Calzada|Cerrada|Privada|Via|Viale|Piazza|"
    r"Corso|Largo|Vicolo|Borgo|Contrada|Rua|R\.|Travessa|Praça|Estrada|Alameda|Rodovia|"
    r"ul\.|ulica|al\.|aleja|pl\.|os\.|Odos|Odós|Leoforos|Jalan|Jl\.|Lorong|Strada|Str\.|"
    r"Bulevardul|Bd\.|Intrarea|Calea|Aleea|Soseaua|Șoseaua|Drumul|Am|An[ ]der|Auf[ ]der|"
    r"Retorno|Ladeira|Gang|plac|Plac|Aleja|"
    r"Im|Zum|Zur|In[ ]der|Unter[ ]den|Chaussée|Rue|Quai|Avenue|Boulevard|Allée|Impasse|Chemin|"
    r"Ulitsa|ulitsa|Periférico|Urbanización|Eje[ ]vial|Residencial|Conjunto|Gg\.|Incrocio|"
    r"Stretto|Piazzale|Lungomare|Traversa|Salita|Rotonda|Viaducto|Prolongación|Diagonal|"
    r"Circunvalación|Campo|Quadra|Setor|Loteamento"
)
# A street named after a person: the name is part of the street, not a person in the text.
STREET_AFTER = re.compile(rf"[ ](?:{_TYPES}|{_TYPES.lower()})s?\b")
STREET_BEFORE = re.compile(
    rf"(?:\b(?:{_TYPE_FIRST}|Cañada|phố|Phố|"
    rf"đường|Đường|Ngõ|Hẻm)[ ](?:(?:de|del|da|do|dos|di|la)[ ])?)$"
)
# Vietnamese street, lane, alley, block and hamlet words ("đường", "phố", "ngõ", "hẻm", "khu",
# "khóm", "ấp", "tổ", "thôn", "xóm").
_VIETNAMESE_TYPES = r"[Đđ]ường|[Pp]hố|[Nn]gõ|[Hh]ẻm|[Kk]hu|[Kk]hóm|[Ấấ]p|[Tt]ổ|[Tt]hôn|[Xx]óm"
_FRENCH_TYPES = r"rue|avenue|av\.|boulevard|bd|quai|place|allée|impasse|chemin|cours|route|square"
_POSTCODE = (
    r"(?:\d{2}-\d{3}|\d{3}[ ]\d{2}|\d{4}[ ]?[A-Z]{2}|\d{4,6}|[A-Z]{1,2}\d[A-Z\d]?[ ]\d[A-Z]{2})"
)
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ ]\d[A-Z]{2}"
_CITY = rf"{_CAP}(?:[ ]{_CAP}){{0,2}}"
_LOWER_TYPES = (
    r"street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|crescent|terrace|grove|close|drive|"
    r"way|place|square"
)
# "3 miles down the road", "2 tablets by the road": words that never name a street.
_NOT_STREET_WORDS = (
    r"(?:the|a|an|to|of|in|on|by|and|or|at|from|down|up|along|across|miles?|km|blocks?|times|"
    r"tablets?|doses?|days?|weeks?|hours?|minutes?|years?|people|cars?|houses?|doors?)"
)
# The compound endings no English word ends in (not "weg", "ring", "hof": "during 3 days").
_LOWER_COMPOUND = (
    r"straße|strasse|gasse|allee|platz|gracht|straat|laan|plein|gade|vej|gatan|vägen|veien|"
    r"katu|ulice"
)
_KOREAN_ROAD = rf"[{_UPPER}][a-z]+(?:-[a-z]+)?-(?:ro|gil|daero)(?:[ ]\d{{1,3}}(?:beon)?-gil)?"
_NAME_WORDS = rf"(?:(?:{_CAP}|{_PARTICLE}|[A-Z]|\d{{1,3}}(?:st|nd|rd|th))[ ]){{1,4}}"

_PO_BOX = rf"P\.?[ ]?O\.?[ ]Box[ ]\d{{1,6}}{_CITY_STATE_ZIP}"
# After "lives at", "moved to", "residing at", "Address:", "<name>, of", or opening the chat turn
# that answers "Delivery address?": a line of words and a house number in any country's order,
# street type or not ("Bořivojova 3", "Engenmyra 87", "Jardim de Camargo, 380", "87394 Bayman
# Land"), or a type word and a name with no number ("Drumul Steluța Popa"); not a bed, room or
# ward, nor a clause or schedule.
_STREET_CUE = (
    r"(?i:(?:\b(?:(?:lives|living|resides|residing|resident|moved|moving|relocated|delivered|"
    r"shipped|flat|house)[ ](?:at|to)|(?:moved|moving|relocated|relocating)[ ]from|"
    r"address(?:[ ]is)?:?|(?<=,[ ])of)|"
    # a chat turn asking for the address or postcode; the street line opens the next turn, or
    # follows the name given first ("Customer: steinar berg, Haugefaret 5")
    r"\b(?:address|postcode|post[ ]code|zip[ ]code)\b[^\n]*\?[ ]*\n[ ]*[^\W\d_][\w .()'-]{0,24}:"
    r"(?:[ ][^,\n:]{2,40},)?|"
    # a contract party's (or a chat's) name and the street line after it: "Buyer: Ana Lima, "
    r"\b(?:(?:tenant|landlord|borrower|lender|buyer|seller|purchaser|vendor|guarantor|surety|"
    r"licensee|licensor|employee|claimant|respondent):|name)[ ][^,\n:]{2,40},)(?:[ ]|[ ]*\n[ ]*))"
)
_UNIT_WORDS = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor)\b"
_NOT_A_STREET = (
    r"(?!(?i:bed|room|ward|bay|level|floor|stage|step|day|week|page|the|a|an|clause|section|"
    r"schedule|article|annex|appendix|exhibit|part|chapter|paragraph|item|table|hrb|hra|kvk|"
    r"vat|reg|crn|company|residing|resident|living|lives|resides|born|aged|flat|apartment|apt|"
    r"unit|suite|tel|phone|mob|mobile|cell|fax|whatsapp)\b)"
)

PATTERNS = (
    # Number first, street type after (English forms, compass points and numbered streets).
    re.compile(
        rf"\b({_UNIT_BEFORE}{_HOUSE}[ ](?:(?:N|S|E|W|NE|NW|SE|SW)\.?[ ])?{_NOT_AFTER_NUMBER}"
        rf"(?:(?:{_CAP}|[{_UPPER}]|\d{{1,3}}(?:st|nd|rd|th))[ ]){{1,3}}"
        rf"(?:{_TYPES})s?\b\.?{_QUADRANT}"
        rf"{_AFTER}{_CITY_STATE_ZIP})"
    ),
    # "7 The Paddocks", "12 Kingsway, London", "62 Peckham Rye, London SE15 4JR".
    re.compile(rf"\b({_UNIT_BEFORE}\d{{1,5}}[A-Z]?[ ]The[ ]{_CAP}(?:[ ]{_CAP})?)\b"),
    re.compile(
        rf"\b({_UNIT_BEFORE}\d{{1,5}}[A-Z]?[ ]{_NOT_AFTER_NUMBER}{_CAP}"
        rf"(?:[ ](?:(?:y|yr|an|na|of|on|upon|de|la)[ ])?{_CAP}){{0,2}})"
        rf"(?=,?[ ](?:{_CITY}[ ])?{_UK_POSTCODE}\b|,[ ]{_CAP}[ ]\d{{1,2}}\b(?![.:])|"
        # or a city, a state or province and a US ZIP or Canadian postal code after it
        rf",[ ]{_CAP}(?:[ ]{_CAP})*,[ ][A-Z]{{2}}[ ](?:\d{{5}}|[A-Z]\d[A-Z][ ]?\d[A-Z]\d)\b)"
    ),
    re.compile(
        r"\b(\d{1,5}[A-Za-z]?[ ](?!(?:Airway|Anyway|Halfway|Gateway|Runway|Hallway|Doorway|"
        r"Midway|Subway|Railway|Pathway|Stairway|Driveway|Walkway|Waterway|Tailgate|Floodgate|"
        r"Tollgate)\b)[A-Z][a-z]*(?:[a-z]way|[b-df-hj-np-tv-z]gate))(?=,[ ][A-Z])"
    ),
    # Compound street word, number after.
    re.compile(rf"\b({_COMPOUND_WORD}[ ]{_HOUSE}{_AFTER})(?![\w.,]\d)"),
    # A Finnish genitive before a separate street word: "Ylä-Fallin katu 9".
    re.compile(rf"\b({_CAP}n[ ](?:katu|tie|kuja|polku|bulevardi)[ ]{_HOUSE}{_AFTER})(?![\w.,]\d)"),
    # An adjective before a separate German street word: "Mariahilfer Straße 101/2/14".
    re.compile(
        rf"\b({_CAP}er[ ](?:Straße|Strasse|Str\.|Gasse|Weg|Allee|Platz|Ring|Damm|Ufer)[ ]"
        rf"{_HOUSE}(?:/\d{{1,4}})*{_AFTER})(?![\w.,]\d)"
    ),
    # Type word first, then the name, then the number.
    re.compile(
        rf"(?<![\w])((?:{_TYPE_FIRST})[ ](?:(?:{_CAP}|{_PARTICLE}|[IVX]{{1,4}}|d[’']|l[’']|"
        rf"[{_UPPER}]\.)[ ]?){{1,5}},?[ ](?:(?:No|Nr)\.?[ ])?(?:{_HOUSE}|S/N|s/n){_AFTER})"
        rf"(?![\w.,]\d)"
    ),
    # Lower case in chats: "calle mayor 12, 3º izq", "44 elm street", "9 quai des chartrons".
    re.compile(
        rf"(?<![\w])((?:calle|avenida|rua|ul\.|ulica|via|viale|strada)[ ](?:[a-zà-ÿ'’]+[ ]){{1,3}}"
        rf"\d{{1,5}}[a-z]?{_AFTER})(?![\w.,]\d)"
    ),
    re.compile(
        rf"\b(\d{{1,5}}[a-z]?[ ](?:(?!{_NOT_STREET_WORDS}\b)[a-z]+[ ]){{1,3}}(?:{_LOWER_TYPES}))\b"
    ),
    # ... a compound street word with one of the long endings ("bergmannstraße 41/2"), and a UK
    # line known by the lower-case postcode after it ("62 peckham rye, london se15 4jr").
    re.compile(rf"(?<![\w])([{_LOWER}]+(?:{_LOWER_COMPOUND})[ ]\d{{1,5}}[a-z]?(?:/\d{{1,4}})?)\b"),
    re.compile(
        r"\b(\d{1,5}[a-z]?[ ][a-z]{2,}(?:[ ][a-z]{2,}){0,2})"
        r"(?=,?[ ](?:[a-z]+[ ]){0,2}[a-z]{1,2}\d[a-z\d]?[ ]\d[a-z]{2}\b)"
    ),
    # French: number first, type word after, then the name.
    re.compile(
        rf"\b(\d{{1,4}}(?:[ ]?(?:bis|ter))?,?[ ](?i:{_FRENCH_TYPES})[ ]"
        rf"(?:(?:de[ ]la|de[ ]l[’']|des|du|de|d[’']|la|le|les)[ ]?)?{_ANY}(?:[ ]{_CAP}){{0,3}})"
    ),
    # Any "<words> <number>, <postcode> <City>" line: "Ilica 42, 10000 Zagreb".
    re.compile(rf"\b((?:{_CAP}[ ]){{1,3}}{_HOUSE}{_AFTER})(?=,[ ]{_POSTCODE}[ ]{_CAP})"),
    # Indian lines: "No. 14, 2nd Cross", "221B, 3rd Main Road", "Flat 302, Sai Residency, 5th
    # Cross Road", "H.No. 59, Wable Street", "06/448, Wali Street".
    re.compile(
        rf"\b({_UNIT_BEFORE}(?:\d{{1,4}}[A-Z]?(?:/\d{{1,4}})?,[ ])?\d{{1,3}}(?:st|nd|rd|th)[ ]"
        rf"(?:Cross|Main)(?:[ ](?:Road|Rd|Street|St))?)\b"
    ),
    re.compile(
        rf"\b((?:(?:No\.|H\.[ ]?No\.|Door[ ]No\.)[ ]?\d{{1,5}}[A-Z]?|\d{{1,4}}/\d{{1,4}}|"
        rf"\d{{1,4}}[A-Z]?),[ ](?:{_CAP}[ ]){{1,2}}(?:{_TYPES}))\b"
    ),
    # A unit and a street with no house number: "Plot 22, Kloof Road".
    re.compile(
        rf"\b((?:Flat|Apartment|Unit|Plot|Villa|Studio|No\.)[ ]\d{{1,5}}[A-Za-z]?,[ ]"
        rf"(?:{_CAP}[ ]){{1,3}}"
        rf"(?:{_TYPES})s?)\b"
    ),
    re.compile(
        rf"{_STREET_CUE}{_NOT_A_STREET}((?:{_ANY}[ ]){{1,4}}(?:(?:No|Nr)\.?[ ])?{_HOUSE}"
        rf"(?:/\d{{1,4}})*{_AFTER}"
        rf"|(?:{_ANY}[ ]){{0,3}}{_ANY},[ ]{_HOUSE}"
        rf"|{_HOUSE}[ ]{_NOT_AFTER_NUMBER}{_CAP}(?:[ ](?!{_UNIT_WORDS}){_CAP}){{0,3}}{_AFTER}"
        rf"|(?:{_TYPE_FIRST})[ ]{_CAP}(?:[ ](?:{_PARTICLE}[ ])?{_CAP}){{0,3}}"
        rf"|(?:{_CAP}[ ]){{1,3}}(?:{_TYPES})s?\b"
        rf"|{_HOUSE},[ ]{_CAP}(?:[ ]{_CAP}){{0,2}})(?![\w.,]?\d)"
    ),
    re.compile(rf"\b({_PO_BOX})", re.IGNORECASE),
    # A house name and its street, no number (UK): "Rose Cottage, Mill Lane".
    re.compile(
        rf"\b((?:{_CAP}[ ]){{1,2}}(?:Cottage|Farm|Farmhouse|Lodge|Barn|Rectory|Vicarage|Grange|"
        rf"Bungalow),[ ](?:\d{{1,5}}[ ])?(?:{_CAP}[ ]){{1,2}}(?:{_TYPES}))\b"
    ),
    # Korean road names with a building number: "123 Teheran-ro", "45-6 Nonhyeon-ro 28-gil",
    # "Sejong-daero 110".
    re.compile(
        rf"\b(\d{{1,4}}(?:-\d{{1,3}})?,?[ ]{_KOREAN_ROAD}"
        rf"|{_KOREAN_ROAD}[ ]\d{{1,4}}(?:-\d{{1,3}})?)(?![\w-])"
    ),
    # Malay and Singapore: "No. 12, Jalan Ampang", "88 Jalan Besar #05-12".
    re.compile(rf"\b(No\.[ ]?\d{{1,5}}[A-Z]?,[ ](?:Jalan|Jln\.|Lorong)[ ]{_CAP}(?:[ ]{_CAP})?)"),
    re.compile(
        rf"\b(\d{{1,5}}[A-Z]?[ ](?:Jalan|Jln\.|Lorong|Lor\.)[ ]{_CAP}(?:[ ]{_CAP})?"
        rf"(?:[ ]\d{{1,3}})?{_AFTER})(?![\w.,]\d)"
    ),
    # Vietnamese: "Số 3/28 Đường số 34", "9/31 đường Bà Triệu", "5/96/969 Võ Văn Tần".
    re.compile(
        rf"(?<![\w/])((?:[Ss]ố[ ])?\d{{1,4}}(?:/\d{{1,4}}){{0,3}}[ ](?:{_VIETNAMESE_TYPES})[ ]"
        rf"(?:(?:[Ss]ố[ ])?\d{{1,4}}|{_CAP}(?:[ ]{_CAP}){{0,3}})"
        rf"(?:[ ](?:{_VIETNAMESE_TYPES})[ ](?:[Ss]ố[ ])?\d{{1,4}})?"
        rf"(?:[ ]{_CAP}(?:[ ](?:de[ ])?{_CAP}){{0,3}})?"
        rf"|(?:[Ss]ố[ ]\d{{1,4}}(?:/\d{{1,4}}){{0,3}}|\d{{1,4}}(?:/\d{{1,4}}){{1,3}})[ ]{_CAP}"
        rf"(?:[ ]{_CAP}){{1,3}})"
    ),
)


# Pieces of the patterns' own regexes that every match holds, searched for before them: the
# patterns led by a house number or a capitalised word have no literal for pattern_screen, so
# each scanned every position of every text. In every number-first form a space follows the
# house number (or its last digits); in the number-after forms a lower-case letter, an
# apostrophe or the "." of "str." ends the word before the number.
_NUMBER_THEN_SPACE = re.compile(rf"{_HOUSE}[ ]")
_WORD_THEN_NUMBER = re.compile(rf"[{_LOWER}'’.][ ]\d")
# Number first: a type after it, "The", a UK postcode after, lower case in chats, Vietnamese;
# number after: a compound street word, a line before a postcode and city.
_SIGN_OF = {0: _NUMBER_THEN_SPACE, 1: _NUMBER_THEN_SPACE, 2: _NUMBER_THEN_SPACE,
            11: _NUMBER_THEN_SPACE, 23: _NUMBER_THEN_SPACE,
            4: _WORD_THEN_NUMBER, 13: _WORD_THEN_NUMBER}  # fmt: skip
# Each pattern with its sign, or None (the pattern always runs). Not a dict keyed by pattern:
# hashing a compiled pattern hashes its whole program.
SIGNED = tuple((pattern, _SIGN_OF.get(index)) for index, pattern in enumerate(PATTERNS))
_SIGNS = (_NUMBER_THEN_SPACE, _WORD_THEN_NUMBER)
# Each other pattern has words one of which every match holds (the pattern's screen whose
# shortest word is longest: "Straße" rather than "er "); where a text holds none of any of them,
# none of these patterns is tried (the base class would test each in turn, for nothing, on most
# texts).
_LITERALS = frozenset().union(
    *(
        max(screen(p), key=lambda words: min(map(len, words)))
        for p, sign in SIGNED
        if sign is None and screen(p)
    )
)


def _runs(pattern: re.Pattern[str], sign: re.Pattern[str] | None, found: tuple[bool, ...]) -> bool:
    """Whether `pattern` is tried where `found` says which of _SIGNS, then whether any of
    _LITERALS, the text holds."""
    if sign is not None:
        return found[_SIGNS.index(sign)]
    return found[-1] or not screen(pattern)


# The patterns to try for each answer.
_RUN = {
    found: tuple(p for p, sign in SIGNED if _runs(p, sign, found))
    for found in itertools.product((False, True), repeat=len(_SIGNS) + 1)
}


class StreetAddressRecognizer(_RegexRecognizer):
    """Street lines in US, UK, European, Indian and Malay forms (see the module docstring)."""

    ENTITY = ADDRESS
    PATTERNS = PATTERNS

    def patterns_for(self, text: str) -> tuple[re.Pattern[str], ...]:
        """The patterns whose sign, or one of whose words, the text holds."""
        signs = tuple(sign.search(text) is not None for sign in _SIGNS)
        return _RUN[(*signs, not present(fold(text)).isdisjoint(_LITERALS))]

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """The longest match wherever patterns overlap (a unit prefix, a floor suffix)."""
        found = sorted(super().analyze(text, entities, nlp_artifacts), key=lambda r: r.start)
        kept: list[RecognizerResult] = []
        for result in found:
            if kept and result.start < kept[-1].end:
                if result.end - result.start > kept[-1].end - kept[-1].start:
                    kept[-1] = result
                continue
            kept.append(result)
        return kept
