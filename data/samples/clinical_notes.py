"""Short clinical notes with fake PII for the healthcare preset (anonymization + cpt).

Every note carries several PII types the prepare step must remove (titled full name, later
surname-only and first-name mentions, date of birth, MRN, street address, phone, e-mail, the
clinician "Dr. ...", sometimes a relative) next to domain terms that must survive it (drug
names, doses, diagnoses, lab values).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from fake_identities import Person, address, email, person, phone


@dataclass(frozen=True)
class Condition:
    name: str
    drugs: tuple[str, ...]  # "drug dose schedule"
    finding: str  # formatted with a random number: {v}
    values: tuple[float, float]
    plan: str


CONDITIONS = (
    Condition("type 2 diabetes", ("metformin 500 mg twice daily", "metformin 1000 mg twice daily",
              "metformin 1000 mg twice daily\n- empagliflozin 10 mg once daily"),
              "HbA1c {v}%", (6.4, 9.6),
              "Reinforced dietary advice; repeat HbA1c in three months."),
    Condition("hypertension", ("lisinopril 10 mg once daily", "lisinopril 20 mg once daily",
              "amlodipine 5 mg once daily"), "clinic blood pressure {v}/88 mmHg", (128, 162),
              "Home blood pressure monitoring; check renal function and potassium."),
    Condition("hypercholesterolaemia", ("atorvastatin 20 mg at night", "atorvastatin 40 mg at "
              "night"), "LDL cholesterol {v} mmol/L", (2.1, 4.9),
              "Continue statin; repeat lipid profile and liver enzymes."),
    Condition("atrial fibrillation", ("apixaban 5 mg twice daily", "metoprolol 25 mg twice "
              "daily", "bisoprolol 2.5 mg once daily"), "irregularly irregular pulse at {v} bpm",
              (72, 118), "CHA2DS2-VASc reviewed; anticoagulation continued; ECG repeated."),
    Condition("asthma", ("budesonide/formoterol inhaler two puffs twice daily", "albuterol "
              "inhaler as needed"), "peak flow {v} L/min", (280, 460),
              "Inhaler technique checked; personal asthma action plan updated."),
    Condition("hypothyroidism", ("levothyroxine 50 mcg once daily", "levothyroxine 75 mcg once "
              "daily"), "TSH {v} mIU/L", (0.8, 7.9), "Recheck TSH in six to eight weeks."),
    Condition("COPD", ("tiotropium 18 mcg inhaled once daily",), "FEV1 {v}% of predicted",
              (38, 72), "Smoking cessation support offered; referral to pulmonary rehabilitation."),
    Condition("heart failure", ("furosemide 40 mg once daily", "spironolactone 25 mg once "
              "daily"), "weight up {v} kg with ankle oedema", (0.5, 3.5),
              "Daily weights; fluid restriction discussed; review diuretic dose."),
    Condition("major depressive disorder", ("sertraline 50 mg once daily", "sertraline 100 mg "
              "once daily"), "PHQ-9 score {v}", (6, 19), "Continue sertraline; counselling."),
    Condition("gastro-oesophageal reflux disease", ("omeprazole 20 mg once daily",),
              "heartburn {v} nights a week", (1, 6), "Lifestyle advice; step down PPI if settled."),
)  # fmt: skip
# Draw weights: the common chronic conditions (and their drugs) show up in most notes.
PREVALENCE = (4, 4, 3, 3, 1, 1, 1, 1, 1, 1)
VISIT_REASONS = (
    "a routine chronic disease review", "a medication review", "worsening tiredness",
    "palpitations over the past week", "shortness of breath on exertion", "poor sleep",
    "follow-up after a recent hospital admission", "results of recent blood tests",
)  # fmt: skip
NOTE_KINDS = (
    "Outpatient Clinic Note",
    "Discharge Summary",
    "Telephone Follow-up",
    "Referral Letter",
)
RELATIVES = ("daughter", "son", "partner", "sister", "brother")
ADHERENCE = ("good adherence", "missing occasional doses", "no side effects", "mild nausea")


def _dob(rng: random.Random) -> dt.date:
    return dt.date(rng.randint(1938, 1985), rng.randint(1, 12), rng.randint(1, 28))


def _date_text(rng: random.Random, day: dt.date) -> str:
    return rng.choice((day.strftime("%m/%d/%Y"), day.strftime("%d %B %Y"), day.isoformat()))


def _mrn(rng: random.Random) -> str:
    number = f"{rng.randint(0, 9_999_999):08d}"
    return rng.choice((f"MRN {number}", f"MRN: {number}", f"Medical record number {number}"))


def _value(rng: random.Random, cond: Condition) -> str:
    low, high = cond.values
    value = rng.uniform(low, high)
    return f"{value:.1f}" if high < 20 else str(round(value))


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _findings(rng: random.Random, conds: list[Condition]) -> tuple[list[str], list[str]]:
    meds = [rng.choice(c.drugs) for c in conds]
    lines = [f"{c.name}: {c.finding.format(v=_value(rng, c))}. {c.plan}" for c in conds]
    return meds, lines


@dataclass(frozen=True)
class Patient:
    who: Person
    dob: dt.date
    header: list[str]  # identifying lines (name, DOB, MRN, address, phone, e-mail)
    phone: str


def _patient(rng: random.Random) -> Patient:
    who, where, dob = person(rng), address(rng), _dob(rng)
    tel = phone(rng, where.phone_style)
    header = [
        f"Patient: {who.titled}",
        f"DOB: {_date_text(rng, dob)}",
        _mrn(rng),
        f"Address: {where.line}",
        f"Phone: {tel}",
        f"Email: {email(rng, who)}",
    ]
    return Patient(who, dob, header, tel)


def note(rng: random.Random) -> str:
    patient, doctor = _patient(rng), person(rng)
    visit = dt.date(rng.randint(2023, 2024), rng.randint(1, 12), rng.randint(1, 28))
    dob = patient.dob
    age = visit.year - dob.year - ((visit.month, visit.day) < (dob.month, dob.day))
    drawn = rng.sample(CONDITIONS, rng.randint(1, 3), counts=PREVALENCE)
    conds = list(dict.fromkeys(drawn))
    meds, findings = _findings(rng, conds)
    kind, who = rng.choice(NOTE_KINDS), patient.who
    sex = "woman" if who.female else "man"
    pronoun, possessive = ("She", "her") if who.female else ("He", "his")
    history = (
        f"{who.courtesy_surname} is a {age}-year-old {sex} with "
        f"{_listed([c.name for c in conds])}, seen for {rng.choice(VISIT_REASONS)}. "
        f"{who.first} reports {rng.choice(ADHERENCE)} with the current medication."
    )
    if rng.random() < 0.4:
        relative = person(rng)
        kin = rng.choice(RELATIVES)
        history += (
            f" {pronoun} attended with {possessive} {kin}, {relative.first} {who.last}, who helps "
            "with medicines at home."
        )
    follow = (
        f"Follow-up with Dr. {doctor.last} in {rng.choice(('four weeks', 'three months'))}; "
        f"results will be phoned to {who.courtesy_surname} on {patient.phone}."
    )
    clinician = f"Dr. {doctor.full}"
    lines = [
        f"# {kind}",
        "",
        *patient.header,
        f"Date: {_date_text(rng, visit)}",
        f"Clinician: {clinician}",
        "",
    ]
    if kind == "Referral Letter":
        lines += [
            f"Dear Dr. {person(rng).last},",
            "",
            f"I would be grateful if you could see {who.full}. {history}",
            "",
        ]
    else:
        lines += ["## History", history, ""]
    lines += [
        "## Medications",
        *(f"- {m}" for m in meds),
        "",
        "## Assessment and Plan",
        *(f"- {f}" for f in findings),
        "",
        follow,
    ]
    if kind == "Referral Letter":
        lines += ["", "Yours sincerely,", clinician]
    return "\n".join(lines) + "\n"


def notes(rng: random.Random, count: int = 160) -> list[str]:
    return [note(rng) for _ in range(count)]
