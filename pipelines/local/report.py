"""`runs/<id>/report.html`: what ran, what was kept, the loss and the gains (figures), the gate
(one table: candidate, baseline, gain and interval, threshold, decision per rule), the MLflow run.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from deployment.contract import METHOD_PARAMETER
from deployment.settings import Settings
from pipelines.local.executor import RunResult
from pipelines.local.report_plots import gain_rows, plot_gains, plot_loss, plot_reward
from pipelines.local.tracking import TRACKING_DB
from training_scripts.metrics.model_card import metric_rows
from training_scripts.vocabulary.methods import METHODS
from training_scripts.vocabulary.metrics import (
    GATE_RULES,
    HALLUCINATION_RATE_SOURCE,
    NUM_BENIGN,
    NUM_EXAMPLES,
    NUM_REDTEAM,
    TRAIN_LOSS,
    GateRule,
    baseline_key,
    family_rules,
    gain_key,
)

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}
.ok{color:#176f2c;font-weight:600}.bad{color:#b00020;font-weight:600}
code{background:#f6f6f6;padding:0 .2rem}
.figures{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
.figures img{max-width:34rem;border:1px solid #eee}
"""


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _status(ok: bool, text: str) -> str:
    return f'<span class="{"ok" if ok else "bad"}">{html.escape(text)}</span>'


def loss_series(result: RunResult) -> list[tuple[float, float]]:
    """(step, loss) from the model's training_summary.json, else from scraped metric lines."""
    for step in result.steps:
        summary = result.run_dir / "jobs" / step.name / "opt/ml/model/training_summary.json"
        if step.type == "Training" and summary.is_file():
            history = json.loads(summary.read_text()).get("loss_history") or []
            return [(float(s), float(v)) for s, v in history]
    scraped = [
        (i, m[TRAIN_LOSS])
        for series in result.metrics.values()
        for i, (_, m) in enumerate(series)
        if TRAIN_LOSS in m
    ]
    return [(float(i), float(v)) for i, v in scraped]


def reward_series(result: RunResult) -> dict[str, list[tuple[float, float]]]:
    """A grpo run's per-step reward and KL to the reference (empty for other methods)."""
    for step in result.steps:
        summary = result.run_dir / "jobs" / step.name / "opt/ml/model/training_summary.json"
        if step.type == "Training" and summary.is_file():
            found = json.loads(summary.read_text())
            return {
                name: [(float(s), float(v)) for s, v in found.get(key) or []]
                for name, key in (("reward", "reward_history"), ("KL", "kl_history"))
                if found.get(key)
            }
    return {}


def _governance(result: RunResult) -> str:
    """Rows read/kept per stage, quarantined rows per reason, PII found, records written."""
    manifests = sorted((result.run_dir / "s3").rglob("governance/manifest.json"))
    if not manifests:
        return "<p>No governance manifest was written.</p>"
    manifest = json.loads(manifests[0].read_text())
    rows = [[html.escape(str(k)), v] for k, v in (manifest.get("stages") or {}).items()]
    removed = manifest.get("removed") or {}
    rows += [[f"quarantined: {html.escape(str(k))}", v] for k, v in removed.items()] or [
        ["quarantined", 0]
    ]
    pii = manifest.get("pii") or {}
    entities = pii.get("entities")
    if not isinstance(entities, dict):
        entities = {}
    rows += [[f"PII anonymized: {html.escape(str(k))}", v] for k, v in entities.items()]
    rows += [
        [f"written: {html.escape(str(k))}", o.get("records", "?")]
        for k, o in (manifest.get("outputs") or {}).items()
        if isinstance(o, dict)
    ]
    return _table(["stage / reason", "rows"], rows)


def _num(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "–"


def _rule_row(rule: GateRule, evaluation: dict[str, Any], result: RunResult) -> list[str]:
    """metric, kind, candidate, baseline, gain [CI], threshold, decision for one gate rule."""
    decided = {row["threshold_parameter"]: row["passed"] for row in result.gate}
    metric = rule.metric
    gain = evaluation.get(gain_key(metric))
    interval = (
        f"{_num(gain)} [{_num(evaluation.get(gain_key(metric, 'low')))}, "
        f"{_num(evaluation.get(gain_key(metric, 'high')))}]"
        if gain is not None
        else "–"
    )
    comparison = ">=" if rule.minimum else "<="
    threshold = result.parameters.get(rule.parameter)
    checked = f"{rule.key} {comparison} {rule.parameter} = {threshold}"
    if rule.parameter in decided:
        decision = _status(decided[rule.parameter], "pass" if decided[rule.parameter] else "FAIL")
    else:
        decision = "not reached (an earlier rule failed)"
    return [
        html.escape(metric), rule.kind, _num(evaluation.get(metric)),
        _num(evaluation.get(baseline_key(metric))), interval, html.escape(checked), decision,
    ]  # fmt: skip


def _comparison(result: RunResult) -> str:
    evaluation = result.evaluation or {}
    if not evaluation:
        return "<p>No evaluation was written.</p>"
    gate = _table(
        ["metric", "rule", "candidate", "baseline", "gain [95 % CI]", "threshold", "decision"],
        [_rule_row(rule, evaluation, result) for rule in family_rules(gate_family(result))],
    )
    boot = evaluation.get("bootstrap") or {}
    note = (
        f"<p>{evaluation.get(NUM_EXAMPLES)} held-out examples, "
        f"{evaluation.get(NUM_REDTEAM)} red-team and {evaluation.get(NUM_BENIGN)} benign "
        f"prompts, the same for both models. Intervals: paired bootstrap, "
        f"{boot.get('resamples')} resamples, seed {boot.get('seed')}. Refusal detector on its "
        f"labelled set ({evaluation.get('refusal_detector_labelled')} replies): precision "
        f"{_num(evaluation.get('refusal_detector_precision'))}, recall "
        f"{_num(evaluation.get('refusal_detector_recall'))}. Hallucination rate source: "
        f"<code>{html.escape(str(evaluation.get(HALLUCINATION_RATE_SOURCE)))}</code>.</p>"
    )
    others = [
        f"{html.escape(r['metric'])} {_num(r['candidate'])} (baseline {_num(r['baseline'])})"
        for r in metric_rows(evaluation)
        if r["metric"] not in {rule.metric for rule in GATE_RULES}
    ]
    rest = f"<p>Not gated: {'; '.join(others)}.</p>" if others else ""
    return f"{gate}{note}{rest}"


def _model_card_link(result: RunResult) -> str:
    card = (result.registered or {}).get("ModelCard") or {}
    if card.get("html"):
        link = os.path.relpath(card["html"], result.run_dir)
        where = html.escape(card["json"])
        return f'<p><a href="{html.escape(link)}">Model card</a> (JSON: <code>{where}</code>)</p>'
    drafts = sorted((result.run_dir / "s3").rglob("evaluation/model_card.json"))
    if drafts:
        link = os.path.relpath(drafts[0], result.run_dir)
        return (
            "<p>Not registered; the card the evaluation drafted: "
            f'<a href="{html.escape(link)}">model_card.json</a></p>'
        )
    return "<p>No model card.</p>"


def gate_family(result: RunResult) -> str:
    """Which gate judged the run's method: text, pairwise (reward, dpo) or policy (grpo)."""
    method = METHODS.get(str(result.parameters.get(METHOD_PARAMETER)))
    evaluation = method.evaluation if method else "generation"
    return evaluation if evaluation in ("pairwise", "policy") else "text"


def _figures(result: RunResult) -> str:
    """The loss curve beside the gains forest plot (each only when there is data for it)."""
    decided = {row["threshold_parameter"]: row["passed"] for row in result.gate}
    rows = gain_rows(result.evaluation or {}, result.parameters, decided, gate_family(result))
    figures = [
        ("loss.png", "training loss curve",
         plot_loss(loss_series(result), result.run_dir / "loss.png")),
        ("gains.png", "gains over the baseline with 95 % intervals and the gate's thresholds",
         plot_gains(rows, result.run_dir / "gains.png")),
        ("reward.png", "GRPO reward and KL per step",
         plot_reward(reward_series(result), result.run_dir / "reward.png")),
    ]  # fmt: skip
    images = [f'<img src="{name}" alt="{alt}">' for name, alt, drawn in figures if drawn]
    return f'<div class="figures">{"".join(images)}</div>' if images else "<p>No figures.</p>"


def _mlflow(result: RunResult) -> str:
    """Where the run's MLflow record is and the command that shows it."""
    if not result.mlflow_run_id:
        return "<p>Not tracked (tracking.enabled is false, or the store could not be written).</p>"
    store = result.run_dir.parent / TRACKING_DB
    url = (
        f"http://127.0.0.1:5000/#/experiments/{result.mlflow_experiment_id}"
        f"/runs/{result.mlflow_run_id}"
    )
    return (
        f"<p>MLflow run <code>{html.escape(result.mlflow_run_id)}</code> in "
        f"<code>{html.escape(str(store))}</code>. Show it with "
        f"<code>fmops local ui --runs-dir {html.escape(str(result.run_dir.parent))}</code>, then "
        f'<a href="{html.escape(url)}">{html.escape(url)}</a>.</p>'
    )


def write_report(result: RunResult, settings: Settings, preset: str) -> Path:
    timeline = _table(
        ["step", "type", "status", "seconds", "detail"],
        [
            [
                html.escape(s.name),
                s.type,
                _status(s.status == "Succeeded", s.status),
                f"{s.ended - s.started:.1f}",
                html.escape(s.detail[:200]),
            ]
            for s in result.steps
        ],
    )
    decision = (
        _status(
            True,
            f"registered as version {result.registered['ModelPackageVersion']}"
            f" ({result.registered['ModelApprovalStatus']})",
        )
        if result.registered
        else _status(False, result.failure_reason or "not registered")
    )
    registry = (
        f"<pre>{html.escape(json.dumps(result.registered, indent=2))}</pre>"
        if result.registered
        else "<p>Nothing registered.</p>"
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>fmops local run {html.escape(result.run_id)}</title><style>{_STYLE}</style></head><body>
<h1>Local pipeline run <code>{html.escape(result.run_id)}</code></h1>
<p>Preset <b>{html.escape(preset)}</b>, stage <b>{html.escape(settings.stage)}</b>, method
<b>{html.escape(str(result.parameters.get(METHOD_PARAMETER)))}</b>. Status:
{_status(result.status == "Succeeded", result.status)}. Decision: {decision}</p>
<h2>Steps</h2>{timeline}
<h2>Data governance</h2>{_governance(result)}
<h2>Training loss and gains</h2>{_figures(result)}
<h2>Quality gate</h2>{_comparison(result)}
<h2>Experiment tracking</h2>{_mlflow(result)}
<h2>Model card</h2>{_model_card_link(result)}
<h2>Model registry entry</h2>{registry}
<h2>Parameters</h2><pre>{html.escape(json.dumps(result.parameters, indent=2))}</pre>
</body></html>"""
    path = result.run_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
