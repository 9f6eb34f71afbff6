"""Read printed metric lines back the way SageMaker does: with a definition's regexes."""

from __future__ import annotations

import re
from collections.abc import Iterable


def parse_metrics(line: str, definitions: Iterable[dict[str, str]]) -> dict[str, float]:
    """{Name: value} for every metric definition whose Regex matches `line`."""
    found: dict[str, float] = {}
    for definition in definitions:
        match = re.search(definition["Regex"], line)
        if match:
            found[definition["Name"]] = float(match.group(1))
    return found
