"""training_scripts/evaluate.py in a subprocess, with the container layout under a run dir."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from training_scripts.tracking import (
    EXECUTION_ENV,
    EXECUTION_TAG,
    GATE_TAG,
    OUTBOX_ENV,
    RUN_ID_KEY,
    TRACKING_URI_ENV,
)
from training_scripts.vocabulary.metrics import (
    COMPARED_METRICS,
    EVALUATION_KEYS,
    MODEL_CARD_CONTENT,
)

REPO = Path(__file__).resolve().parents[2]
TEST_SET = [
    {"prompt": "Which clause excuses delay caused by a typhoon?", "completion": "Force Majeure"},
    {"prompt": "What was the patient prescribed?", "completion": "Metformin for diabetes."},
    {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You are a support agent."}],
        "messages": [
            {"role": "user", "content": [{"text": "My connection dropped."}]},
            {"role": "assistant", "content": [{"text": "Please restart the router."}]},
        ],
    },
]


def lay_out(root: Path, model: Path, test_rows: list[dict]) -> Path:
    inputs = root / "opt" / "ml" / "processing" / "input"
    shutil.copytree(model, inputs / "model")
    shutil.copytree(model, inputs / "baseline")  # same weights: every gain is exactly 0
    (inputs / "test").mkdir(parents=True)
    lines = "".join(json.dumps(row) + "\n" for row in test_rows)
    (inputs / "test" / "data.jsonl").write_text(lines, encoding="utf-8")
    return inputs


def run_evaluate(
    root: Path, *args: str, as_script: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {}), "FMOPS_CONTAINER_ROOT": str(root), "HF_HUB_OFFLINE": "1"}
    env["OMP_NUM_THREADS"] = "1"
    command = (
        [sys.executable, "evaluate.py", *args]
        if as_script
        else [sys.executable, "-m", "training_scripts.evaluate", *args]
    )
    cwd = REPO / "training_scripts" if as_script else REPO
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


# Baseline and candidate are the same weights, so every gain (and its interval) is exactly 0:
# MinRougeLGain 0 passes (>=), MinBleuGain 0.5 fails.
THRESHOLDS = {"MinRougeLGain": 0.0, "MinBleuGain": 0.5}


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, tiny_model_dir) -> Path:
    """One Evaluate job as in a stage: the gate's thresholds as arguments, logging directly to
    an MLflow store (a local SQLite file standing in for the stage's tracking server)."""
    root = tmp_path_factory.mktemp("run")
    lay_out(root, tiny_model_dir, TEST_SET)
    gate = [a for name, value in THRESHOLDS.items() for a in ("--threshold", f"{name}={value}")]
    env = {TRACKING_URI_ENV: f"sqlite:///{root / 'mlflow.db'}", EXECUTION_ENV: "exec-1"}
    env[OUTBOX_ENV] = ""  # a local run's outbox, if the caller's shell has one, is not this
    done = run_evaluate(root, "--max-new-tokens", "8", "--audit-sample-size", "2", *gate, env=env)
    assert done.returncode == 0, done.stderr
    return root / "opt" / "ml" / "processing" / "output" / "evaluation"


def test_evaluate_logs_the_gate_decision_per_rule_and_ends_the_run(evaluated: Path) -> None:
    from mlflow.tracking import MlflowClient

    evaluation = json.loads((evaluated / "evaluation.json").read_text(encoding="utf-8"))
    store = evaluated.parents[4] / "mlflow.db"
    run = MlflowClient(tracking_uri=f"sqlite:///{store}").get_run(evaluation[RUN_ID_KEY])
    assert run.data.tags[EXECUTION_TAG] == "exec-1"
    assert (run.data.metrics["gate.MinRougeLGain"], run.data.metrics["gate.MinBleuGain"]) == (
        1.0,
        0.0,
    )
    assert float(run.data.params["gate.MinBleuGain.threshold"]) == THRESHOLDS["MinBleuGain"]
    assert run.data.tags[GATE_TAG] == "failed: MinBleuGain"
    # Only the rules given a threshold are decided (a pipeline passes all of them).
    assert not {k for k in run.data.metrics if k.startswith("gate.")} - {
        f"gate.{name}" for name in THRESHOLDS
    }
    assert run.info.status == "FAILED"  # a failed rule fails the run, not left RUNNING


def test_unknown_threshold_is_refused_in_one_line_with_exit_2(tmp_path: Path) -> None:
    done = run_evaluate(tmp_path, "--threshold", "MinFoo=1")
    assert done.returncode == 2
    assert "--threshold 'MinFoo=1'" in done.stderr and "MinRougeL" in done.stderr


def test_evaluation_json_has_every_gate_key_as_a_flat_number(evaluated):
    evaluation = json.loads((evaluated / "evaluation.json").read_text(encoding="utf-8"))

    assert set(EVALUATION_KEYS) <= set(evaluation)
    assert all(isinstance(evaluation[k], int | float) for k in EVALUATION_KEYS)
    assert evaluation["num_examples"] == len(TEST_SET)
    assert evaluation["hallucination_rate_source"] == "unsupported_word_rate"
    assert evaluation["perplexity"] > 1.0  # a random model is far from certain


def test_candidate_and_baseline_are_scored_on_the_same_examples(evaluated):
    evaluation = json.loads((evaluated / "evaluation.json").read_text(encoding="utf-8"))

    # The same model as candidate and baseline: paired differences are 0 in every resample.
    for metric in COMPARED_METRICS:
        assert evaluation[f"baseline_{metric}"] == evaluation[metric], metric
        assert evaluation[f"{metric}_gain_ci_low"] == evaluation[f"{metric}_gain_ci_high"] == 0
    assert evaluation["bootstrap"]["n"] == len(TEST_SET)
    assert evaluation["num_redteam"] >= 30 and evaluation["num_benign"] >= 30


def test_model_card_content_is_a_json_string_in_evaluation_json(evaluated):
    evaluation = json.loads((evaluated / "evaluation.json").read_text(encoding="utf-8"))
    card = json.loads(evaluation["model_card_content"])

    assert card == json.loads((evaluated / "model_card.json").read_text(encoding="utf-8"))
    names = {m["name"] for m in card["evaluation_details"][0]["metric_groups"][0]["metric_data"]}
    assert {"rougeL.candidate", "rougeL.baseline", "rougeL.gain_ci_low"} <= names


def _nodes(value):
    """Every JSON object inside `value`, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nodes(item)


def test_gate_reads_only_keys_that_evaluate_py_writes(evaluated):
    # Every JsonGet of the built pipeline, against the evaluation.json a real run wrote: a gate
    # key evaluate.py stops writing (or a renamed one) fails here.
    from deployment.settings import settings_for_stage
    from pipelines.training_pipeline import pipeline_definition
    from training_scripts.vocabulary.metrics import (
        GATE_RULES,
        MODEL_ARCHITECTURE,
        baseline_key,
        gain_key,
    )

    definition = json.loads(pipeline_definition(settings_for_stage("dev")))
    paths = sorted(
        {node["Std:JsonGet"]["Path"] for node in _nodes(definition) if "Std:JsonGet" in node}
    )
    evaluation = json.loads((evaluated / "evaluation.json").read_text(encoding="utf-8"))

    assert len(paths) >= 5  # one per gate rule at least; guards against a search that finds none
    # The model card travels as a string (CreateModelPackage ModelCardContent), and the
    # registration reads the model's architecture (a string) for serving; the rest are numbers
    # the ConditionSteps compare.
    assert isinstance(evaluation.get(MODEL_CARD_CONTENT), str)
    assert isinstance(evaluation.get(MODEL_ARCHITECTURE), str)
    # The registration names the package's MLflow run ("none" when the job logged none).
    assert isinstance(evaluation.get(RUN_ID_KEY), str) and evaluation[RUN_ID_KEY]
    strings = (MODEL_CARD_CONTENT, MODEL_ARCHITECTURE, RUN_ID_KEY)
    # This run evaluated a text model; the pairwise branch (reward/dpo) reads the keys the
    # preference evaluation writes, checked in test_preference_evaluation + test_task_metrics.
    pairwise = {rule.key for rule in GATE_RULES if rule.family == "pairwise"}
    # The policy branch (grpo) reads its reward-model keys, which only a policy evaluation
    # writes (tests/local/test_rlhf_chain.py runs one).
    policy = {
        key
        for rule in GATE_RULES
        if rule.family == "policy"
        for key in (rule.key, rule.metric, baseline_key(rule.metric), gain_key(rule.metric))
    }
    text_paths = [p for p in paths if p not in pairwise | policy]
    missing = [
        p for p in text_paths if p not in strings and not isinstance(evaluation.get(p), int | float)
    ]
    assert not missing, f"the gate reads {missing}, which evaluation.json lacks"


def test_model_quality_json_has_value_and_standard_deviation_per_metric(evaluated):
    report = json.loads((evaluated / "model_quality.json").read_text(encoding="utf-8"))
    metrics = report["text_generation_metrics"]

    assert {*COMPARED_METRICS, "refusal_rate", "hallucination_rate"} <= set(metrics)
    assert all(set(entry) == {"value", "standard_deviation"} for entry in metrics.values())


def test_audit_sample_and_predictions_are_written(evaluated):
    manifest = (evaluated / "audit_sample" / "manifest.jsonl").read_text(encoding="utf-8")
    predictions = (evaluated / "predictions.jsonl").read_text(encoding="utf-8").splitlines()

    assert len(manifest.splitlines()) == 2
    assert len(predictions) == len(TEST_SET)
    assert json.loads(predictions[0])["reference"] == "Force Majeure"
    assert (evaluated / "audit_sample" / "template.html").is_file()


def test_model_tarball_and_human_audit_input_are_used(tmp_path, tiny_model_dir):
    inputs = lay_out(tmp_path, tiny_model_dir, TEST_SET[:2])
    shutil.rmtree(inputs / "model")
    (inputs / "model").mkdir()
    with tarfile.open(inputs / "model" / "model.tar.gz", "w:gz") as tar:
        for path in tiny_model_dir.iterdir():
            tar.add(path, arcname=path.name)  # SageMaker packs model_dir's contents at the root
    (inputs / "audit").mkdir()
    audit = {"hallucination_rate": 0.125, "audited": 40, "source": "human_audit"}
    (inputs / "audit" / "result.json").write_text(json.dumps(audit), encoding="utf-8")

    done = run_evaluate(tmp_path, "--max-new-tokens", "4", as_script=False)

    assert done.returncode == 0, done.stderr
    out = tmp_path / "opt" / "ml" / "processing" / "output" / "evaluation" / "evaluation.json"
    evaluation = json.loads(out.read_text(encoding="utf-8"))
    assert evaluation["hallucination_rate"] == 0.125
    assert evaluation["hallucination_rate_source"] == "human_audit"


def test_empty_test_set_fails_with_one_line_and_exit_2(tmp_path, tiny_model_dir):
    inputs = lay_out(tmp_path, tiny_model_dir, [])

    done = run_evaluate(tmp_path)

    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"error: {inputs / 'test' / 'data.jsonl'}: is empty; need at least one JSON line"
    )
    assert "is empty" in (tmp_path / "opt" / "ml" / "output" / "message").read_text()
