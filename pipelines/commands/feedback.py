"""`fmops feedback`: human pairwise rankings out to Ground Truth and preference pairs back in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.table import Table

from pipelines.commands import feedback_jobs
from pipelines.commands.shared import AsJson, Region, Stage, input_file, stage_deployment
from pipelines.commands.shared import stage_settings as _settings
from pipelines.console import console, fail, print_json
from pipelines.deployment_outputs import Deployment
from pipelines.feedback import FeedbackError
from pipelines.feedback.cloud import (
    bedrock_responder,
    download_invocation_logs,
    download_job_output,
    record_audit,
    start_training,
)
from pipelines.feedback.ingest import CRITERIA_POLICIES, IngestReport, ingest_pairs, write_pairs
from pipelines.feedback.invocation_logs import (
    candidate_pairs,
    log_files,
    read_logged_calls,
    redact_pairs,
)
from pipelines.feedback.labeling import check_job_name
from pipelines.feedback.manifests import read_output_manifest
from pipelines.feedback.quality import WORKER_POLICIES, QualityPolicy
from pipelines.feedback.retrain import check_method
from pipelines.feedback.tasks import build_rank_tasks
from training_scripts.vocabulary.metrics import HALLUCINATION_RATE

app = typer.Typer(
    help="Human feedback: Ground Truth pairwise-ranking tasks, preference pairs for reward/DPO.",
    no_args_is_help=True,
)


Candidates = Annotated[
    Path | None,
    typer.Argument(help='JSONL: {"prompt", "response_a", "response_b"} per line.'),
]
FromLogs = Annotated[
    str | None,
    typer.Option(
        help="Build the pairs from Bedrock invocation logs: a folder or s3://BUCKET/PREFIX/."
    ),
]
AnswerWith = Annotated[
    str | None,
    typer.Option(
        help="Model that answers logged prompts twice (low/high temperature) when the logs "
        "hold only one answer: bedrock:MODEL_ID."
    ),
]
Gold = Annotated[
    Path | None,
    typer.Option(
        help='Gold questions to mix in, JSONL: {"prompt","response_a","response_b",'
        '"better": "a"|"b"}; they measure each worker.'
    ),
]
Shuffle = Annotated[
    bool, typer.Option("--shuffle/--no-shuffle", help="Randomize which side each shows.")
]


@app.command("rank-tasks")
def rank_tasks(
    candidates: Candidates = None,
    from_invocation_logs: FromLogs = None,
    answer_with: AnswerWith = None,
    limit: Annotated[int | None, typer.Option(help="At most this many pairs.", min=1)] = None,
    stage: Stage = None,
    region: Region = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Where to write.")] = Path(
        "feedback-job"
    ),
    seed: Annotated[int, typer.Option(help="Seed for the per-pair side shuffle.")] = 13,
    shuffle: Shuffle = True,
    gold: Gold = None,
    as_json: AsJson = False,
) -> None:
    """Write a Ground Truth input manifest and a pairwise-ranking worker template.

    From real traffic, PII is redacted from prompts and answers before anything is written.

    Example: [cyan]fmops feedback rank-tasks candidates.jsonl --out-dir job/[/]
    then [cyan]fmops feedback start job/ --job-name safety-rank-1[/].
    Traffic: [cyan]fmops feedback rank-tasks --from-invocation-logs s3://BUCKET/logs/ -o job/[/]
    """
    if (candidates is None) == (from_invocation_logs is None):
        raise fail("give a candidates file or --from-invocation-logs SOURCE (one of the two)")
    for path, option in ((candidates, "CANDIDATES"), (gold, "--gold")):
        if path is not None:
            input_file(path, option)
    if answer_with is not None and from_invocation_logs is None:
        raise fail("--answer-with: only for --from-invocation-logs")
    if from_invocation_logs is not None:
        source = _LogSource(from_invocation_logs, answer_with, limit)
        candidates = _candidates_from_logs(source, stage, region, out_dir)
    assert candidates is not None
    try:
        result = build_rank_tasks(candidates, out_dir, seed=seed, shuffle=shuffle, gold_path=gold)
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(result.summary())
        return
    console.print(
        f"wrote {result.tasks} ranking tasks to {result.manifest} "
        f"({result.swapped} shown swapped, {result.skipped_identical} identical pairs skipped, "
        f"{result.gold} gold questions)"
    )
    console.print(f"worker template: {result.template}")


OutputManifest = Annotated[
    Path | None,
    typer.Argument(help="Completed Ground Truth output manifest (JSONL); or use --job."),
]
Job = Annotated[
    str | None,
    typer.Option("--job", help="Read the output manifest of this completed labeling job."),
]
PairsOut = Annotated[Path, typer.Option("--out", "-o", help="Preference pairs JSONL to write.")]
LabelAttribute = Annotated[
    str | None,
    typer.Option(help="Label attribute name of the job (found automatically when unique)."),
]
Criterion = Annotated[
    str, typer.Option(help=f"Which judgment decides: {', '.join(CRITERIA_POLICIES)}.")
]
ReportFile = Annotated[
    Path | None, typer.Option(help="Also write the counts and agreement as JSON here.")
]
WorkerPolicy = Annotated[
    str | None,
    typer.Option(
        help=f"What flagged workers' labels count for: {', '.join(WORKER_POLICIES)} "
        "(default: the stage's feedback.worker_policy)."
    ),
]
MinWorkerAgreement = Annotated[
    float | None,
    typer.Option(help="Flag a worker agreeing less often with the others (default: settings)."),
]
TrainMethod = Annotated[
    str | None,
    typer.Option(
        help="With --job: upload the pairs to the raw bucket and start the deployed pipeline "
        "with this preference method (dpo or reward)."
    ),
]
MinGoldAccuracy = Annotated[
    float | None,
    typer.Option(help="Flag a worker right on fewer gold questions (default: settings)."),
]


@app.command("ingest")
def ingest(
    output_manifest: OutputManifest = None,
    job: Job = None,
    stage: Stage = None,
    region: Region = None,
    out: PairsOut = Path("preference.jsonl"),
    label_attribute: LabelAttribute = None,
    criterion: Criterion = "combined",
    report: ReportFile = None,
    worker_policy: WorkerPolicy = None,
    min_worker_agreement: MinWorkerAgreement = None,
    train: TrainMethod = None,
    min_gold_accuracy: MinGoldAccuracy = None,
    as_json: AsJson = False,
) -> None:
    """Turn a completed ranking job into {"prompt","chosen","rejected"} JSONL by majority vote.

    Workers are measured first (agreement with the others, gold questions); flagged workers'
    labels are dropped, down-weighted or kept per --worker-policy.

    Example: [cyan]fmops feedback ingest output.manifest --out data/raw/preference.jsonl --json[/]
    Cloud: [cyan]fmops feedback ingest --job rank-2026-11-30 --out pairs.jsonl[/]
    """
    _check_ingest_inputs(output_manifest, job, train, criterion)
    quality = _quality_policy(stage, min_worker_agreement, min_gold_accuracy, worker_policy)
    deployment = stage_deployment(stage, region) if job is not None else None
    if job is not None and deployment is not None:
        output_manifest, kind, package = _job_output(deployment, job, out.parent)
        if kind == "audit":
            _ingest_audit(job, output_manifest, package, deployment, as_json)
            return
    assert output_manifest is not None
    try:
        rated = read_output_manifest(output_manifest, label_attribute=label_attribute)
        records, counts = ingest_pairs(rated, criterion=criterion, quality=quality)
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    if not records:
        raise fail(f"{output_manifest}: no pair had a winning response; nothing to write", code=1)
    write_pairs(records, out)
    summary: dict[str, Any] = {"output": str(out), **counts.as_dict()}
    if job is not None and deployment is not None:
        summary["job"] = job
        if train is not None:
            summary["training"] = _start_training(deployment, out, job, train)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if as_json:
        print_json(summary)
        return
    _print_ingest(out, summary, counts, quality.policy)


def _check_ingest_inputs(
    output_manifest: Path | None, job: str | None, train: str | None, criterion: str
) -> None:
    if (output_manifest is None) == (job is None):
        raise fail("give a completed output manifest or --job NAME (one of the two)")
    if output_manifest is not None:
        input_file(output_manifest, "OUTPUT_MANIFEST")
    try:
        if job is not None:
            check_job_name(job)
        if train is not None:
            if job is None:
                raise fail("--train needs --job: the pairs are uploaded under the job's name")
            check_method(train)
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    if criterion not in CRITERIA_POLICIES:
        raise fail(
            f"--criterion = {criterion!r}: unknown (allowed: {', '.join(CRITERIA_POLICIES)})"
        )


def _quality_policy(
    stage: str | None,
    min_agreement: float | None,
    min_gold_accuracy: float | None,
    policy: str | None,
) -> QualityPolicy:
    """The worker-quality policy: the options given, else the stage's feedback settings."""
    feedback = _settings(stage).feedback
    try:
        return QualityPolicy(
            min_agreement=_given(min_agreement, feedback.min_worker_agreement),
            min_gold_accuracy=_given(min_gold_accuracy, feedback.min_gold_accuracy),
            policy=_given(policy, feedback.worker_policy),
        )
    except FeedbackError as exc:
        raise fail(str(exc)) from None


def _job_output(
    deployment: Deployment, job: str, directory: Path
) -> tuple[Path, str | None, str | None]:
    try:
        return download_job_output(deployment, job, directory)
    except FeedbackError as exc:  # the job is not done, or wrote no manifest
        raise fail(str(exc), code=1) from None
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"read labeling job {job}: {exc}", code=1) from None


def _start_training(deployment: Deployment, pairs: Path, job: str, method: str) -> dict[str, str]:
    try:
        return start_training(deployment, pairs, job, method)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"start training on {job}'s pairs: {exc}", code=1) from None


def _print_ingest(
    out: Path, summary: dict[str, Any], counts: IngestReport, worker_policy: str
) -> None:
    table = Table(title=f"preference pairs → {out}")
    table.add_column("count")
    table.add_column("value", justify="right")
    for key in (
        "pairs",
        "pairs_written",
        "ties",
        "conflicts_unresolved",
        "disagreements_resolved_by_majority",
        "unjudged",
        "gold_items",
        "invalid_judgments",
    ):
        table.add_row(key, str(summary[key]))
    agreement = counts.agreement
    if agreement and agreement.pairs_rated_by_several:
        table.add_row("pairs rated by several workers", str(agreement.pairs_rated_by_several))
        table.add_row("percent agreement", f"{agreement.percent_agreement:.2%}")
        alpha = agreement.krippendorff_alpha
        table.add_row("Krippendorff's alpha", "undefined" if alpha is None else f"{alpha:.3f}")
    console.print(table)
    for worker in counts.workers.values():
        if worker.flagged:
            console.print(
                f"flagged worker {worker.worker_id}: {'; '.join(worker.reasons)} "
                f"({worker_policy}, weight {worker.weight})"
            )
    if "training" in summary:
        started = summary["training"]
        console.print(
            f"training {started['method']} on {started['input']}: {started['execution_arn']}",
            soft_wrap=True,
        )


_T = TypeVar("_T")


def _given(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _ingest_audit(
    job: str, manifest: Path, package: str | None, deployment: Deployment, as_json: bool
) -> None:
    """An audit job's hallucination rate, stored with the model version it audited."""
    if package is None:
        raise fail(f"audit job {job} names no model package (start it with --model-package)", 1)
    try:
        result = record_audit(deployment, manifest, package)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"record the audit on {package}: {exc}", code=1) from None
    if as_json:
        print_json({"job": job, "model_package_arn": package, **result})
        return
    console.print(
        f"audit {job}: hallucination rate {result[HALLUCINATION_RATE]:.3f} "
        f"(95% Wilson [{result['hallucination_rate_ci_low']:.3f}, "
        f"{result['hallucination_rate_ci_high']:.3f}], {result['audited']} items), "
        f"recorded on {package}",
        soft_wrap=True,
    )


@dataclass(frozen=True)
class _LogSource:
    source: str  # a folder or s3://BUCKET/PREFIX/
    answer_with: str | None  # bedrock:MODEL_ID
    limit: int | None


def _candidates_from_logs(
    logs: _LogSource, stage: str | None, region: str | None, out_dir: Path
) -> Path:
    source, answer_with, limit = logs.source, logs.answer_with, logs.limit
    model = None
    if answer_with is not None:
        kind, _, model = answer_with.partition(":")
        if kind != "bedrock" or not model:
            raise fail(f"--answer-with {answer_with!r}: expected bedrock:MODEL_ID")
    cloud = source.startswith("s3://") or answer_with is not None
    deployment = stage_deployment(stage, region) if cloud else None
    responder = bedrock_responder(deployment, model) if deployment and model else None
    try:
        if deployment and source.startswith("s3://"):
            files = download_invocation_logs(deployment, source, out_dir / "logs")
        else:
            files = log_files(Path(source))
        pairs = candidate_pairs(read_logged_calls(files), responder=responder, limit=limit)
        redacted, found = redact_pairs(pairs, salt="")
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"read invocation logs {source}: {exc}", code=1) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "candidates.jsonl"
    path.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in redacted), encoding="utf-8"
    )
    if found:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(found.items()))
        console.print(f"redacted before anyone sees it: {counts}", soft_wrap=True)
    return path


# Labeling jobs live in their own module; the group keeps the order rank-tasks, ingest, start,
# status in --help.
app.command("start")(feedback_jobs.start)
app.command("status")(feedback_jobs.status)
