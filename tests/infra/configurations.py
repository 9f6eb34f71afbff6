"""The configuration matrix the infrastructure is proven in, as cdk.json context overrides.

Each configuration starts from whatever cdk.json says (never from assumed defaults) and changes
only what it names, so the matrix follows the file a team edits.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from deployment.settings import load_settings, read_cdk_json_context
from infra.app import build_stacks
from infra.stacks.delivery import build_delivery

TOOLING, DEV, PROD = "111111111111", "222222222222", "333333333333"
REGION = "us-east-1"
CONNECTION = (
    f"arn:aws:codeconnections:{REGION}:{TOOLING}:connection/12345678-1234-1234-1234-123456789012"
)
JUDGE_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
TEACHER_MODELS = ["amazon.nova-pro-v1:0", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"]
IDENTITY_CENTER_ARN = "arn:aws:sso:::instance/ssoins-1234567890abcdef"


def _boundary(account: str) -> str:
    return f"arn:aws:iam::{account}:policy/platform-boundary"


def dev_context() -> dict[str, Any]:
    context = read_cdk_json_context()
    context["stage"] = "dev"
    return context


def prod_context() -> dict[str, Any]:
    context = read_cdk_json_context()
    context["stage"] = "prod"
    return context


def everything_on_context() -> dict[str, Any]:
    """prod with RAG, feedback through a workforce the stack creates, serving, a permissions
    boundary and a break-glass role per stage, dev sharing its models with prod, and the
    delivery pipeline in a tooling account deploying dev and prod to their own accounts."""
    context = read_cdk_json_context()
    context["stage"] = "prod"
    context["fmops"]["delivery"] = {
        "enabled": True,
        "connection_arn": CONNECTION,
        "repository": "acme/fmops",
        "account": TOOLING,
        "region": REGION,
    }
    stages = context.setdefault("fmops:stages", {})
    for stage, account in (("dev", DEV), ("prod", PROD)):
        overrides = stages.setdefault(stage, {})
        sections: dict[str, dict[str, Any]] = {
            "rag": {
                "enabled": True,
                "q_business": True,
                "identity_center_instance_arn": IDENTITY_CENTER_ARN,
            },
            "feedback": {"enabled": True, "workteam_arn": None},
            "serving": {"guardrail_use_case": "support"},
            "security": {
                "permissions_boundary_arn": _boundary(account),
                "break_glass_role_arn": f"arn:aws:iam::{account}:role/incident-response",
            },
            "bedrock": {"teacher_models": TEACHER_MODELS},
            "training": {"prepare_instance_count": 2},
            "evaluation": {"judge_model_id": JUDGE_MODEL},
        }
        for section, values in sections.items():
            overrides[section] = {**overrides.get(section, {}), **values}
        # No zones named: a pinned stage takes its Region's zones at deploy time (Fn::GetAZs).
        overrides.update(account=account, region=REGION, alarm_email="mlops@example.com")
        overrides["cost"] = {**overrides.get("cost", {}), "monthly_budget_usd": 5000}
    stages["dev"]["models"] = {**stages["dev"].get("models", {}), "share_with_accounts": [PROD]}
    return context


CONFIGURATIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "dev": dev_context,
    "prod": prod_context,
    "everything-on": everything_on_context,
}


def synthesize(context: dict[str, Any], outdir: Path) -> cdk.App:
    """The app as app.py builds it (the stage's stacks, then the delivery pipeline if enabled),
    without cdk-nag (its own test runs it), written to `outdir`."""
    context = copy.deepcopy(context)
    app = cdk.App(context=context, outdir=str(outdir))
    settings = load_settings(app.node.get_all_context())
    build_stacks(app, settings, nag=False)
    build_delivery(app, app.node.get_all_context(), settings)
    app.synth()
    return app
