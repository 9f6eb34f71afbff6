"""Another language's everyday words are not a person (issue 30): the NER PERSON veto built from
wordfreq's lists, its guards for names, and the stored lists it reads.

Each veto case is a span the NER model tagged in a tuning set or one shaped like it; each kept
case is a name the veto must not touch (listed names that are words, names of origins the
name lists lack, names in English text).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from training_scripts.governance import pii_common_words
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_common_words import is_common_phrase

VOLLMACHT = (
    "Vollmacht. Ich, Margarethe Huber, geboren am 3. März 1949 in Graz, wohnhaft Herrengasse "
    "7/2/14, 8010 Graz, bevollmächtige meinen Sohn. Urkunde Nr. 1123/2024, Grundbuch EZ 4471."
)


def _veto(text: str, span: str) -> bool:
    start = text.index(span)
    return is_common_phrase(text, start, start + len(span))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        (VOLLMACHT, "Sohn"),
        ("Agent: Danke. Rechnung Nr. 2025-00317 vom 02.02.2025 über 49,99 €.", "Rechnung Nr"),
        ("Registro de vacunación: Mateo Álvarez Ruiz, nacido el 30/11/2021 (3 años).",
         "Registro de vacunación"),
        ("spłata na rachunek PL61 1090 1014 0000 0712 1981 2874 do 10. dnia miesiąca.",
         "dnia miesiąca"),
        ("Date d'embauche : 2 septembre 2024. Période d'essai : 3 mois.", "Période"),
    ],
)  # fmt: skip
def test_everyday_words_of_the_language_around_them_are_no_person(text: str, span: str) -> None:
    assert _veto(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Paciente: Rosa Blanco, nacida en Sevilla, vive con su hija en la casa.", "Rosa Blanco"),
        ("Hola, soy Paz Soto y llamo por la factura de mayo.", "Paz Soto"),
        ("Mi hija Amor vive en la casa de su padre desde marzo.", "Amor"),
    ],
)
def test_a_listed_name_that_is_also_a_word_stays_a_name(text: str, span: str) -> None:
    assert not _veto(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Frau Oyuntsetseg ist heute nicht im Büro, sie kommt morgen wieder.", "Frau Oyuntsetseg"),
        ("Liebe Frau Oyuntsetseg, anbei die Rechnung für den Monat März und die Mahnung.",
         "Liebe Frau Oyuntsetseg"),
        ("Hallo Mthunzi, danke für die Nachricht, ich rufe morgen an.", "Hallo Mthunzi"),
        ("Querida Ezinne, te escribo por la cita de mañana en la clínica.", "Querida Ezinne"),
    ],
)  # fmt: skip
def test_a_capitalised_word_of_no_language_is_a_name_beside_everyday_words(
    text: str, span: str
) -> None:
    assert not _veto(text, span)


def test_a_word_of_no_language_is_a_name_in_an_all_lower_case_chat() -> None:
    chat = "danke frau oyuntsetseg, ich rufe morgen wegen der rechnung an"
    assert not _veto(chat, "danke frau oyuntsetseg")


def test_a_word_of_no_language_is_a_name_when_it_is_half_the_span() -> None:
    # a chat capitalises the greeting, not the name
    assert not _veto("Hallo mthunzi, danke für die Nachricht, ich rufe morgen an.", "Hallo mthunzi")


def test_a_hyphenated_name_is_one_word_not_its_syllables() -> None:
    # "ha" and "eun" are both Indonesian words in wordfreq's counts
    text = "Kemarin Ha-eun membayar tagihan dan kami memperpanjang kontrak dengan perusahaan."
    assert not _veto(text, "Ha-eun")


def test_a_word_of_another_language_in_english_text_stays_a_name() -> None:
    # "Segun" is Spanish "según": the passage is English
    assert not _veto("Thanks Segun, I will call you back tomorrow about the invoice.", "Segun")


def test_english_everyday_words_are_not_vetoed() -> None:
    # unlisted given names that are English words ("Gift", "Memory", "Fortune")
    assert not _veto("Thanks Memory, we will send the new card to your home address.", "Memory")


def test_one_word_of_the_language_is_not_a_passage() -> None:
    # "Gift" is German (and Danish) for poison; one German word does not make German text
    assert not _veto("Danke Gift!", "Gift")


def test_names_around_a_name_do_not_make_a_passage_of_their_language() -> None:
    # the store leaves listed name parts out: "Javier", "Fernández" are no Spanish words there
    minutes = "Present: Javier Gutiérrez, Alejandro Fernández, Segun. Apologies: none."
    assert not _veto(minutes, "Segun")


def test_a_name_on_its_own_line_is_judged_by_that_line() -> None:
    letter = "Vielen Dank für Ihre Hilfe bei der Rechnung und die schnelle Antwort.\nGift"
    assert not _veto(letter, "Gift")


def test_the_engine_keeps_the_german_noun_and_replaces_the_name() -> None:
    out = PiiEngine("redact", "").anonymize([VOLLMACHT])[0]
    assert "Margarethe Huber" not in out
    assert "Sohn." in out


def test_the_stored_lists_are_what_wordfreq_derives() -> None:
    pytest.importorskip("wordfreq")  # dev-only, as the builder
    stored = json.loads(pii_common_words.STORE.read_text(encoding="utf-8"))
    assert stored == pii_common_words.compute()


def test_the_store_is_small() -> None:
    assert pii_common_words.STORE.stat().st_size < 1_600_000


def test_the_lists_load_cheaply_on_first_use() -> None:
    pii_common_words.everyday_words.cache_clear()
    start = time.process_time()
    lists = pii_common_words.everyday_words()
    assert time.process_time() - start < 0.1
    assert "sohn" in lists["de"]


def test_the_veto_runs_without_wordfreq() -> None:
    """The training image has no wordfreq: the veto must read only the stored file."""
    code = (
        "import sys; sys.modules['wordfreq'] = None\n"
        "from training_scripts.governance.pii_common_words import is_common_phrase\n"
        f"text = {VOLLMACHT!r}\n"
        "start = text.index('Sohn')\n"
        "assert is_common_phrase(text, start, start + 4)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
