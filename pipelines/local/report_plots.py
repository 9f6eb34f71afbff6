"""The report's figures: the training loss curve and the gains forest plot (PNG, matplotlib).

Each figure is a function `(result-derived data, path) -> bool` (False: nothing to draw), so a
new figure (a reward curve) is one more function and one more entry in the report's row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training_scripts.vocabulary.metrics import family_rules, gain_key

_WIDTH, _DPI = 6.0, 110


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display in CI or over SSH
    import matplotlib.pyplot as plt

    return plt


def plot_loss(series: list[tuple[float, float]], path: Path) -> bool:
    if not series:
        return False
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(_WIDTH, 3.2), dpi=_DPI)
    axis.plot([s for s, _ in series], [v for _, v in series], marker=".", linewidth=1)
    axis.set_xlabel("step")
    axis.set_ylabel("training loss")
    axis.set_title("Training loss")
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True


def plot_reward(series: dict[str, list[tuple[float, float]]], path: Path) -> bool:
    """The reward the policy earned per GRPO step, and its KL to the reference beside it."""
    if "reward" not in series:
        return False
    plt = _pyplot()
    figure, axes = plt.subplots(1, len(series), figsize=(6 * len(series), 3.2), dpi=_DPI)
    for axis, (name, points) in zip(
        axes if len(series) > 1 else [axes], series.items(), strict=True
    ):
        axis.plot([s for s, _ in points], [v for _, v in points], marker=".", linewidth=1)
        axis.set_xlabel("step")
        axis.set_ylabel(name)
        axis.set_title(f"GRPO {name} (reward model + rule rewards)" if name == "reward"
                       else f"GRPO {name} to the reference")  # fmt: skip
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True


@dataclass(frozen=True)
class GainRow:
    """One gate metric: candidate - baseline with its paired bootstrap interval."""

    metric: str
    gain: float
    low: float
    high: float
    # The gate's bound on the gain, if a rule sets one (Min*Gain; MaxRefusalDrop as -drop).
    threshold: float | None
    rule: str | None
    passed: bool | None  # None: the rule was not reached
    rule_value: float | None = None  # the parameter's own value (MaxRefusalDrop: the drop)


def gain_rows(
    evaluation: dict[str, Any],
    parameters: dict[str, Any],
    decided: dict[str, bool],
    family: str = "text",
) -> list[GainRow]:
    """A row per metric of the family's gate that has a baseline, in the gate's order."""
    rows: dict[str, GainRow] = {}
    for rule in family_rules(family):
        metric = rule.metric
        if gain_key(metric) not in evaluation:
            continue
        row = rows.get(metric) or GainRow(
            metric, float(evaluation[gain_key(metric)]),
            float(evaluation[gain_key(metric, "low")]), float(evaluation[gain_key(metric, "high")]),
            None, None, None,
        )  # fmt: skip
        if rule.kind in ("gain", "drop") and rule.parameter in parameters:
            value = float(parameters[rule.parameter])
            # refusal_drop = baseline - candidate <= MaxRefusalDrop  <=>  gain >= -MaxRefusalDrop
            threshold = value if rule.kind == "gain" else -value
            row = GainRow(row.metric, row.gain, row.low, row.high, threshold, rule.parameter,
                          decided.get(rule.parameter), value)  # fmt: skip
        rows[metric] = row
    return list(rows.values())


def plot_gains(rows: list[GainRow], path: Path) -> bool:
    """Forest plot: a panel per metric (their scales differ), gain and 95 % interval, zero as a
    grey dashed line, the gate's threshold on the gain as a line: green passed, red failed, grey
    not reached (an earlier rule failed)."""
    if not rows:
        return False
    plt = _pyplot()
    figure, axes = plt.subplots(
        len(rows), 1, figsize=(_WIDTH + 1.5, 0.7 * len(rows) + 0.8), dpi=_DPI, squeeze=False
    )
    for axis, row in zip(axes[:, 0], rows, strict=True):
        axis.errorbar(
            [row.gain], [0], xerr=[[row.gain - row.low], [row.high - row.gain]],
            fmt="o", color="#1f4e79", capsize=4, markersize=5,
        )  # fmt: skip
        axis.axvline(0.0, color="#999999", linewidth=1, linestyle="--")
        marks = [row.low, row.high, 0.0]
        rule = ""
        if row.threshold is not None:
            colour = {True: "#176f2c", False: "#b00020", None: "#888888"}[row.passed]
            axis.axvline(row.threshold, color=colour, linewidth=2)
            marks.append(row.threshold)
            verdict = {True: "pass", False: "FAIL", None: "not reached"}[row.passed]
            bound = f" (gain >= {row.threshold:g})" if row.rule_value != row.threshold else ""
            rule = f"{row.rule} = {row.rule_value:g}{bound}\n{verdict}"
        span = (max(marks) - min(marks)) or 1.0
        axis.set_xlim(min(marks) - 0.1 * span, max(marks) + 0.1 * span)
        axis.set_ylim(-1, 1)
        axis.set_yticks([0], [f"{row.metric}\n{row.gain:+.3g} [{row.low:+.3g}, {row.high:+.3g}]"])
        axis.tick_params(axis="y", labelsize=8)
        axis.tick_params(axis="x", labelsize=7)
        axis.text(1.02, 0.5, rule, transform=axis.transAxes, fontsize=7, va="center")
    axes[0, 0].set_title("Gain over the baseline, 95 % paired bootstrap interval", fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True
