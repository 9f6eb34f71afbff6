"""Throughput of the full prepare path (read, filters, dedup, PII, write) on a generated corpus.

    .venv/bin/python bench/data_prep.py   # the suite `make bench` runs (docs/data_governance.md)
    .venv/bin/python bench/data_prep.py --mb 20 --workers 1 2 --pii-mb 0 --rss-mb 0   # a quick look

Every measured run is a fresh process, so its peak RSS and CPU seconds are its own. Per run:
wall MB/s; CPU seconds of the main process (reading, the reduce, writing) and of the workers
(parsing, per-row checks, MinHash, PII); MB per CPU-second (the per-core rate: on a shared
machine wall time measures the neighbours too, CPU seconds measure our work); that rate as a
multiple of the parse floor (json.loads + json.dumps of every line, measured on the same corpus);
the scaling efficiency of each worker count against the first (MB per CPU-second, so a worker's
start and the serial main process show up as lost efficiency); the peak RSS of the largest
process; and whether the outputs are byte-identical to the first worker count's. The load
average is printed before and after: compare numbers only from one invocation.
The corpus is synthetic support/clinical/legal prompt-completion rows; about a third carry
PII, a few are duplicates, as in a raw export.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = (  # noqa: SIM905 - a sentence is easier to read than a word list
    "the patient reported mild pain after the dose was increased and the clinic scheduled a "
    "follow up visit to review blood pressure kidney function and sleep quality while the "
    "customer asked about the refund for the damaged router and the agent explained the "
    "warranty terms under the agreement including force majeure indemnification and "
    "governing law provisions that apply to both parties during the renewal period"
).split()
FIRST = ["Maria", "James", "Aisha", "Wei", "Olga", "Daniel", "Priya", "Tom", "Lucia", "Kofi"]
LAST = ["Lopez", "Smith", "Khan", "Chen", "Ivanova", "Okafor", "Patel", "Brown", "Rossi", "Mensah"]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _row(rng: random.Random) -> dict:
    prompt = " ".join(_sentence(rng, rng.randrange(8, 20)) for _ in range(rng.randrange(2, 6)))
    answer = " ".join(_sentence(rng, rng.randrange(8, 20)) for _ in range(rng.randrange(2, 8)))
    if rng.random() < 0.35:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        contact = rng.choice([
            f"email {name.split()[0].lower()}{rng.randrange(99)}@example.org",
            f"phone ({rng.choice(['212', '415', '617'])}) {rng.randrange(201, 989)}-"
            f"{rng.randrange(10000):04d}",
            f"MRN {rng.randrange(1000000, 9999999)}",
        ])  # fmt: skip
        prompt = f"Patient {name} ({contact}) asks: {prompt}"
    return {"prompt": prompt, "completion": answer}


def generate(path: Path, megabytes: float, seed: int = 1) -> int:
    rng = random.Random(seed)
    target, written = int(megabytes * 1_000_000), 0
    rows: list[dict] = []
    with path.open("w", encoding="utf-8") as handle:
        while written < target:
            row = rows[rng.randrange(len(rows))] if rows and rng.random() < 0.02 else _row(rng)
            rows = [*rows[-1000:], row]
            line = json.dumps(row) + "\n"
            handle.write(line)
            written += len(line.encode())
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="corpus size for PII off (MB)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="e.g. 1 2 16")
    parser.add_argument(
        "--pii-mb",
        type=float,
        default=10.0,
        help="corpus size for PII on (0: skip); NER costs ~10x more per MB",
    )
    parser.add_argument(
        "--rss-mb",
        type=float,
        default=200.0,
        help="a second size for peak RSS, one worker, PII off (0: skip)",
    )
    parser.add_argument(
        "--run", nargs=4, metavar=("RAW", "PII", "WORKERS", "OUT"), help=argparse.SUPPRESS
    )  # one measured run, in a process of its own
    args = parser.parse_args()
    if args.run:
        raw, pii, workers, out = args.run
        print(json.dumps(_run(Path(raw), pii, int(workers), Path(out))))
        return
    print(f"load average before: {_load()}", flush=True)
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = _corpus(Path(tmp), args.mb)
        floor = _parse_floor(corpus / "corpus.jsonl")
        print(f"parse floor (json.loads + json.dumps per line, {args.mb:g} MB): "
              f"{floor:.0f} MB per CPU-second", flush=True)  # fmt: skip
        results += _sweep(corpus, "off", args.workers, Path(tmp))
        if args.rss_mb:
            big = _corpus(Path(tmp), args.rss_mb)
            results += _sweep(big, "off", [1], Path(tmp))
            (big / "corpus.jsonl").unlink()
        if args.pii_mb:
            small = _corpus(Path(tmp), args.pii_mb)
            results += _sweep(small, "pseudonymize", args.workers, Path(tmp))
    print(f"load average after: {_load()}")
    _table(results, floor)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def _corpus(tmp: Path, megabytes: float) -> Path:
    raw = tmp / f"raw-{megabytes:g}"
    raw.mkdir()
    start = time.perf_counter()
    size = generate(raw / "corpus.jsonl", megabytes)
    print(f"generated {size / 1e6:.1f} MB in {time.perf_counter() - start:.0f} s", flush=True)
    return raw


def _parse_floor(path: Path) -> float:
    """MB per CPU-second of the least any JSONL-to-JSONL pass does: parse and write each line."""
    start = time.process_time()
    size = 0
    with path.open("rb") as handle:
        for line in handle:
            json.dumps(json.loads(line), ensure_ascii=False)
            size += len(line)
    return size / 1e6 / (time.process_time() - start)


def _sweep(raw: Path, pii: str, workers: list[int], tmp: Path) -> list[dict]:
    found: list[dict] = []
    for count in workers:
        out = tmp / f"out-{raw.name}-{pii}-{count}"
        command = [sys.executable, __file__, "--run", str(raw), pii, str(count), str(out)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"bench run failed ({' '.join(command[2:])}):\n{done.stderr[-2000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["identical"] = result["outputs"] == found[0]["outputs"] if found else True
        print(json.dumps({k: v for k, v in result.items() if k != "outputs"}), flush=True)
        found.append(result)
    for result in found:
        result["efficiency"] = result["mb_per_cpu_s"] / found[0]["mb_per_cpu_s"]
    return found


def _run(raw: Path, pii_mode: str, workers: int, out: Path) -> dict:
    """One prepare run in this process (and its workers): what `_table` prints."""
    from training_scripts.governance.pipeline import (
        PrepareOutputs,
        PrepareSettings,
        effective_workers,
        prepare,
    )

    size = sum(p.stat().st_size for p in raw.iterdir())
    main_before, children_before = _cpu_seconds()
    start = time.perf_counter()
    manifest = prepare(
        raw, PrepareOutputs.under(out), PrepareSettings(task="sft", pii_mode=pii_mode),
        "bench-salt", workers=workers,
    )  # fmt: skip
    wall = time.perf_counter() - start
    main_after, children_after = _cpu_seconds()
    main_cpu, worker_cpu = main_after - main_before, children_after - children_before
    megabytes = size / 1e6
    return {
        "pii": pii_mode, "mb": round(megabytes, 1), "wall_s": wall,
        "workers": effective_workers(workers, size, pii_mode),  # what prepare started
        "cpu_main_s": main_cpu, "cpu_workers_s": worker_cpu,
        "mb_per_cpu_s": megabytes / (main_cpu + worker_cpu), "peak_rss_mb": _peak_rss_mb(),
        "rows": manifest["stages"]["read"], "kept": manifest["stages"]["kept"],
        "entities": sum(manifest["pii"]["entities"].values()),
        "outputs": {k: v["sha256"] for k, v in manifest["outputs"].items()},
    }  # fmt: skip


def _cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process and of its finished (waited-for) children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _peak_rss_mb() -> float:
    """Peak RSS of this process or of its largest finished worker (KB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _table(results: list[dict], floor: float) -> None:
    print("\n| PII | MB | workers | wall s | wall MB/s | CPU s main + workers | MB per CPU-s "
          "| floor / rate | efficiency | peak RSS MB | outputs vs first |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        rate = r["mb_per_cpu_s"]
        print(
            f"| {r['pii']} | {r['mb']:g} | {r['workers']} | {r['wall_s']:.1f} "
            f"| {r['mb'] / r['wall_s']:.2f} | {r['cpu_main_s']:.1f} + {r['cpu_workers_s']:.1f} "
            f"| {rate:.2f} | {floor / rate:.0f}x | {r['efficiency']:.2f} "
            f"| {r['peak_rss_mb']:.0f} | {'identical' if r['identical'] else 'DIFFERENT'} |"
        )


if __name__ == "__main__":
    main()
