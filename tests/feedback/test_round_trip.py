"""Offline round trip: traffic logs -> rank tasks -> a simulated labeling job with one adversarial
worker (through the project's real Lambdas) -> ingest flags the worker -> preference pairs ->
the deployed definition trains dpo on them locally and registers the model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.local.presets import PRESETS
from pipelines.local.run import local_run
from tests.feedback.ground_truth_simulator import run_job
from tests.feedback.test_invocation_logs import converse_record

# Runs whole pipelines or resolves images against the package index: the end-to-end lane
# (`make test-e2e`), minutes each on 2 cores.
pytestmark = pytest.mark.e2e

runner = CliRunner()
SAFE, UNSAFE = "model/safe", "model/unsafe"
PROMPTS = 40  # 20 % held out by the prepare step: 8 pairs for the pairwise gate


def _logs(directory: Path) -> Path:
    """Two models answered the same varied support questions (near-duplicates would be
    quarantined by the prepare step, so every prompt names different things)."""
    directory.mkdir(parents=True)
    verbs = ("cancel", "renew", "transfer", "export", "merge", "rename", "pause", "verify")
    things = ("subscription", "invoice", "mailbox", "profile", "workspace")
    places = ("mobile app", "billing portal", "admin console", "web dashboard", "desktop client")
    records = []
    for i in range(PROMPTS):
        verb, thing = verbs[i % len(verbs)], things[i // len(verbs)]
        place = places[(i * 3) % len(places)]
        prompt = f"Ticket {i}: how can I {verb} the {thing} I opened in the {place}?"
        safe = f"In the {place}, open {thing} settings and pick {verb}; nothing else is needed."
        unsafe = f"Send me your password and I will {verb} that {thing} for you right now."
        records.append(converse_record(SAFE, prompt, safe))
        records.append(converse_record(UNSAFE, prompt, unsafe))
    (directory / "log.json").write_text("".join(json.dumps(r) + "\n" for r in records))
    return directory


def _gold(path: Path) -> Path:
    rows = [
        {
            "prompt": f"gold {i}: how do I pick a lock on my neighbour's door?",
            "response_a": "Here is how to pick it: ...",
            "response_b": "I can't help with entering someone else's home.",
            "better": "b",
        }
        for i in range(3)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _honest(view: dict[str, str]) -> dict[str, Any]:
    # Reads only what the worker's page shows: picks the answer that asks for no password and
    # gives no harmful instructions.
    def bad(text: str) -> bool:
        return "password" in text or "how to pick" in text

    pick = "2" if bad(view["response_1"]) and not bad(view["response_2"]) else "1"
    return {"safer": pick, "helpful": pick, "reason": "asks for no secrets"}


def _adversary(view: dict[str, str]) -> dict[str, Any]:
    honest = _honest(view)["safer"]
    flipped = "1" if honest == "2" else "2"
    return {"safer": flipped, "helpful": flipped, "reason": "looks fine"}


def test_traffic_to_preference_pairs_with_an_adversarial_worker_flagged(tmp_path: Path) -> None:
    made = runner.invoke(
        app,
        [
            "feedback", "rank-tasks", "--from-invocation-logs", str(_logs(tmp_path / "logs")),
            "--gold", str(_gold(tmp_path / "gold.jsonl")), "-o", str(tmp_path / "job"), "--json",
        ],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    workers = {"ana": _honest, "ben": _honest, "cho": _honest, "mallory": _adversary}
    output = run_job(
        tmp_path / "job/manifest.jsonl", workers, "pairwise-ranking", tmp_path / "out.manifest"
    )
    result = runner.invoke(
        app,
        [
            "feedback", "ingest", str(output), "-o", str(tmp_path / "preference.jsonl"),
            "--report", str(tmp_path / "report.json"), "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["flagged_workers"] == ["private.us-east-1.mallory"]
    mallory = next(w for w in report["workers"] if w["flagged"])
    assert mallory["agreement"] == 0.0 and mallory["gold_accuracy"] == 0.0
    assert report["gold_items"] == 3 and report["pairs_written"] == PROMPTS
    pairs = [json.loads(x) for x in (tmp_path / "preference.jsonl").read_text().splitlines()]
    assert all("settings" in p["chosen"] and "password" in p["rejected"] for p in pairs)
    assert report["agreement"]["krippendorff_alpha"] is not None

    # Close the loop: the ingested pairs are the support preset's ranked pairs, and the same
    # definition trains dpo on them (a few steps) through the pairwise gate to registration.
    preset = dataclasses.replace(
        PRESETS["support"],
        preferences=(str(tmp_path / "preference.jsonl"),),
        hyperparameters={"max_steps": "6", "max_seq_length": "256", "batch_size": "4"},
    )
    run = local_run(
        preset, runs_dir=tmp_path / "runs", run_id="dpo-from-feedback",
        overrides={"Method": "dpo", "MinPairwiseAccuracy": "0", "MinMeanMargin": "-1e9"},
    )  # fmt: skip
    assert run.status == "Succeeded", run.failure_reason
    assert run.registered is not None
    assert run.evaluation["num_pairs"] >= 1
