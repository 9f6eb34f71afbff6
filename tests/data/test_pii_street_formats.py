"""Street lines of many countries and their over-reach guards (issue 30), one case each.

Every case here was written for this test (none comes from a frozen evaluation set). The rest
of the identifier types are in `test_pii_formats.py`.
"""

from __future__ import annotations

import pytest

from tests.data.pii_scoring import found
from training_scripts.governance.pii import PiiEngine


@pytest.mark.parametrize(
    ("text", "street"),
    [
        (
            "Neue Adresse: Bergmannstraße 41, 2. OG rechts, 10961 Berlin.",
            "Bergmannstraße 41, 2. OG rechts",
        ),
        ("Woont op Prinsengracht 263-1 sinds mei.", "Prinsengracht 263-1"),
        ("Enviar a Calle del Pez 7, 2º 1ª, Madrid.", "Calle del Pez 7, 2º 1ª"),
        ("Adres: ul. Piotrkowska 104/12, 90-006 Łódź.", "ul. Piotrkowska 104/12"),
        ("Spedire a Via Garibaldi 9, int. 3, Torino.", "Via Garibaldi 9, int. 3"),
        ("Livraison au 24 avenue de la République, Lyon.", "24 avenue de la République"),
        ("She lives at 22 Muswell Hill Broadway, London N10 3RT.", "22 Muswell Hill Broadway"),
        ("Mailed to 455 NE 5th Avenue, Fort Lauderdale.", "455 NE 5th Avenue"),
        ("Office at 800 W Street NW, Washington.", "800 W Street NW"),
        ("Deliver to No. 7, 4th Cross, Malleswaram.", "No. 7, 4th Cross"),
        ("Lives at 12A, 1st Main Road, Koramangala.", "12A, 1st Main Road"),
        ("Flat 9, 31 Thornhill Square, London N1 1BQ.", "Flat 9, 31 Thornhill Square"),
        ("Opravte adresu Vodičkova 21, 110 00 Praha.", "Vodičkova 21"),
    ],
)
def test_international_street_lines_are_found_whole(
    engine: PiiEngine, text: str, street: str
) -> None:
    assert ("STREET_ADDRESS", street) in found(engine, text)


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("The Surety, Ana Lind, of Solvik 14, signs below.", "Solvik 14"),
        ("Agent: Shipping address?\nCustomer: Trnjanska 8\nAgent: thanks", "Trnjanska 8"),
        ("Lives at 4410 Kestrel Glade Apt. 12 with her son.", "4410 Kestrel Glade Apt. 12"),
        # PiiEngine looks for streets only in text with a digit (pii.py's cheap signs)
        ("The Borrower, of Aleea Teilor, repays EUR 5,000.", "Aleea Teilor"),
        ("Buyer: Rua das Flores, S/N, 4050-262 Porto.", "Rua das Flores, S/N"),
        ("Home: 12 Ffordd yr Eglwys, Bangor LL57 1AB.", "12 Ffordd yr Eglwys"),
        ("Adres: Kerkstraat 12-B, 1017 GB Amsterdam.", "Kerkstraat 12-B"),
        ("Deliver to 12 Jalan Sultan #03-04, Singapore 199001.", "12 Jalan Sultan #03-04"),
        ("Giao đến 25/7 đường Hoàng Diệu, Quận 4.", "25/7 đường Hoàng Diệu"),
        ("Home: 41 Kauri Approach, Albany.", "41 Kauri Approach"),
        ("Osoite Mannerheiminbulevardi 8, Helsinki.", "Mannerheiminbulevardi 8"),
        ("Address:\nRibnjak 14c\nKarlovac", "Ribnjak 14c"),
        ("Buyer: Ivana Horvat, Trešnjevka 22. Price 4,000 EUR.", "Trešnjevka 22"),
        ("Borrower: Tran Thi Mai, Số 18 Lý Thường Kiệt, Hà Nội.", "Số 18 Lý Thường Kiệt"),
        ("Asiakas: Pekka Laine, Hämeen katu 12 B.", "Hämeen katu 12 B"),
        ("Tenant: Raúl Díaz, Urbanización Los Pinos 41, Marbella.", "Urbanización Los Pinos 41"),
        ("name Dewi Lestari, Gg. Mawar No. 7", "Gg. Mawar No. 7"),
        ("Deliver to Flat 3, Cedar Courts, Leeds.", "Flat 3, Cedar Courts"),
        ("Spedire a Traversa Manzoni, 12 Piano 3, Napoli.", "Traversa Manzoni, 12 Piano 3"),
        ("Giao đến Số 8 Hẻm 56 Trần Hưng Đạo, Quận 1.", "Số 8 Hẻm 56 Trần Hưng Đạo"),
        ("Entregar en Prolongación Juárez 210, Puebla.", "Prolongación Juárez 210"),
        ("Agent: name and postcode?\nCustomer: ole dahl, Sjømyra 12\nAgent: ok", "Sjømyra 12"),
        ("customer: pls send to lindenstraße 41/2 berlin", "lindenstraße 41/2"),
        ("ship it to 62 peckham rye, london se15 4jr thx", "62 peckham rye"),
        ("Address: Church Lane, Ely CB7 4AB", "Church Lane"),
        ("Home: Rose Cottage, Mill Lane, Ely CB7 4AB", "Rose Cottage, Mill Lane"),
        ("Office at 123 Teheran-ro, Gangnam-gu, Seoul", "123 Teheran-ro"),
        ("Unit: Level 3, 100 George St, Sydney", "Level 3, 100 George St"),
        (
            "Agent: postcode?\nCustomer: aishwarya chandrasekhar, 60/44, Gole Nagar\nAgent: ok",
            "60/44, Gole Nagar",
        ),
        ("Lives at Số 3/80 Khóm 63 Đường số 41, Cần Thơ.", "Số 3/80 Khóm 63 Đường số 41"),
    ],
)
def test_street_lines_after_other_cues_and_in_more_national_forms_are_found(
    engine: PiiEngine, text: str, street: str
) -> None:
    assert ("STREET_ADDRESS", street) in found(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "Notice, of 12 Months, is required.",
        "Those terms, of Clause 12, apply.",
        "Agent: What's your address?\nCustomer: same as before",
        "the tenant is lukas hoffmann, flat 3, rent paid monthly.",
        "Purchaser: Nordwind Holding GmbH, HRB 214478 (Amtsgericht Hamburg).",
        "we walked during 3 days and slept in a barn.",
        "The Seoul-ro project opens in spring.",
    ],
)
def test_counts_clauses_and_non_answers_after_a_street_cue_are_kept(
    engine: PiiEngine, text: str
) -> None:
    assert "STREET_ADDRESS" not in {k for k, _ in found(engine, text)}


def test_a_lower_case_street_line_in_a_chat_is_removed(engine: PiiEngine) -> None:
    assert "birch" not in engine.anonymize(["customer: new address is 17 birch lane, leeds"])[0]


@pytest.mark.parametrize(
    "text",
    [
        "The 6 Minute Walk Test was repeated.",
        "He walked 3 miles down the road before the pain started.",
        "See Clause 12 and Schedule 4 of the Agreement.",
    ],
)
def test_counts_and_clause_numbers_are_not_street_lines(engine: PiiEngine, text: str) -> None:
    assert "STREET_ADDRESS" not in {k for k, _ in found(engine, text)}
