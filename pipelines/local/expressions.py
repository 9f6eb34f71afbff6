"""Evaluate a pipeline definition's expressions the way SageMaker Pipelines does, offline.

Handles `{"Get": ...}` references (Parameters, Execution, Steps properties and property files),
`Std:Join`, `Std:JsonGet` and the condition types the ConditionStep uses. `${Name}` deployment
placeholders are filled in the whole definition beforehand (pipeline_parameters). Anything
else fails loudly: a silently wrong value is worse than a stop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.local.definition import ParameterValue

_STEP_PATH = re.compile(r"^Steps\.([A-Za-z0-9_-]+)\.(.+)$")
_INDEX = re.compile(r"^([A-Za-z0-9]+)\[(?:'([^']+)'|(\d+))\]$")


class ExpressionError(RuntimeError):
    """A definition expression cannot be evaluated locally."""


@dataclass
class ExecutionState:
    """What expressions can read: parameters, execution variables, finished steps."""

    parameters: Mapping[str, ParameterValue]
    execution: dict[str, str]
    step_properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    # step name -> property file name -> local path of the file the step wrote
    property_files: dict[str, dict[str, Path]] = field(default_factory=dict)


def _walk(value: Any, path: str, where: str) -> Any:
    for part in path.split("."):
        indexed = _INDEX.match(part)
        key, index = (
            (indexed.group(1), indexed.group(2) or indexed.group(3)) if indexed else (part, None)
        )
        if not isinstance(value, Mapping) or key not in value:
            raise ExpressionError(f"{where}: no property {part!r}")
        value = value[key]
        if index is not None:
            value = _select(value, index, where)
    return value


def _select(items: Any, index: str, where: str) -> Any:
    if index.isdigit():
        return items[int(index)]
    # SageMaker addresses list members by their name (Outputs['train'], Channels['x']).
    for item in items:
        if isinstance(item, Mapping) and index in (
            item.get("OutputName"),
            item.get("ChannelName"),
            item.get("InputName"),
        ):
            return item
    raise ExpressionError(f"{where}: no member named {index!r}")


def resolve(value: Any, state: ExecutionState) -> Any:
    """Recursively evaluate every expression inside `value`."""
    if isinstance(value, list):
        return [resolve(v, state) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Get"}:
        return _get(value["Get"], state)
    if set(value) == {"Std:Join"}:
        spec = value["Std:Join"]
        return str(spec["On"]).join(_as_text(resolve(v, state)) for v in spec["Values"])
    if set(value) == {"Std:JsonGet"}:
        return _json_get(value["Std:JsonGet"], state)
    functions = [key for key in value if key.startswith("Std:") or key == "Get"]
    if functions:
        raise ExpressionError(f"unsupported pipeline function {functions[0]!r}")
    return {k: resolve(v, state) for k, v in value.items()}


def _as_text(value: object) -> str:
    # Join renders numbers the way the service does (no trailing zeros lost, no repr quirks).
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _get(path: str, state: ExecutionState) -> Any:
    if path.startswith("Parameters."):
        name = path.removeprefix("Parameters.")
        if name not in state.parameters:
            raise ExpressionError(f"unknown pipeline parameter {name!r}")
        return state.parameters[name]
    if path.startswith("Execution."):
        name = path.removeprefix("Execution.")
        if name not in state.execution:
            raise ExpressionError(f"unknown execution variable {name!r}")
        return state.execution[name]
    match = _STEP_PATH.match(path)
    if not match:
        raise ExpressionError(f"unsupported reference {path!r}")
    step, rest = match.groups()
    if rest.startswith("PropertyFiles."):
        name = rest.removeprefix("PropertyFiles.")
        return {"__property_file__": state.property_files.get(step, {}).get(name), "name": name}
    if step not in state.step_properties:
        raise ExpressionError(f"{path}: step {step!r} has not run")
    return _walk(state.step_properties[step], rest, path)


def _json_get(spec: Mapping[str, Any], state: ExecutionState) -> Any:
    ref = resolve(spec["PropertyFile"], state)
    path = ref.get("__property_file__") if isinstance(ref, dict) else None
    if path is None or not Path(path).is_file():
        raise ExpressionError(
            f"property file {ref.get('name') if isinstance(ref, dict) else ref}"
            " was not written by its step"
        )
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return _walk(document, spec["Path"], f"JsonGet {spec['Path']} in {Path(path).name}")


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: a == b,
    "GreaterThan": lambda a, b: float(a) > float(b),
    "GreaterThanOrEqualTo": lambda a, b: float(a) >= float(b),
    "LessThan": lambda a, b: float(a) < float(b),
    "LessThanOrEqualTo": lambda a, b: float(a) <= float(b),
}


def evaluate_condition(condition: Mapping[str, Any], state: ExecutionState) -> bool:
    kind = condition["Type"]
    if kind in _COMPARISONS:
        left = resolve(condition["LeftValue"], state)
        right = resolve(condition["RightValue"], state)
        return _COMPARISONS[kind](left, right)
    if kind == "Not":
        return not evaluate_condition(condition["Expression"], state)
    if kind == "Or":
        return any(evaluate_condition(c, state) for c in condition["Conditions"])
    if kind == "In":
        value = resolve(condition["QueryValue"], state)
        return value in [resolve(v, state) for v in condition["Values"]]
    raise ExpressionError(f"unsupported condition type {kind!r}")
