"""datasketch's MinHash permutations and LSH band split, stored so prepare need not import it.

Importing datasketch imports scipy (about 0.4 CPU-seconds per process, about 8 % of preparing
50 MB with PII off). `minhash_params.json` holds datasketch's own values: the affine32
permutations of `MinHash(num_perm=NUM_PERM, seed=1)`, and `datasketch.lsh._optimal_param(t,
NUM_PERM, 0.5, 0.5)` (bands, rows) for every threshold t = 0.01, 0.02, ... 1.00. A threshold off
that grid, or a different datasketch version, asks datasketch itself. `tests/data/
test_prepare_reduce_index.py` recomputes every stored value with datasketch;
`python -m training_scripts.governance.minhash_params` rewrites the file.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np

STORE = Path(__file__).with_name("minhash_params.json")
SEED = 1
GRID = [round(i / 100, 2) for i in range(1, 101)]


def _version() -> str:
    try:
        return metadata.version("datasketch")
    except metadata.PackageNotFoundError:
        return "not installed"


@cache
def _stored() -> dict:
    """The stored values, or {} (ask datasketch) when absent (an install without package data)
    or made by another datasketch version."""
    if not STORE.is_file():
        return {}
    stored = json.loads(STORE.read_text())
    return stored if stored["datasketch"] == _version() else {}


def permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of datasketch's affine32 scheme for `num_perm` permutations and SEED."""
    stored = _stored()
    if stored.get("num_perm") == num_perm:
        a, b = stored["permutations"]
        return np.array(a, dtype=np.uint32), np.array(b, dtype=np.uint32)
    return _from_datasketch(num_perm)


def _from_datasketch(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    template = MinHash(num_perm=num_perm, seed=SEED)
    if template.scheme != "affine32":
        raise RuntimeError(f"datasketch scheme {template.scheme!r}: expected affine32")
    a, b = template.permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def band_split(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) datasketch's MinHashLSH picks for `threshold` (equal weights)."""
    stored = _stored()
    found = (
        stored.get("bands", {}).get(repr(threshold)) if stored.get("num_perm") == num_perm else None
    )
    if found:
        return found[0], found[1]
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
    return int(bands), int(rows)


def compute(num_perm: int) -> dict:
    """Every stored value, from datasketch."""
    from datasketch.lsh import _optimal_param

    a, b = _from_datasketch(num_perm)
    return {
        "datasketch": _version(),
        "num_perm": num_perm,
        "permutations": [a.tolist(), b.tolist()],
        "bands": {repr(t): list(_optimal_param(t, num_perm, 0.5, 0.5)) for t in GRID},
    }


if __name__ == "__main__":
    from training_scripts.governance.dedup import NUM_PERM

    values = compute(NUM_PERM)
    lines = ",\n".join(f" {json.dumps(key)}: {json.dumps(value)}" for key, value in values.items())
    STORE.write_text("{\n" + lines + "\n}\n")
    print(f"wrote {STORE}")
