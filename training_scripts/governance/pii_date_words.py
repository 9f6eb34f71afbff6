"""The words dates are written and spoken with: month names (in the languages the corpus quotes),
ordinal days in words, and years said aloud ("nineteen eighty-one", "two thousand and three").
Shared by the written-date grammar (`pii_dates.py`) and the spoken one (`pii_spoken.py`)."""

from __future__ import annotations

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    # the months of the languages the corpus quotes, where they differ from the English ones:
    # French, German, Dutch, Spanish, Portuguese, Italian, Polish (genitive), Nordic
    r"janv(?:ier)?|f[ée]vr?(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|ao[ûu]t|"
    r"d[ée]c(?:embre)?|januar|februar|m[äa]rz|juni|juli|oktober|dezember|januari|februari|"
    r"maart|mei|augustus|enero|febrero|marzo|abril|mayo|junio|julio|agosto|sept?iembre|"
    r"octubre|noviembre|diciembre|janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|"
    r"outubro|novembro|dezembro|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|"
    r"ottobre|dicembre|stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|"
    r"wrze[śs]nia|pa[źz]dziernika|listopada|grudnia|marts|augusti|desember)\.?"
)

_UNIT = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEEN = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
# 1-99 in words: "seven", "nineteen", "forty-nine", "eighty one"
TWO_DIGITS_WORDS = rf"(?:{_TENS}(?:[- ]{_UNIT})?|{_TEEN}|{_UNIT})"
_ORDINAL_UNIT = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
# 1st-31st in words: "third", "twenty-second", "thirty first"
ORDINAL_DAY_WORDS = (
    rf"(?:(?:twenty|thirty)[- ]?{_ORDINAL_UNIT}|twentieth|thirtieth|{_ORDINAL_UNIT}|tenth|"
    r"eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
    r"nineteenth)"
)
# The month as its ordinal: "the nineteenth of the ninth"
ORDINAL_MONTH_WORDS = rf"(?:{_ORDINAL_UNIT}|tenth|eleventh|twelfth)"
# A year said aloud: "nineteen eighty-one", "nineteen oh four", "two thousand and three",
# "twenty twenty-one", or its last two digits ("seventy-two").
YEAR_WORDS = (
    rf"(?:(?:nineteen|twenty)[ ](?:hundred(?:[ ]and[ ]{TWO_DIGITS_WORDS})?|oh[ ]{_UNIT}|"
    rf"{_TENS}(?:[- ]{_UNIT})?|{_TEEN})|two[ ]thousand(?:[ ](?:and[ ])?{TWO_DIGITS_WORDS})?|"
    rf"{_TENS}(?:[- ]{_UNIT})?)"
)
