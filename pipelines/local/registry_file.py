"""Reading the local model registry (runs/model-registry.json) the local executor writes.

Hand edits and interrupted copies happen: a file that is not the registry's shape is one input
error naming it (exit 2), not an "unexpected JSONDecodeError".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class RegistryError(ValueError):
    """The local registry file is not what `fmops local run` writes; one line naming it."""


def read_registry(path: Path) -> dict[str, list[dict[str, Any]]]:
    """{group: [entries]} from `path` (which must exist), or RegistryError naming what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, nesting
        reason = str(exc) or type(exc).__name__
        raise RegistryError(f"{path}: not a local model registry ({reason})") from None
    if not isinstance(data, dict) or not all(
        isinstance(entries, list) and all(isinstance(e, dict) for e in entries)
        for entries in data.values()
    ):
        raise RegistryError(
            f"{path}: not a local model registry (expected {{group: [model entries]}})"
        )
    return data
