"""Throughput of the full prepare path (read, filters, dedup, PII, write) on a generated corpus.

    nice -n 10 python bench/data_prep.py --mb 200 --workers 1 2 16 [--pii-mode off]

Prints, per worker count: wall MB/s, CPU seconds of the main process (reading, the reduce,
writing) and of the workers (per-row checks, MinHash, PII), MB per CPU-second (the per-core
rate, meaningful even on a busy shared machine), and the peak RSS of the largest process; at
the end, the scaling efficiency of each worker count against the first (MB per CPU-second,
so a worker's fixed start and the serial main process show up as lost efficiency).
Peak RSS is a high-water mark per invocation: to compare corpus sizes run one invocation per
size (`--mb 200 --workers 1`, then `--mb 1000 --workers 1`).
For the NER path on a slow or shared box, measure a slice (`--mb 20`): the per-core rate does
not depend on the corpus size once the workers' fixed start is paid.
The corpus is synthetic support/clinical/legal prompt-completion rows; about a third carry
PII, a few are duplicates, as in a raw export.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training_scripts.governance.pipeline import PrepareOutputs, PrepareSettings, prepare

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
    parser.add_argument("--mb", type=float, default=50.0, help="corpus size in MB")
    parser.add_argument("--pii-mode", default="pseudonymize")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="e.g. 1 2 16")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        start = time.perf_counter()
        size = generate(raw / "corpus.jsonl", args.mb)
        print(f"generated {size / 1e6:.1f} MB in {time.perf_counter() - start:.0f} s", flush=True)
        rates = {
            workers: _run(raw, size, args.pii_mode, workers, Path(tmp) / f"out-{workers}")
            for workers in args.workers
        }
        first = args.workers[0]
        for workers, rate in rates.items():
            print(f"scaling efficiency workers={workers} vs {first}: {rate / rates[first]:.2f}")


def _cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _peak_rss_mb() -> float:
    """Peak RSS of this process and of the largest finished worker process (KB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _run(raw: Path, size: int, pii_mode: str, workers: int, out: Path) -> float:
    """One prepare run; returns MB per CPU-second."""
    main_before, children_before = _cpu_seconds()
    start = time.perf_counter()
    manifest = prepare(
        raw, PrepareOutputs.under(out), PrepareSettings(task="sft", pii_mode=pii_mode),
        "bench-salt", workers=workers,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    main_after, children_after = _cpu_seconds()
    main_cpu, worker_cpu = main_after - main_before, children_after - children_before
    megabytes = size / 1e6
    stages = manifest["stages"]
    print(
        f"input: {megabytes:.1f} MB, {stages['read']} rows, kept {stages['kept']}, "
        f"removed {manifest['removed']}",
        flush=True,
    )
    # On a shared machine wall time measures the neighbours too; CPU seconds measure our work:
    # MB per CPU-second is the per-core rate an idle core would give.
    print(
        f"pii={pii_mode} workers={workers}: wall {seconds:.1f} s ({megabytes / seconds:.2f} MB/s)"
        f"; CPU {main_cpu:.1f} s main + {worker_cpu:.1f} s workers -> "
        f"{megabytes / (main_cpu + worker_cpu):.2f} MB per CPU-second",
        flush=True,
    )
    entities = manifest["pii"]["entities"]
    print(f"peak RSS (largest process): {_peak_rss_mb():.0f} MB; PII: {entities}", flush=True)
    return megabytes / (main_cpu + worker_cpu)


if __name__ == "__main__":
    main()
