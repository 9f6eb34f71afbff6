"""Pipeline parameters and `${Name}` placeholders, checked locally before anything reaches AWS.

Light on purpose (json + re only): `fmops pipeline start` rejects a bad `--param` from the
definition's own `Parameters` list, so a typo never starts a multi-node training run.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, TypedDict


class PipelineInputError(ValueError):
    """Bad user input for a pipeline command, found before any AWS call."""


@dataclass(frozen=True)
class PipelineParameter:
    name: str
    type: str  # String | Integer | Float | Boolean, as SageMaker's definition schema spells them
    default: Any
    allowed: tuple[str, ...] = ()  # the definition's EnumValues, when it declares them


class ParameterValue(TypedDict):
    """One entry of StartPipelineExecution's PipelineParameters."""

    Name: str
    Value: str


# Fn::Sub syntax: `${Name}` is replaced, `${!Name}` is the literal `${Name}` (AWS CloudFormation
# User Guide, "Fn::Sub", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html).
_PLACEHOLDER = re.compile(r"\$\{(!?)([^}]*)\}")

# CreateModelPackage's ModelApprovalStatus enum (SageMaker API Reference, CreateModelPackage,
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html).
APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
_ALLOWED_VALUES = {"ModelApprovalStatus": APPROVAL_STATUSES}
APPROVAL_PARAMETER = "ModelApprovalStatus"
URI_SUFFIX = "Uri"  # InputDataUri, BaseModelUri, TeacherModelUri, BaselineModelUri
# A bucket name (S3 User Guide, "General purpose bucket naming rules") and an optional key.
_S3_URI = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\x00-\x1f]*)?")


def placeholders(definition: str) -> set[str]:
    """Names of the `${Name}` placeholders Fn::Sub would replace."""
    return {name for bang, name in _PLACEHOLDER.findall(definition) if not bang}


def resolve_placeholders(definition: str, values: dict[str, str]) -> str:
    """Fill every `${Name}` like Fn::Sub; refuse to return a half-resolved definition."""
    missing = sorted(placeholders(definition) - set(values))
    if missing:
        raise PipelineInputError(
            f"pipeline definition: no value for placeholder(s) {', '.join(missing)}; "
            "give them in --values FILE or deploy the training stack and use --stack"
        )

    def substitute(match: re.Match[str]) -> str:
        if match[1]:
            return "${" + match[2] + "}"
        # Placeholders sit inside JSON strings: escape so a value cannot break the document.
        return json.dumps(str(values[match[2]]))[1:-1]

    return _PLACEHOLDER.sub(substitute, definition)


def definition_parameters(definition: str) -> dict[str, PipelineParameter]:
    """The `Parameters` the definition declares, by name, in declaration order."""
    declared = json.loads(definition).get("Parameters", [])
    return {
        p["Name"]: PipelineParameter(
            p["Name"],
            p.get("Type", "String"),
            p.get("DefaultValue"),
            tuple(str(v) for v in p.get("EnumValues", ())),
        )
        for p in declared
    }


def _check_value(parameter: PipelineParameter, value: str) -> None:
    problem = ""
    if parameter.type == "Float":
        try:
            if not math.isfinite(float(value)):
                problem = "must be a finite number"
        except ValueError:
            problem = "must be a number (Float)"
    elif parameter.type == "Integer":
        try:
            int(value)
        except ValueError:
            problem = "must be a whole number (Integer)"
    elif parameter.type == "Boolean" and value.lower() not in ("true", "false"):
        problem = "must be true or false (Boolean)"
    allowed = parameter.allowed or _ALLOWED_VALUES.get(parameter.name)
    if allowed and value not in allowed:
        problem = f"must be one of {', '.join(allowed)}"
    if parameter.name.endswith(URI_SUFFIX) and not _S3_URI.fullmatch(value):
        # The jobs read these with S3 channels: a path or an http(s) URL would fail the run
        # minutes in (or, for a local run, read from this machine's file system).
        problem = "must be an s3:// URI (s3://bucket/prefix/)"
    if problem:
        raise PipelineInputError(f"--param {parameter.name}={value!r}: {problem}")


def split_pairs(pairs: list[str], option: str = "--param") -> dict[str, str]:
    """`NAME=VALUE` strings -> {name: value}; bad syntax or a repeated name is refused."""
    chosen: dict[str, str] = {}
    example = "MinRougeL=0.3" if option == "--param" else "max_steps=1"
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise PipelineInputError(f"{option} {pair!r}: expected NAME=VALUE, e.g. {example}")
        if name in chosen:
            raise PipelineInputError(f"{option} {name}: given more than once")
        chosen[name] = value
    return chosen


def check_approval_policy(chosen: dict[str, str], stage: str, require_audit: bool) -> None:
    """A run may register a model as Approved only where approval needs no human audit.

    `fmops pipeline approve` refuses a version without an audit in such a stage; registering it
    Approved from the run itself would skip that check.
    """
    value = chosen.get(APPROVAL_PARAMETER)
    if require_audit and value == "Approved":
        raise PipelineInputError(
            f"--param {APPROVAL_PARAMETER}=Approved: stage {stage} requires a human audit before "
            "approval (evaluation.require_audit); allowed: PendingManualApproval, Rejected "
            "(approve later with `fmops pipeline approve`)"
        )


def parse_parameter_overrides(
    pairs: list[str],
    parameters: dict[str, PipelineParameter],
    *,
    stage: str = "",
    require_audit: bool = False,
) -> list[ParameterValue]:
    """`K=V` strings -> StartPipelineExecution's PipelineParameters, every one checked."""
    chosen = split_pairs(pairs)
    check_approval_policy(chosen, stage, require_audit)
    for name, value in chosen.items():
        if name not in parameters:
            raise PipelineInputError(
                f"--param {name}: not a parameter of this pipeline; allowed: "
                + ", ".join(parameters)
            )
        _check_value(parameters[name], value)
    return [{"Name": name, "Value": value} for name, value in chosen.items()]
