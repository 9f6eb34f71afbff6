"""Lay out a SageMaker training job under a temp root and run train.py on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from training_scripts.contract import ROOT_ENV
from training_scripts.train import main

REPO = Path(__file__).resolve().parents[2]

CORPUS = [
    "The patient was prescribed metformin for type 2 diabetes.",
    "Force Majeure: neither party is liable for delays caused by events beyond control.",
    "Thank you for contacting support, I am happy to help with your order.",
    "Blood pressure readings improved after the dosage of lisinopril was adjusted.",
]
PAIRS = [
    ("What treats type 2 diabetes?", "Metformin is the usual first treatment."),
    ("Who is liable under force majeure?", "Neither party is liable for such delays."),
    ("My order is late.", "Thank you for contacting support, I am happy to help."),
    ("Which drug lowers blood pressure?", "Lisinopril lowers blood pressure."),
]
POLITE = ["Thank you, I am happy to help.", "Please let me know, I am glad to help."]
RUDE = ["Go away, stupid.", "Stop bothering me, idiot."]
# Held out: prompts and answers that appear in no training row, with the same politeness cues.
HELD_OUT_PROMPTS = ["Can I change my delivery address?", "Is the clinic open on Sunday?"]
HELD_OUT_POLITE = ["Thank you for asking, I am happy to help.", "Please wait, I am glad to help."]
HELD_OUT_RUDE = ["Stupid question, go away.", "Idiot, stop bothering me."]


def cpt_records() -> list[dict]:
    return [{"input": text} for text in CORPUS * 2]


def sft_records() -> list[dict]:
    return [{"prompt": p + "\n", "completion": c} for p, c in PAIRS * 2]


def preference_records(n: int = 16) -> list[dict]:
    return [
        {"prompt": PAIRS[i % 4][0] + "\n", "chosen": POLITE[i % 2], "rejected": RUDE[(i // 2) % 2]}
        for i in range(n)
    ]


def held_out_preference_records() -> list[dict]:
    return [
        {"prompt": prompt + "\n", "chosen": polite, "rejected": rude}
        for prompt in HELD_OUT_PROMPTS
        for polite, rude in zip(HELD_OUT_POLITE, HELD_OUT_RUDE, strict=True)
    ]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def make_job(
    root: Path,
    train: list[dict] | None,
    validation: list[dict] | None = None,
    hyperparameters: dict[str, str] | None = None,
    links: dict[str, Path] | None = None,
) -> Path:
    """A job root: hyperparameters.json, data channels, and `links` as extra channel dirs."""
    config = root / "opt/ml/input/config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters or {}))
    data = root / "opt/ml/input/data"
    data.mkdir(parents=True, exist_ok=True)
    if train is not None:
        write_jsonl(data / "train", train)
    if validation is not None:
        write_jsonl(data / "validation", validation)
    for name, target in (links or {}).items():
        (data / name).symlink_to(target, target_is_directory=True)
    return root


def run_job(root: Path, *args: str) -> int:
    return main(list(args), {ROOT_ENV: str(root)})


def run_job_subprocess(root: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, ROOT_ENV: str(root), "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "training_scripts.train", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def summary(root: Path) -> dict:
    return json.loads((root / "opt/ml/model/training_summary.json").read_text())


def loss_dropped(history: list[list[float]], window: int = 3) -> tuple[float, float]:
    """Mean loss of the first and last `window` steps."""
    losses = [loss for _, loss in history]
    return sum(losses[:window]) / window, sum(losses[-window:]) / window
