"""The local registry's model cards: the same content CreateModelPackage gets, as JSON and HTML.

`runs/model-cards/<group>/v<N>.json` holds the card content exactly as the RegisterModel step
passed it (`ModelCard.ModelCardContent`); `.html` renders it for people. `fmops eval
audit-ingest --local-version N` adds the audit result to both.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from training_scripts.vocabulary.metrics import HALLUCINATION_RATE

CARDS_DIR = "model-cards"


def card_paths(registry: Path, group: str, version: int) -> tuple[Path, Path]:
    base = registry.parent / CARDS_DIR / group / f"v{version}"
    return base.with_suffix(".json"), base.with_suffix(".html")


def _fmt(value: object) -> str:
    return "" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


_COLUMNS = ("candidate", "baseline", "gain", "gain_ci_low", "gain_ci_high")


def _metric_table(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """metric -> {candidate, baseline, gain, ...} from the card's `metric.field` entries."""
    table: dict[str, dict[str, Any]] = {}
    for detail in content.get("evaluation_details") or []:
        for group in detail.get("metric_groups") or []:
            for item in group.get("metric_data") or []:
                metric, _, field = str(item.get("name", "")).rpartition(".")
                row = table.setdefault(metric, {"better": item.get("notes", "")})
                row[field] = item.get("value")
    return table


def render_card(content: dict[str, Any], title: str) -> str:
    uses = content.get("intended_uses") or {}
    extra = content.get("additional_information") or {}
    custom = extra.get("custom_details") or {}
    hyper = (content.get("training_details") or {}).get("training_job_details", {})
    rows = "".join(
        f"<tr><td>{html.escape(metric)}</td>"
        + "".join(f"<td>{html.escape(_fmt(row.get(k)))}</td>" for k in (*_COLUMNS, "better"))
        + "</tr>"
        for metric, row in _metric_table(content).items()
    )
    details = "".join(
        f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in custom.items()
    )
    params = ", ".join(
        f"{html.escape(p['name'])}={html.escape(p['value'])}"
        for p in hyper.get("hyper_parameters", [])
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}table{{border-collapse:collapse}}
</style></head><body><h1>Model card: {html.escape(title)}</h1>
<h2>Intended use</h2><p>{html.escape(str(uses.get("purpose_of_model", "")))}</p>
<p>Risk rating: <b>{html.escape(str(uses.get("risk_rating", "")))}</b>
({html.escape(str(uses.get("explanations_for_risk_rating", "")))})</p>
<h2>Known risks</h2><p>{html.escape(str(extra.get("ethical_considerations", "")))}</p>
<p>{html.escape(str(extra.get("caveats_and_recommendations", "")))}</p>
<h2>Training</h2><p>{params}</p>
<h2>Evaluation: candidate vs baseline (paired bootstrap 95 % interval of the gain)</h2>
<table><tr><th>metric</th><th>candidate</th><th>baseline</th><th>gain</th><th>CI low</th>
<th>CI high</th><th>better</th></tr>{rows}</table>
<h2>Lineage, gate, audit</h2><table>{details}</table></body></html>"""


def write_card(registry: Path, group: str, version: int, content: dict[str, Any]) -> dict[str, str]:
    json_path, html_path = card_paths(registry, group, version)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    html_path.write_text(render_card(content, f"{group} version {version}"), encoding="utf-8")
    return {"json": str(json_path), "html": str(html_path)}


def update_card_audit(json_path: Path, audit: dict[str, Any]) -> None:
    """Record a human audit on a local card (JSON and its HTML page)."""
    content = json.loads(json_path.read_text(encoding="utf-8"))
    content["additional_information"]["custom_details"]["audit"] = json.dumps(audit)
    uses = content["intended_uses"]
    uses["risk_rating"] = "Medium"
    uses["explanations_for_risk_rating"] = (
        f"Human audit: hallucination rate {audit[HALLUCINATION_RATE]:.3f}, 95% Wilson upper "
        f"bound {audit['hallucination_rate_ci_high']:.3f} over {audit['audited']} items."
    )
    json_path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    title = f"{json_path.parent.name} version {json_path.stem.removeprefix('v')}"
    json_path.with_suffix(".html").write_text(render_card(content, title), encoding="utf-8")
