"""Shipping-contract excerpts for the legal preset: extract the Force Majeure clause (sft/lora).

Each contract names two parties (company, address, signatory, e-mail, phone) and a shuffled set
of clauses. The completion is the Force Majeure clause body copied verbatim from the prompt, or
`NO_CLAUSE` when the contract has none, so a small model can learn extraction by copying.
Clause wording is assembled from independent parts so no two contracts are near-duplicates.
"""

from __future__ import annotations

import random

from fake_identities import Person, address, company, email, person, phone

INSTRUCTION = "Extract the Force Majeure clause from this contract:\n"
NO_CLAUSE = "No Force Majeure clause."
SHARE_WITHOUT_CLAUSE = 0.25

TITLES = (
    ("SHIPPING SERVICES AGREEMENT", "SSA"), ("CONTRACT OF CARRIAGE", "COC"),
    ("FREIGHT FORWARDING AGREEMENT", "FFA"), ("VOLUME SERVICE CONTRACT", "VSC"),
    ("VOYAGE CHARTER (EXCERPT)", "VCP"), ("OCEAN TRANSPORT AGREEMENT", "OTA"),
)  # fmt: skip
ROLES = (("Carrier", "Shipper"), ("Forwarder", "Customer"), ("Owner", "Charterer"))
PORTS = (
    "Rotterdam", "Singapore", "Shanghai", "Los Angeles", "Hamburg", "Felixstowe", "Busan", "Santos",
    "Durban", "Jebel Ali", "Savannah", "Yokohama", "Antwerp", "Mombasa", "Valparaiso", "Kaohsiung",
)  # fmt: skip
CARGO = (
    "containerised consumer electronics", "frozen seafood in reefer containers", "hot-rolled steel "
    "coils", "green coffee beans in bags", "automotive spare parts", "flat-packed furniture",
    "temperature-controlled pharmaceuticals", "bales of cotton textiles", "bagged fertiliser",
    "wind-turbine blades as break-bulk cargo", "palletised wine", "bulk wheat",
)  # fmt: skip
EVENTS = (
    "typhoon", "hurricane", "cyclone", "earthquake", "tsunami", "flood", "fire", "strike",
    "lockout", "labour dispute at the port of loading", "pandemic", "epidemic", "quarantine "
    "restrictions", "port closure", "closure of the Suez Canal", "embargo", "government sanctions",
    "war", "act of terrorism", "piracy", "blockade", "riot or civil commotion", "act of God",
    "failure of public power supply", "cyber-attack on port systems",
)  # fmt: skip
FM_HEADINGS = (
    "Force Majeure", "FORCE MAJEURE", "Force Majeure Events", "Force Majeure and Excused Delay",
    "Excused Performance (Force Majeure)",
)  # fmt: skip
FM_OPENERS = (
    "Neither party shall be liable for any failure or delay in performing its obligations under "
    "this Agreement", "The {a} shall not be responsible for loss of, damage to or delay of the "
    "Goods", "The obligations of each party, other than the obligation to pay money, shall be "
    "suspended", "No party shall be deemed in breach of this Contract", "The {b} and the {a} shall "
    "each be excused from performance",
)  # fmt: skip
FM_CAUSES = (
    " to the extent caused by ",
    " where such failure results from ",
    " arising from ",
    " for so long as performance is prevented by ",
    " if and to the extent hindered by ",
)
FM_TAILS = (
    "The affected party shall notify the other party in writing within {n} days of the event and "
    "use reasonable endeavours to mitigate its effects.", "If the event continues for more than "
    "{m} days, either party may terminate this Agreement by written notice.", "Freight already "
    "earned shall remain payable in full.", "Demurrage shall not accrue during the period of such "
    "delay.", "The {a} may discharge the Goods at the nearest safe port, and such discharge shall "
    "be deemed due delivery.", "Any additional costs of storage caused by the event shall be borne "
    "by the {b}.",
)  # fmt: skip
CURRENCIES = ("USD", "EUR", "GBP", "SGD")
LAWS = (
    ("the laws of England and Wales", "arbitration in London under the LMAA Terms"),
    ("the laws of Singapore", "arbitration administered by the SIAC"),
    ("the laws of the State of New York", "the courts of New York County"),
    ("the laws of the Netherlands", "the District Court of Rotterdam"),
    ("the laws of Hong Kong", "arbitration at the HKIAC"),
    ("German law", "the courts of Hamburg"),
)


def _events(rng: random.Random) -> str:
    chosen = rng.sample(EVENTS, rng.randint(2, 4))
    listed = ", ".join(chosen[:-1]) + rng.choice((" or ", ", or ")) + chosen[-1]
    if rng.random() < 0.6:
        listed += rng.choice(
            (
                ", or any other cause beyond its reasonable control",
                " or other circumstances outside the reasonable control of that party",
            )
        )
    return listed


def force_majeure(rng: random.Random, a: str, b: str) -> str:
    opener = rng.choice(FM_OPENERS).format(a=a, b=b)
    tails = rng.sample(FM_TAILS, 1 if rng.random() < 0.75 else 2)
    tail = " ".join(
        t.format(a=a, b=b, n=rng.choice((3, 5, 7, 10, 14)), m=rng.choice((30, 60, 90)))
        for t in tails
    )
    return f"{opener}{rng.choice(FM_CAUSES)}{_events(rng)}. {tail}"


def _payment(rng: random.Random, a: str, b: str) -> str:
    cur, days = rng.choice(CURRENCIES), rng.choice((15, 30, 45, 60))
    amount = f"{rng.randint(8, 95) * 50:,}"
    unit = rng.choice(
        (
            "per forty-foot container",
            "per twenty-foot container",
            "per metric tonne",
            "per voyage",
            "per shipment",
        )
    )
    late = rng.choice(
        (
            f"Late payments bear interest at {rng.randint(2, 9)}% per annum.",
            "The {a} has a lien on the Goods for all unpaid sums.",
            "All bank charges are for the account of the {b}.",
        )
    )
    return (
        f"The {b} shall pay freight of {cur} {amount} {unit} within {days} days of the "
        f"invoice date. {late.format(a=a, b=b)}"
    )


def _liability(rng: random.Random, a: str, b: str) -> str:
    return rng.choice(
        (
            f"The {a}'s liability for loss of or damage to the Goods shall not exceed "
            f"{rng.choice((2, 8.33, 17))} SDR per kilogram of gross weight.",
            f"The liability of the {a} is limited to the lesser of the invoice value of the Goods "
            f"and {rng.choice(CURRENCIES)} {rng.randint(5, 50) * 100:,} per package.",
            "Neither party shall be liable for indirect or consequential loss, including loss of "
            "profit or market. Claims must be notified within "
            f"{rng.choice((3, 7, 9))} days of delivery.",
            f"The {a} shall be liable for delay in delivery only up to "
            f"{rng.choice(('one', 'two'))} times the freight payable for the delayed Goods.",
        )
    )


def _law(rng: random.Random) -> str:
    law, forum = rng.choice(LAWS)
    return (
        f"This Agreement shall be governed by and construed in accordance with {law}. Any "
        f"dispute arising out of it shall be referred to {forum}."
    )


def _extra(rng: random.Random, a: str, b: str, rep: Person, mail: str, tel: str) -> tuple[str, str]:
    return rng.choice(
        (
            (
                "Insurance",
                f"The {b} shall insure the Goods for {rng.choice((100, 110, 120))}% of their "
                "CIF value with a reputable underwriter.",
            ),
            (
                "Termination",
                f"Either party may terminate this Agreement on {rng.choice((30, 60, 90))} "
                "days' written notice to the other.",
            ),
            (
                "Confidentiality",
                "Each party shall keep the terms of this Agreement confidential, save "
                "as required by law.",
            ),
            (
                "Notices",
                f"All notices to the {a} shall be sent to {rep.full} at {mail} or by "
                f"telephone on {tel}.",
            ),
        )
    )


def _party(rng: random.Random, role: str, contact: bool) -> tuple[str, Person, str, str]:
    name, rep, where = company(rng), person(rng), address(rng)
    mail, tel = email(rng, rep, name.split()[0]), phone(rng, where.phone_style)
    details = f" ({mail}, tel. {tel})" if contact else ""
    text = f'{name}, {where.line} (the "{role}"), represented by {rep.full}{details}'
    return text, rep, mail, tel


def contract(rng: random.Random, number: int) -> dict[str, str]:
    (title, prefix), (a, b) = rng.choice(TITLES), rng.choice(ROLES)
    party_a, rep_a, mail_a, tel_a = _party(rng, a, contact=True)
    party_b, rep_b, _, _ = _party(rng, b, contact=rng.random() < 0.5)
    year, month = (
        rng.randint(2019, 2024),
        rng.choice(("January", "March", "April", "June", "August", "October", "November")),
    )
    origin, dest = rng.sample(PORTS, 2)
    clauses = [
        ("Payment Terms", _payment(rng, a, b)),
        ("Liability", _liability(rng, a, b)),
        ("Governing Law", _law(rng)),
    ]
    if rng.random() < 0.5:
        clauses.append(_extra(rng, a, b, rep_a, mail_a, tel_a))
    clause = None
    if rng.random() >= SHARE_WITHOUT_CLAUSE:
        clause = force_majeure(rng, a, b)
        clauses.append((rng.choice(FM_HEADINGS), clause))
    rng.shuffle(clauses)
    scope = (
        f"The {a} shall carry {rng.choice(CARGO)} from the port of {origin} to the port of "
        f"{dest}{rng.choice((' on a monthly schedule', ' as one voyage', ', as booked'))}."
    )
    layout = rng.choice(("{i}. {h}. {t}", "{i}. {H}\n{t}", "Clause {i} - {h}\n{t}"))
    body = [
        layout.format(i=i, h=h, H=h.upper(), t=t)
        for i, (h, t) in enumerate([("Scope", scope), *clauses], 1)
    ]
    text = "\n\n".join(
        [
            f"{title} No. {prefix}-{year}-{number:04d}",
            f"This Agreement is made on {rng.randint(1, 28)} {month} {year} between {party_a} and "
            f"{party_b}.",
            *body,
            f"Signed for the {a}: {rep_a.full}. Signed for the {b}: {rep_b.full}.",
        ]
    )
    return {"prompt": INSTRUCTION + text, "completion": clause or NO_CLAUSE}


def contracts(rng: random.Random, count: int = 160) -> list[dict[str, str]]:
    return [contract(rng, rng.randint(1, 9999)) for _ in range(count)]
