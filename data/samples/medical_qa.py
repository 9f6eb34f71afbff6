"""General medical question/answer pairs for the healthcare preset (sft). No PII by design.

Each fact appears once (question wording varies), so no two rows are near-duplicates. The facts
are textbook-level summaries for a demo, not clinical guidance.
"""

from __future__ import annotations

import random

# drug -> (used for, class, common side effect, what to monitor or None)
DRUGS = {
    "metformin": ("lowering blood glucose in type 2 diabetes", "a biguanide",
                  "gastrointestinal upset such as nausea and diarrhoea",
                  "kidney function (eGFR) and vitamin B12 levels"),
    "lisinopril": ("treating hypertension and heart failure and protecting the kidneys in "
                   "diabetes", "an ACE inhibitor", "a dry cough",
                   "blood pressure, kidney function and potassium"),
    "atorvastatin": ("lowering LDL cholesterol and reducing cardiovascular risk",
                     "a statin (HMG-CoA reductase inhibitor)", "muscle aches",
                     "the lipid profile and liver enzymes"),
    "amlodipine": ("treating hypertension and angina", "a dihydropyridine calcium channel blocker",
                   "ankle swelling", "blood pressure and ankle oedema"),
    "apixaban": ("preventing stroke in atrial fibrillation and treating venous thromboembolism",
                 "a direct oral anticoagulant (factor Xa inhibitor)", "bleeding",
                 "kidney function, haemoglobin and signs of bleeding"),
    "metoprolol": ("hypertension, angina and heart-rate control in atrial fibrillation",
                   "a cardioselective beta-blocker", "tiredness and a slow heart rate",
                   "heart rate and blood pressure"),
    "bisoprolol": ("heart failure, hypertension and rate control in atrial fibrillation",
                   "a cardioselective beta-blocker", "cold hands and feet",
                   "pulse and blood pressure"),
    "warfarin": ("preventing and treating blood clots, including stroke prevention in atrial "
                 "fibrillation", "a vitamin K antagonist anticoagulant", "bleeding", "the INR"),
    "empagliflozin": ("type 2 diabetes, heart failure and chronic kidney disease",
                      "an SGLT2 inhibitor", "genital fungal infections",
                      "kidney function and symptoms of ketoacidosis"),
    "insulin glargine": ("providing long-acting basal insulin in diabetes",
                         "a long-acting insulin analogue", "hypoglycaemia", "blood glucose"),
    "levothyroxine": ("replacing thyroid hormone in hypothyroidism",
                      "a synthetic thyroid hormone (T4)", "palpitations when the dose is too high",
                      "TSH"),
    "albuterol": ("quick relief of bronchospasm in asthma and COPD",
                  "a short-acting beta-2 agonist", "tremor and a fast heart rate",
                  "how often it is needed, since frequent use signals poor asthma control"),
    "budesonide": ("long-term control of asthma when inhaled", "an inhaled corticosteroid",
                   "oral thrush", None),
    "tiotropium": ("maintenance treatment of COPD", "a long-acting muscarinic antagonist",
                   "dry mouth", None),
    "sertraline": ("depression and anxiety disorders",
                   "a selective serotonin reuptake inhibitor (SSRI)",
                   "nausea, sleep disturbance and sexual dysfunction",
                   "mood and suicidal thoughts, especially early in treatment"),
    "omeprazole": ("gastro-oesophageal reflux disease and peptic ulcers",
                   "a proton pump inhibitor", "headache and diarrhoea", None),
    "furosemide": ("fluid overload in heart failure and oedema", "a loop diuretic",
                   "dehydration and low potassium", "electrolytes, kidney function and weight"),
    "spironolactone": ("heart failure and resistant hypertension",
                       "a mineralocorticoid receptor antagonist", "high potassium",
                       "potassium and kidney function"),
    "allopurinol": ("preventing gout attacks by lowering uric acid",
                    "a xanthine oxidase inhibitor", "skin rash", "serum uric acid"),
    "prednisolone": ("inflammatory conditions such as asthma exacerbations", "a corticosteroid",
                     "raised blood glucose and mood changes",
                     "blood glucose and blood pressure during longer courses"),
    "ibuprofen": ("pain, fever and inflammation", "a non-steroidal anti-inflammatory drug (NSAID)",
                  "stomach irritation and bleeding",
                  "kidney function and blood pressure with long-term use"),
    "clopidogrel": ("preventing heart attack and stroke after acute coronary syndrome or a stent",
                    "an antiplatelet drug (P2Y12 inhibitor)", "bleeding", None),
    "gabapentin": ("neuropathic pain and some seizure disorders", "an anticonvulsant",
                   "drowsiness and dizziness", None),
}  # fmt: skip
# condition -> (what it is, typical symptoms, usual treatment)
CONDITIONS = {
    "type 2 diabetes": ("a chronic condition in which the body resists insulin and blood glucose "
                        "stays too high", "thirst, frequent urination, tiredness and blurred "
                        "vision", "lifestyle change with metformin first-line, adding other "
                        "glucose-lowering drugs as needed"),
    "hypertension": ("persistently raised blood pressure in the arteries", "usually none, which "
                     "is why blood pressure should be checked regularly", "lifestyle change plus "
                     "drugs such as lisinopril, amlodipine or a thiazide diuretic"),
    "atrial fibrillation": ("an irregular, often fast heart rhythm that starts in the atria",
                            "palpitations, breathlessness, tiredness and dizziness", "rate or "
                            "rhythm control plus an anticoagulant such as apixaban when stroke "
                            "risk is raised"),
    "hypothyroidism": ("an underactive thyroid gland that makes too little thyroid hormone",
                       "tiredness, weight gain, feeling cold and constipation",
                       "daily levothyroxine, adjusted to the TSH level"),
    "asthma": ("chronic inflammation of the airways with reversible narrowing", "wheeze, cough, "
               "chest tightness and breathlessness", "an inhaled corticosteroid for control "
               "plus a reliever inhaler"),
    "COPD": ("chronic obstructive pulmonary disease, a long-term lung disease with airflow "
             "limitation, mostly caused by smoking", "breathlessness, a chronic cough and "
             "sputum", "stopping smoking, inhaled bronchodilators such as tiotropium and "
             "pulmonary rehabilitation"),
    "heart failure": ("a condition in which the heart cannot pump enough blood for the body's "
                      "needs", "breathlessness, ankle swelling and fatigue", "diuretics for "
                      "fluid plus ACE inhibitors, beta-blockers, spironolactone and SGLT2 "
                      "inhibitors"),
    "hypercholesterolaemia": ("raised cholesterol in the blood", "usually none until a heart "
                              "attack or stroke occurs", "diet, exercise and a statin such "
                              "as atorvastatin"),
    "gastro-oesophageal reflux disease": ("stomach acid flowing back into the oesophagus",
                                          "heartburn and acid regurgitation", "lifestyle "
                                          "measures and a proton pump inhibitor such as "
                                          "omeprazole"),
    "major depressive disorder": ("persistent low mood or loss of interest lasting at least two "
                                  "weeks", "low mood, loss of interest, poor sleep and poor "
                                  "concentration", "psychological therapy, antidepressants "
                                  "such as sertraline, or both"),
    "gout": ("an inflammatory arthritis caused by urate crystals in a joint", "sudden severe "
             "pain, redness and swelling, often in the big toe", "NSAIDs, colchicine or steroids "
             "for attacks and allopurinol to prevent them"),
    "chronic kidney disease": ("reduced kidney function or kidney damage lasting more than "
                               "three months", "usually none until it is advanced, then "
                               "tiredness and swelling", "blood pressure and diabetes "
                               "control, often with an ACE inhibitor and an SGLT2 inhibitor"),
    "community-acquired pneumonia": ("an infection of the lung tissue caught outside hospital",
                                     "cough, fever, breathlessness and chest pain",
                                     "antibiotics such as amoxicillin"),
    "iron deficiency anaemia": ("low haemoglobin caused by a lack of iron", "tiredness, pallor "
                                "and breathlessness", "iron replacement and finding the cause "
                                "of the iron loss"),
}  # fmt: skip
GENERAL = (
    ("What does HbA1c measure?", "HbA1c reflects average blood glucose over the previous two to "
     "three months."),
    ("What does the INR measure?", "The INR measures how long blood takes to clot; it is used to "
     "monitor warfarin."),
    ("What does eGFR estimate?", "eGFR estimates how well the kidneys filter blood."),
    ("What does TSH stand for?", "TSH stands for thyroid-stimulating hormone."),
    ("What is a normal resting heart rate for adults?", "A normal resting heart rate for adults "
     "is 60 to 100 beats per minute."),
    ("What is a medical record number (MRN)?", "An MRN is an identifier a hospital or clinic "
     "gives a patient's record; it is personal data and must be protected."),
    ("What is the CHA2DS2-VASc score used for?", "It estimates stroke risk in atrial "
     "fibrillation to guide the decision to anticoagulate."),
    ("What does LDL stand for?", "LDL stands for low-density lipoprotein, often called bad "
     "cholesterol."),
    ("What does FEV1 measure?", "FEV1 is the volume of air forcefully exhaled in the first "
     "second; it is used to assess airflow obstruction."),
    ("What is hypoglycaemia?", "Hypoglycaemia is a blood glucose level that is too low, usually "
     "below 4 mmol/L (70 mg/dL)."),
    ("What are the warning signs of hypoglycaemia?", "Sweating, shaking, hunger, palpitations "
     "and confusion."),
    ("What is an ECG?", "An electrocardiogram records the electrical activity of the heart."),
    ("What does the PHQ-9 questionnaire measure?", "The PHQ-9 measures the severity of "
     "depressive symptoms."),
    ("What is tachycardia?", "Tachycardia is a resting heart rate above 100 beats per minute."),
    ("What is bradycardia?", "Bradycardia is a resting heart rate below 60 beats per minute."),
    ("What is oedema?", "Oedema is swelling caused by fluid collecting in the tissues."),
    ("What is a normal adult body temperature?", "About 37 degrees Celsius (98.6 degrees "
     "Fahrenheit)."),
    ("What does 'bid' mean on a prescription?", "It means twice a day."),
    ("What does 'prn' mean on a prescription?", "It means as needed."),
    ("What is a contraindication?", "A reason that makes a treatment inadvisable for a "
     "particular patient."),
    ("How does type 1 diabetes differ from type 2 diabetes?", "Type 1 diabetes is an autoimmune "
     "loss of insulin production; type 2 diabetes is mainly insulin resistance."),
    ("What is sepsis?", "Sepsis is a life-threatening organ dysfunction caused by the body's "
     "response to infection."),
    ("What is a stroke?", "A stroke is brain damage caused by a blocked or burst blood vessel."),
    ("What does 'NPO' mean?", "Nothing by mouth, for example before surgery."),
    ("What is a generic drug?", "A medicine with the same active ingredient as a brand-name "
     "drug, sold under its non-proprietary name."),
)  # fmt: skip
DRUG_QUESTIONS = (
    ("What is {d} used for?", "Why might a doctor prescribe {d}?"),
    ("What class of drug is {d}?", "Which drug class does {d} belong to?"),
    ("What is a common side effect of {d}?", "Name a common side effect of {d}."),
    ("What should be monitored in a patient taking {d}?", "What needs monitoring on {d}?"),
)
CONDITION_QUESTIONS = (
    ("What is {c}?", "Can you explain what {c} is?"),
    ("What are the typical symptoms of {c}?", "How does {c} usually present?"),
    ("How is {c} usually treated?", "What is the usual treatment for {c}?"),
)


def _sentence(name: str, template: str, fact: str) -> str:
    text = template.format(n=name, f=fact)
    return text[0].upper() + text[1:]


def qa_pairs(rng: random.Random) -> list[dict[str, str]]:
    pairs = [{"prompt": q, "completion": a} for q, a in GENERAL]
    answers = ("{n} is used for {f}.", "{n} is {f}.", "A common side effect of {n} is {f}.",
               "Monitor {f} in patients taking {n}.")  # fmt: skip
    for drug, facts in DRUGS.items():
        for questions, answer, fact in zip(DRUG_QUESTIONS, answers, facts, strict=True):
            if fact is not None:
                prompt = rng.choice(questions).format(d=drug)
                pairs.append({"prompt": prompt, "completion": _sentence(drug, answer, fact)})
    answers = (
        "{n} is {f}.",
        "Typical symptoms of {n} are {f}.",
        "{n} is usually treated with {f}.",
    )
    for condition, facts in CONDITIONS.items():
        for questions, answer, fact in zip(CONDITION_QUESTIONS, answers, facts, strict=True):
            prompt = rng.choice(questions).format(c=condition)
            pairs.append({"prompt": prompt, "completion": _sentence(condition, answer, fact)})
    rng.shuffle(pairs)
    return pairs
