"""Settings sections for running the platform rather than training: delivery across accounts,
cost, human feedback, serving and organisation security guard rails (parts of `Settings`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from deployment.section import Section as _Section

_ACCOUNT = r"^\d{12}$"
_REGION = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$"


class DeliverySettings(_Section):
    """Opt-in CDK Pipelines promotion (infra/stacks/delivery.py): source -> synth -> stages.

    Each stage deploys to the account/region of its own `fmops:stages` entry; every stage after
    the first waits for a manual approval.
    """

    enabled: bool = False
    # A CodeConnections (formerly CodeStar Connections) connection to the repository's host.
    connection_arn: str | None = Field(
        None,
        pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:"
        r"connection/[0-9a-f-]{36}$",
    )
    repository: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    branch: str = Field("main", min_length=1, max_length=255)
    stages: tuple[str, ...] = Field(("dev", "prod"), min_length=1, max_length=8)
    # Where the pipeline itself lives (a tooling account); unset = the first stage's.
    account: str | None = Field(None, pattern=_ACCOUNT)
    region: str | None = Field(None, pattern=_REGION)

    @model_validator(mode="after")
    def _source_when_enabled(self) -> DeliverySettings:
        if self.enabled and not (self.connection_arn and self.repository):
            raise ValueError("enabled = True: also set connection_arn and repository (owner/name)")
        if len(set(self.stages)) != len(self.stages):
            raise ValueError(f"stages = {list(self.stages)}: each stage may appear once")
        return self


class CostSettings(_Section):
    """Cost shown before money is spent (`fmops pipeline start`, `fmops bedrock submit`)."""

    # An estimate above this needs `--yes`.
    confirm_above_usd: float = Field(50.0, ge=0)
    # The bundled price table is called stale (a warning line) when older than this.
    max_price_age_days: int = Field(120, ge=1, le=3650)
    # Expected hours per pipeline step name; a step not listed is costed at its maximum runtime.
    # (Positive: a negative or zero hour count would lower the total below the --yes guard.)
    expected_step_hours: dict[
        str, Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
    ] = Field(default_factory=dict)
    # Optional AWS Budgets budget for the stage's account, e-mailed to `alarm_email`.
    monthly_budget_usd: float | None = Field(None, gt=0)
    budget_alert_percent: float = Field(80.0, gt=0, le=1000)


class FeedbackSettings(_Section):
    """Human feedback through SageMaker Ground Truth: workforce, task defaults, worker quality."""

    # Off by default: a workforce is people and money; a stage opts in.
    enabled: bool = False
    # An existing private workteam to send tasks to; None makes the stack create a private
    # workforce (Cognito, MFA on) and a workteam for the stage.
    workteam_arn: str | None = Field(
        None, pattern=r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:workteam/[a-z-]+/[\w-]+$"
    )
    task_prefix: str = Field("feedback/tasks/", pattern=r"^[a-z0-9][a-z0-9/_-]*/$")
    output_prefix: str = Field("feedback/output/", pattern=r"^[a-z0-9][a-z0-9/_-]*/$")
    # CreateLabelingJob limits (HumanTaskConfig, botocore sagemaker model): 1-9 workers per
    # object, task time limit 30 s to 8 h, availability up to 10 days for private teams.
    workers_per_item: int = Field(3, ge=1, le=9)
    task_time_limit_seconds: int = Field(600, ge=30, le=28800)
    task_availability_hours: int = Field(72, ge=1, le=240)
    min_worker_agreement: float = Field(0.6, ge=0.0, le=1.0)
    min_gold_accuracy: float = Field(0.7, ge=0.0, le=1.0)
    worker_policy: Literal["drop", "downweight", "keep"] = "drop"


class ServingSettings(_Section):
    """Serving approved models through Bedrock (the serving stack)."""

    # Approval of a model package in the group starts a Custom Model Import.
    import_on_approval: bool = True
    # A rejection, or a newer approved import, deletes the group's previous imported model.
    retire_previous: bool = True
    # Whose guardrail (a `bedrock.denied_topics` use case) invokers must send; None: the first.
    guardrail_use_case: str | None = Field(None, pattern=r"^[a-z][a-z0-9-]{0,30}$")
    # Import polling: starts at the first interval and doubles up to the second.
    poll_interval_seconds: int = Field(60, ge=10, le=3600)
    max_poll_interval_seconds: int = Field(600, ge=10, le=3600)
    max_polls: int = Field(200, ge=1, le=10000)
    # While another import runs (the account quota is one at a time), wait this long and look again.
    queue_wait_seconds: int = Field(300, ge=30, le=3600)
    # A completed Bedrock customization of a base that supports on-demand deployment (Nova
    # Micro/Lite/Pro) is deployed on demand by the customization workflow (no idle cost).
    deploy_customized_on_demand: bool = True
    # Model invocation logs (prompts and answers) go to the artifacts bucket under this prefix.
    # Bedrock has ONE logging configuration per account and Region: the stage that sets this
    # owns it (its stack writes it and, on delete, removes it). Off by default; turn it on in
    # exactly one stage per account and Region (the delivery pipeline refuses two owners).
    invocation_logging: bool = False
    invocation_log_prefix: str = Field(
        "bedrock-invocation-logs/", pattern=r"^[a-z0-9][a-z0-9/_-]*/$"
    )


_ROLE_ARN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$"
_POLICY_ARN = r"^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$"


class SecuritySettings(_Section):
    """Organisation-level guard rails the stacks apply on top of their own least privilege."""

    # Platform teams often require a permissions boundary on every role a project creates; an
    # Aspect sets it on every AWS::IAM::Role of every stack, CDK-generated ones included.
    permissions_boundary_arn: str | None = Field(None, pattern=_POLICY_ARN, max_length=2048)
    # The curated bucket accepts object writes only from the prepare job's role; this role (an
    # incident-response role outside the project) is the one exception, audited by CloudTrail.
    break_glass_role_arn: str | None = Field(None, pattern=_ROLE_ARN, max_length=2048)
