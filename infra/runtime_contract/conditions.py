"""IAM condition operators, as the policy evaluation logic applies them to a request context.

Only the operators the project's templates use (a test fails on any other): String*, Arn*, Bool,
Null, Numeric*, the ForAnyValue/ForAllValues set forms and the IfExists suffix. A key missing from
the request context makes an operator false, except Null, IfExists and ForAllValues (IAM user
guide, "IAM JSON policy elements: Condition operators",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

Context = Mapping[str, str | tuple[str, ...]]
# A condition value in a resolved policy document: one JSON scalar or a list of them.
ConditionScalar = str | bool | int | float
ConditionValue = ConditionScalar | list[ConditionScalar] | tuple[ConditionScalar, ...]
# Operator -> condition key -> value(s), as a statement's Condition element holds them.
Conditions = Mapping[str, Mapping[str, ConditionValue]]


class UnsupportedOperator(Exception):
    """A condition operator the evaluator does not implement: implement it, never skip it."""


def _values(value: ConditionValue) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _like(pattern: str, value: str, case: bool = True) -> bool:
    # IAM wildcards: * any run, ? one character; fnmatch's [..] classes do not exist in IAM.
    pattern = pattern.replace("[", "[[]")
    if not case:
        return fnmatch.fnmatchcase(value.lower(), pattern.lower())
    return fnmatch.fnmatchcase(value, pattern)


def _arn_like(pattern: str, value: str) -> bool:
    # ARN operators compare each of the six colon-separated parts (the last may hold colons).
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return False
    return all(_like(p, v) for p, v in zip(p_parts, v_parts, strict=True))


def _number(text: str) -> float:
    return float(text)


_BASE = {
    "StringEquals": lambda p, v: p == v,
    "StringNotEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringLike": _like,
    "StringNotLike": _like,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
    "ArnNotEquals": _arn_like,
    "ArnNotLike": _arn_like,
    "Bool": lambda p, v: p.lower() == v.lower(),
    "NumericEquals": lambda p, v: _number(v) == _number(p),
    "NumericLessThan": lambda p, v: _number(v) < _number(p),
    "NumericLessThanEquals": lambda p, v: _number(v) <= _number(p),
    "NumericGreaterThan": lambda p, v: _number(v) > _number(p),
    "NumericGreaterThanEquals": lambda p, v: _number(v) >= _number(p),
}
_NEGATED = {"StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"}


def _lookup(context: Context, key: str) -> list[str] | None:
    for name, value in context.items():
        if name.lower() == key.lower():
            return list(value) if isinstance(value, tuple) else [value]
    return None


def holds(conditions: Conditions, context: Context) -> bool:
    """Whether every condition block holds for the request context."""
    return all(
        _one(operator, key, _values(expected), context)
        for operator, block in conditions.items()
        for key, expected in block.items()
    )


def _one(operator: str, key: str, expected: list[str], context: Context) -> bool:
    actual = _lookup(context, key)
    if operator == "Null":
        return (actual is None) == (expected[0].lower() == "true")
    qualifier, _, op = operator.rpartition(":")
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    if op not in _BASE:
        raise UnsupportedOperator(f"condition operator {operator!r} on {key!r}")
    if actual is None:
        return if_exists or qualifier == "ForAllValues"
    match = _BASE[op]
    negated = op in _NEGATED

    def any_expected(value: str) -> bool:
        return any(match(pattern, value) for pattern in expected)

    if qualifier == "ForAllValues":
        hits = [any_expected(v) for v in actual]
        return all((not h) if negated else h for h in hits)
    if qualifier == "ForAnyValue":
        hits = [any_expected(v) for v in actual]
        return any((not h) if negated else h for h in hits)
    # Single-valued key: a negated operator holds when no listed value matches.
    hit = any(any_expected(v) for v in actual)
    return not hit if negated else hit
