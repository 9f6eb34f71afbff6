"""The reduce's chunked indexes and their on-disk runs decide what a row-by-row replay decides.

The reference below is the plain definition (one row at a time, every key and band in a dict):
first-seen exact keys; LSH buckets keyed by (band number, band values) over the kept rows only,
candidates in the order they were kept, confirmed by the estimated Jaccard.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.data.test_prepare_fast_paths import GOLDEN, _varied_corpus
from training_scripts.governance import dispatch, minhash_params, runs
from training_scripts.governance.dedup_index import FirstSeen, NearIndex, key_pairs
from training_scripts.governance.dispatch import govern_shard
from training_scripts.governance.pipeline import PrepareOutputs, PrepareSettings, prepare
from training_scripts.governance.runs import RunIndex
from training_scripts.governance.shards import SIGNATURE, SIGNATURES, ShardSet
from training_scripts.vocabulary.records import DataError


def _replay_near(signatures: np.ndarray, threshold: float, bands: int, rows: int) -> list[int]:
    buckets: dict[bytes, list[int]] = {}
    found = []
    for i, values in enumerate(signatures):
        keys = [bytes((b,)) + values[b * rows : (b + 1) * rows].tobytes() for b in range(bands)]
        candidates = sorted({c for key in keys for c in buckets.get(key, ())})
        match = next((c for c in candidates
                      if float(np.mean(signatures[c] == values)) >= threshold), -1)  # fmt: skip
        found.append(match)
        if match < 0:
            for key in keys:
                buckets.setdefault(key, []).append(i)
    return found


def _near_corpus(rng: np.random.Generator, n: int) -> np.ndarray:
    """Signatures in families: copies of a few bases with 0-12 of 64 values changed, so rows
    share bands with kept and with dropped rows, in chains (a ~ b ~ c, a !~ c)."""
    bases = rng.integers(0, 2**32, size=(n // 6, 64), dtype=np.uint32)
    out = bases[rng.integers(0, len(bases), size=n)].copy()
    for row in out:
        changed = rng.choice(64, size=int(rng.integers(0, 13)), replace=False)
        row[changed] = rng.integers(0, 50, size=len(changed), dtype=np.uint32)
    return out


@pytest.mark.parametrize(("chunk", "bound"), [(1, 10_000), (7, 10), (64, 40), (5000, 10_000)])
def test_chunked_near_index_equals_the_row_by_row_replay(
    tmp_path: Path, chunk: int, bound: int
) -> None:
    signatures = _near_corpus(np.random.default_rng(chunk), 600)
    index = NearIndex(0.8, lambda i: signatures[i], tmp_path, bound=bound)
    found = np.concatenate([
        index.near_duplicates(signatures[a : a + chunk], np.arange(a, min(a + chunk, 600)))
        for a in range(0, 600, chunk)
    ])  # fmt: skip
    expected = _replay_near(signatures, 0.8, index._bands, index._rows)
    assert sum(e >= 0 for e in expected) > 100  # the corpus has what the index must find
    assert found.tolist() == expected
    if bound < 100:
        assert index.index.spilled > 0 and index.index.disk_queries > 0


@pytest.mark.parametrize(("chunk", "bound"), [(1, 5), (9, 20), (500, 10_000)])
def test_chunked_first_seen_equals_a_dict_of_first_rows(
    tmp_path: Path, chunk: int, bound: int
) -> None:
    rng = random.Random(chunk)
    texts = [f"t{rng.randrange(150)}".encode() for _ in range(500)]
    keys = key_pairs([hashlib.blake2b(t, digest_size=16).digest() for t in texts])
    seen = FirstSeen("exact", tmp_path, bound=bound)
    found = np.concatenate([
        seen.first_seen(keys[a : a + chunk], np.arange(a, min(a + chunk, 500)) * 3)
        for a in range(0, 500, chunk)
    ])  # fmt: skip
    first: dict[bytes, int] = {}
    expected = []
    for i, text in enumerate(texts):
        expected.append(first.get(text, -1))
        first.setdefault(text, i * 3)
    assert found.tolist() == expected
    assert sum(e >= 0 for e in expected) > 300


def test_run_index_spills_past_its_bound_and_lookups_consult_the_disk_runs(
    tmp_path: Path,
) -> None:
    index = RunIndex("t", tmp_path, bound=10)
    keys = (np.arange(50, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) | np.uint64(1)
    for a in range(0, 50, 5):
        index.add(keys[a : a + 5], np.zeros(5, np.uint64), np.arange(a, a + 5))
    assert index.spilled >= 40 and list(tmp_path.glob("t-*.run"))
    queries, values = index.lookup(keys[[3, 47]], np.zeros(2, np.uint64))
    assert queries.tolist() == [0, 1] and values.tolist() == [3, 47]  # 3 is on disk only
    before = index.disk_queries
    unseen = np.arange(1000, 1100, dtype=np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
    assert len(index.lookup(unseen, np.zeros(100, np.uint64))[0]) == 0
    assert index.disk_queries - before <= 5  # unseen keys skip the disk runs (the filter)


def test_run_index_merges_its_disk_runs_and_keeps_every_entry(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 300, size=3000).astype(np.uint64)  # repeated keys, many values each
    checks = (keys % np.uint64(3)).astype(np.uint64)
    index = RunIndex("m", tmp_path, bound=10)
    for a in range(0, 3000, 7):
        index.add(keys[a : a + 7], checks[a : a + 7], np.arange(a, min(a + 7, 3000)))
    levels = [run.level for run in index._disk]
    assert max(levels) >= 2 and len(levels) < 3 * runs.FAN_IN  # merged, twice over
    assert len(list(tmp_path.glob("m-*.run"))) == len(levels)  # merged runs are removed
    probe = np.arange(0, 310, dtype=np.uint64)
    queries, values = index.lookup(probe, probe % np.uint64(3))
    expected = sorted((int(k), v) for v, k in enumerate(keys.tolist()))
    assert sorted(zip(probe[queries].tolist(), values.tolist(), strict=True)) == expected


def test_prepare_with_every_index_spilling_writes_the_golden_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "SPILL_BOUND", 16)
    spilled: list[RunIndex] = []
    original = RunIndex._spill

    def spill(self: RunIndex) -> None:
        spilled.append(self)
        original(self)

    monkeypatch.setattr(RunIndex, "_spill", spill)
    (tmp_path / "raw").mkdir()
    _varied_corpus(tmp_path / "raw" / "rows.jsonl")
    settings = PrepareSettings(task="sft", pii_mode="off", near_dup_threshold=0.8)
    prepare(tmp_path / "raw", PrepareOutputs.under(tmp_path / "out"), settings, "s")
    assert {index._name for index in spilled} == {"exact", "bands", "answers"}
    found = {
        name: hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest() for name in GOLDEN
    }
    assert found == GOLDEN


def _shard(tmp_path: Path, name: str, shard: str) -> None:
    raw = tmp_path / f"raw-{shard}"
    raw.mkdir()
    rows = [{"prompt": f"Question number {i} about the billing cycle", "completion": "Yes."}
            for i in range(5)]  # fmt: skip
    (raw / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = PrepareSettings(task="sft", pii_mode="off")
    govern_shard([raw / name], {raw / name: name}, settings, "", tmp_path / "shards", shard, 1)


def test_signature_records_are_fixed_size_and_name_their_row(tmp_path: Path) -> None:
    _shard(tmp_path, "a.jsonl", "algo-1")
    data = (tmp_path / "shards" / SIGNATURES.format("algo-1")).read_bytes()
    records = np.frombuffer(data, dtype=SIGNATURE)
    assert len(data) == 5 * SIGNATURE.itemsize
    assert records["line"].tolist() == [1, 2, 3, 4, 5] and set(records["file"]) == {0}
    shards = ShardSet(tmp_path / "shards")
    assert shards.where(4) == "a.jsonl:5" and shards.rows == 5
    shards.close()


def test_an_input_in_two_shards_is_refused(tmp_path: Path) -> None:
    _shard(tmp_path, "a.jsonl", "algo-1")
    _shard(tmp_path, "a.jsonl", "algo-2")
    with pytest.raises(DataError, match=r"input a\.jsonl is in two shards"):
        ShardSet(tmp_path / "shards")


def test_stored_minhash_parameters_are_datasketchs_own() -> None:
    from training_scripts.governance.dedup import NUM_PERM

    assert json.loads(minhash_params.STORE.read_text()) == minhash_params.compute(NUM_PERM)


def test_a_threshold_off_the_stored_grid_asks_datasketch() -> None:
    from datasketch.lsh import _optimal_param

    assert minhash_params.band_split(0.855, 64) == _optimal_param(0.855, 64, 0.5, 0.5)
    assert minhash_params.band_split(0.85, 64) == _optimal_param(0.85, 64, 0.5, 0.5)


def test_prepare_with_pii_off_imports_neither_datasketch_nor_scipy(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    _varied_corpus(tmp_path / "raw" / "rows.jsonl")
    script = (
        "import sys; from pathlib import Path\n"
        "from training_scripts.governance.pipeline import PrepareOutputs, PrepareSettings\n"
        "from training_scripts.governance.pipeline import prepare\n"
        f"prepare(Path({str(tmp_path / 'raw')!r}), PrepareOutputs.under(Path({str(tmp_path)!r})),"
        " PrepareSettings(pii_mode='off'), 's', workers=2)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[2])  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_two_forked_workers_write_the_shard_files_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "BLOCK_BYTES", 20_000)  # ~10 batches for each worker
    (tmp_path / "raw").mkdir()
    _varied_corpus(tmp_path / "raw" / "rows.jsonl")
    path = tmp_path / "raw" / "rows.jsonl"
    settings = PrepareSettings(task="sft", pii_mode="off", near_dup_threshold=0.8)
    for workers in (1, 2):
        govern_shard([path], {path: "rows.jsonl"}, settings, "", tmp_path / f"w{workers}", "0",
                     workers)  # fmt: skip
    one, two = (sorted(p.name for p in (tmp_path / f"w{n}").iterdir()) for n in (1, 2))
    assert one == two == ["inputs-0.json", "reasons-0.jsonl", "rows-0.jsonl", "signatures-0.bin"]
    for name in one:
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes()


@pytest.mark.parametrize("store", ["missing", "other version"])
def test_without_stored_parameters_datasketch_is_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: str
) -> None:
    path = tmp_path / "params.json"
    if store == "other version":
        stale = {"datasketch": "0.0.1", "num_perm": 64, "bands": {"0.85": [1, 1]},
                 "permutations": [[1] * 64, [1] * 64]}  # fmt: skip
        path.write_text(json.dumps(stale))
    monkeypatch.setattr(minhash_params, "STORE", path)
    minhash_params._stored.cache_clear()
    try:
        assert minhash_params.band_split(0.85, 64) != (1, 1)
        found = minhash_params.permutations(64)[0].tolist()
        assert found != [1] * 64 and found == minhash_params._from_datasketch(64)[0].tolist()
    finally:
        minhash_params._stored.cache_clear()


def test_a_worker_keeps_one_input_open_however_many_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(40):
        row = {"prompt": f"q {i} about a", "completion": "a b c d"}
        (raw / f"f{i:02}.jsonl").write_text(json.dumps(row) + "\n")
    before = len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else 0
    files = sorted(raw.iterdir())
    settings = PrepareSettings(task="sft", pii_mode="off")
    govern_shard(files, {p: p.name for p in files}, settings, "", tmp_path / "s", "0", 1)
    if before:
        assert len(os.listdir("/proc/self/fd")) == before
