"""The whole runtime contract of one deployment unit: every declared call, its decision, the
grants no call needs, and the principal -> call -> granting statement table
(docs/runtime_contract.md).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from deployment.settings import Settings
from infra.runtime_contract import iam_reference
from infra.runtime_contract.bedrock_job_calls import bedrock_job_calls
from infra.runtime_contract.delivery_calls import (
    asset_job_calls,
    pipeline_action_calls,
    project_calls,
)
from infra.runtime_contract.evaluator import Call, Decision, evaluate
from infra.runtime_contract.humans_calls import labeling_calls
from infra.runtime_contract.pipeline_calls import pipeline_calls
from infra.runtime_contract.policies import PolicyIndex, Statement
from infra.runtime_contract.service_calls import (
    boundary_findings,
    custom_resource_calls,
    event_target_calls,
    lambda_calls,
    log_group_key_calls,
    vpc_lambda_race_findings,
)
from infra.runtime_contract.service_principal_calls import service_principal_calls
from infra.runtime_contract.service_role_calls import (
    knowledge_base_calls,
    mlflow_server_calls,
    q_business_calls,
)
from infra.runtime_contract.state_machine_calls import state_machine_calls
from infra.runtime_contract.templates import Assembly


def declared_calls(unit: Assembly, settings: Settings) -> list[Call]:
    """Every call of the unit's runtime principals, each derived from what makes it."""
    calls = (
        pipeline_calls(unit)
        + state_machine_calls(unit)
        + bedrock_job_calls(unit, settings)
        + event_target_calls(unit)
        + log_group_key_calls(unit)
        + lambda_calls(unit)
        + custom_resource_calls(unit)
        + asset_job_calls(unit)
        + pipeline_action_calls(unit)
        + project_calls(unit)
        + labeling_calls(unit, settings)
        + mlflow_server_calls(unit)
        + knowledge_base_calls(unit)
        + q_business_calls(unit)
        + service_principal_calls(unit)
    )
    unique: dict[tuple[object, ...], Call] = {}
    for call in calls:
        context = tuple(sorted((k, str(v)) for k, v in call.context.items()))
        unique.setdefault((call.principal, call.action, call.resource, call.via_vpc, context), call)
    return list(unique.values())


@dataclass
class UnitContract:
    name: str
    unit: Assembly
    index: PolicyIndex
    decisions: list[Decision]
    findings: list[str] = field(default_factory=list)

    @property
    def denied(self) -> list[Decision]:
        return [d for d in self.decisions if not d.allowed]

    @property
    def principals(self) -> set[str]:
        return {d.call.principal for d in self.decisions}

    def unused_grants(self) -> list[tuple[str, str]]:
        """(statement origin, action) of every Allow in a contract principal's identity policies
        that no allowed call was granted by."""
        used = {(origin, d.call.action.lower()) for d in self.decisions for origin in d.granted_by}
        unused = set()
        for principal in self.principals:
            role = self.index.roles.get(principal)
            for statement in role.identity if role else []:
                if statement.effect != "Allow":
                    continue
                for action in _granted_actions(statement):
                    if (statement.origin, action.lower()) not in used:
                        unused.add((statement.origin, action))
        return sorted(unused)


def _granted_actions(statement: Statement) -> list[str]:
    actions: list[str] = []
    for pattern in statement.actions:
        if "*" in pattern or "?" in pattern:
            actions += iam_reference.expand(pattern)
        else:
            actions.append(pattern)
    return actions


def unit_contract(
    name: str, unit: Assembly, settings: Settings, index: PolicyIndex | None = None
) -> UnitContract:
    index = index or PolicyIndex.build(unit)
    decisions = [evaluate(index, call) for call in declared_calls(unit, settings)]
    findings = boundary_findings(unit) + vpc_lambda_race_findings(unit, decisions)
    return UnitContract(name, unit, index, decisions, findings)


def matches(patterns: tuple[str, str, str], decision: Decision) -> bool:
    """Whether a (principal label, action, resource) glob triple names a decision's call."""
    label, action, resource = patterns
    call = decision.call
    return (
        fnmatch.fnmatchcase(call.label or call.principal, label)
        and fnmatch.fnmatchcase(call.action, action)
        and fnmatch.fnmatchcase(call.resource, resource)
    )


def table(contract: UnitContract) -> str:
    """Markdown: principal -> call -> the statements that grant it (or why it is denied)."""
    rows: dict[str, list[str]] = {}
    for d in sorted(
        contract.decisions, key=lambda d: (d.call.label, d.call.action, d.call.resource)
    ):
        call = d.call
        grants = (
            ", ".join(f"`{g}`" for g in d.granted_by) if d.allowed else f"**denied**: {d.reason}"
        )
        context = ", ".join(f"{k}={v}" for k, v in sorted(call.context.items()))
        via = " (via VPC endpoint)" if call.via_vpc else ""
        line = f"| `{call.action}` | `{call.resource}`{via} | {context} | {call.why} | {grants} |"
        rows.setdefault(call.label or call.principal, [])
        if line not in rows[call.label or call.principal]:
            rows[call.label or call.principal].append(line)
    out = []
    for principal in sorted(rows):
        out.append(f"\n### {principal}\n")
        out.append("| action | resource | request context | made by | granted by |")
        out.append("|---|---|---|---|---|")
        out += rows[principal]
    return "\n".join(out) + "\n"
