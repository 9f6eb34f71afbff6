"""The pipeline definition the local executor walks, parsed once into typed steps.

A SageMaker pipeline definition (schema 2020-12-01) is JSON. What the executor decides on is
typed here: each step's name, type, the steps it waits for and its property files; a
ConditionStep's conditions and branches; a FailStep's message. A job's `Arguments` stay the API
request they are (CreateProcessingJob, CreateTrainingJob, CreateModelPackage: tests validate
them against botocore's shapes), with expressions the executor resolves per run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, get_args

# An API request, expression or condition as the definition's JSON holds it.
JsonObject = dict[str, Any]
# A pipeline parameter's value, typed by its declared Type (String, Integer, Float, Boolean).
ParameterValue = str | int | float | bool
# The step types the executor runs; any other stops the run (nothing is skipped silently).
StepType = Literal["Processing", "Training", "Condition", "Fail", "RegisterModel"]
STEP_TYPES: tuple[StepType, ...] = get_args(StepType)
JOB_STEP_TYPES: tuple[StepType, ...] = ("Processing", "Training")

_STEP_REF = re.compile(r'"Steps\.([A-Za-z0-9_-]+)\.')


class PipelineError(ValueError):
    """The definition is unusable locally (unsupported step type, circular dependency)."""


@dataclass(frozen=True)
class PropertyFile:
    """A file a step writes that later expressions read (`Std:JsonGet`)."""

    name: str
    output_name: str  # the processing output it is written to
    path: str  # relative to that output


@dataclass(frozen=True, kw_only=True)
class Step:
    name: str
    type: str  # a StepType, or a type the executor refuses when it reaches it
    arguments: JsonObject
    # DependsOn plus every step whose properties the step reads.
    depends_on: frozenset[str]
    property_files: tuple[PropertyFile, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ConditionStep(Step):
    conditions: tuple[JsonObject, ...]
    if_steps: tuple[Step, ...]
    else_steps: tuple[Step, ...]


@dataclass(frozen=True, kw_only=True)
class FailStep(Step):
    error_message: object  # a string or an expression (`Std:Join` of metric and threshold)


@dataclass(frozen=True)
class Definition:
    steps: tuple[Step, ...]
    document: JsonObject  # the whole definition (its Parameters are read by parse_parameters)


class _StepFields(TypedDict):
    name: str
    type: str
    arguments: JsonObject
    depends_on: frozenset[str]
    property_files: tuple[PropertyFile, ...]


def _field(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw:
        raise PipelineError(f"{where}: missing {key!r}")
    return raw[key]


def parse_step(raw: Mapping[str, Any]) -> Step:
    name = str(_field(raw, "Name", "pipeline step"))
    where = f"step {name}"
    kind = str(_field(raw, "Type", where))
    arguments = raw.get("Arguments") or {}
    depends_on = frozenset(_STEP_REF.findall(json.dumps(raw))) | frozenset(raw.get("DependsOn", []))
    depends_on -= {name}
    files = tuple(
        PropertyFile(str(f["PropertyFileName"]), str(f["OutputName"]), str(f["FilePath"]))
        for f in raw.get("PropertyFiles", [])
    )
    common = _StepFields(
        name=name, type=kind, arguments=arguments, depends_on=depends_on, property_files=files
    )
    if kind == "Condition":
        return ConditionStep(
            **common,
            conditions=tuple(_field(arguments, "Conditions", where)),
            if_steps=tuple(parse_step(s) for s in arguments.get("IfSteps", [])),
            else_steps=tuple(parse_step(s) for s in arguments.get("ElseSteps", [])),
        )
    if kind == "Fail":
        return FailStep(**common, error_message=_field(arguments, "ErrorMessage", where))
    return Step(**common)


def parse_definition(document: JsonObject) -> Definition:
    return Definition(tuple(parse_step(s) for s in _field(document, "Steps", "definition")),
                      document)  # fmt: skip


def dependency_order(steps: Sequence[Step]) -> list[Step]:
    """Steps so that every step runs after the steps it references."""
    by_name = {s.name: s for s in steps}
    ordered: list[Step] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise PipelineError(f"step {name}: circular dependency")
        visiting.add(name)
        for dependency in sorted(by_name[name].depends_on):
            if dependency in by_name:
                visit(dependency)
        visiting.discard(name)
        done.add(name)
        ordered.append(by_name[name])

    for step in steps:
        visit(step.name)
    return ordered
