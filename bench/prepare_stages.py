"""Where prepare's CPU goes, per stage: each stage timed alone over a generated corpus, one process.

    .venv/bin/python bench/prepare_stages.py --mb 10                 # PII off
    .venv/bin/python bench/prepare_stages.py --mb 2 --pii-mode pseudonymize

CPU seconds (`time.process_time`) per stage and per MB; the stages are the ones a worker runs on
every row (parse, normalize, quality, injection screen, exact key, MinHash, PII, render) plus
the reading process's read and the reduce. Used for the per-stage table in
docs/data_governance.md ("Throughput").
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.data_prep import generate
from training_scripts.governance import govern
from training_scripts.governance.dedup import gram_hashes, word_hashes, words, words_key
from training_scripts.governance.pipeline import (
    PrepareOutputs,
    PrepareSettings,
    govern_inputs,
    reduce_shards,
)
from training_scripts.governance.poisoning import injection_cues
from training_scripts.governance.quality import quality_reasons, repetition_suspects
from training_scripts.governance.readers import block_examples, jsonl_blocks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--pii-mode", default="off")
    args = parser.parse_args()
    settings = PrepareSettings(task="sft", pii_mode=args.pii_mode)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        megabytes = generate(raw / "corpus.jsonl", args.mb) / 1e6
        times = _stages(raw, settings, Path(tmp))
    print(f"{megabytes:.1f} MB, PII {args.pii_mode}\n| stage | CPU-s per MB | MB per CPU-s |")
    print("| --- | ---: | ---: |")
    for name, seconds in times.items():
        rate = f"{megabytes / seconds:.0f}" if seconds else "-"
        print(f"| {name} | {seconds / megabytes:.3f} | {rate} |")


def _stages(raw: Path, settings: PrepareSettings, tmp: Path) -> dict[str, float]:
    times: dict[str, float] = {}

    def clock(name: str, work: Callable[[], Any]) -> Any:
        start = time.process_time()
        result = work()
        times[name] = time.process_time() - start
        return result

    path, task = raw / "corpus.jsonl", settings.task
    blocks = clock("read (main: blocks of lines)", lambda: list(jsonl_blocks(path, 256_000)))
    examples = clock("parse (JSON, fields)", lambda: [
        [ex for _, ex in block_examples(block, line, "c", task, settings.fields)]
        for line, _, block in blocks
    ])  # fmt: skip
    start = time.process_time()
    governor = govern.RowGovernor(settings, "bench-salt")
    if governor.pii is not None:  # once per worker process, not per MB: printed on its own
        print(f"PII engine start (imports, NER model, name lists): "
              f"{time.process_time() - start:.2f} CPU-s")  # fmt: skip
    rows = [ex for chunk in examples for ex in chunk]
    # As the worker does: each text's words, joined per row; per block of rows, the distinct
    # words (hashed once each) feed the 3-gram hashes, which feed the repetition screen and
    # MinHash, and the injection screen.
    split = clock("normalize (words per text, joined per row)", lambda: [
        sum(map(words, ex.texts), list[bytes]()) for ex in rows
    ])  # fmt: skip
    batches = [(i, min(i + 370, len(rows))) for i in range(0, len(rows), 370)]

    def hashes() -> list[tuple[set[bytes], np.ndarray, tuple[np.ndarray, np.ndarray]]]:
        found = []
        for a, b in batches:
            distinct = set(itertools.chain.from_iterable(split[a:b]))
            per_word = word_hashes(split[a:b], distinct)
            found.append((distinct, per_word, gram_hashes(split[a:b], per_word)))
        return found

    hashed = clock("distinct words, word and 3-gram hashes (per block)", hashes)
    grams = [g for _, _, g in hashed]
    limit = settings.quality.max_repeated_ngram_fraction
    suspects = clock("repetition screen (per block)", lambda: [
        s for (a, b), (g, c) in zip(batches, grams, strict=True)
        for s in repetition_suspects(g, c, np.array([len(w) for w in split[a:b]]), limit)
    ])  # fmt: skip
    clock("quality filters (rest)", lambda: [
        quality_reasons(ex.texts, settings.quality, 0, w, bool(x))
        for ex, w, x in zip(rows, split, suspects, strict=True)
    ])  # fmt: skip

    def injection() -> None:  # the batch's needle search, then the regexes on flagged rows
        for (a, b), (distinct, per_word, _) in zip(batches, hashed, strict=True):
            cues = injection_cues([ex.texts for ex in rows[a:b]], split[a:b], distinct, per_word)
            [governor._poisoning(ex) for ex, cue in zip(rows[a:b], cues, strict=True) if cue]

    clock("injection screen (per block)", injection)
    clock("exact key", lambda: [words_key(w) for w in split])
    clock("MinHash (numpy, from the block's 3-gram hashes)", lambda: [
        governor.hasher.from_grams(g, c) for g, c in grams
    ])  # fmt: skip
    if governor.pii is not None:
        pii = governor.pii
        ner: list = []  # each block's NER results, as a worker's prefetch leaves them

        def prefetch() -> None:
            for chunk in examples:
                pii.prefetch(text for ex in chunk for text in ex.texts)
                ner.append(pii._prefetched)

        def anonymize() -> None:
            for chunk, found in zip(examples, ner, strict=True):
                pii._prefetched = found
                for ex in chunk:
                    pii.anonymize(ex.texts)

        clock("PII: NER on the flagged windows (per block)", prefetch)
        clock("PII: recognizers and replacement", anonymize)
    clock("render rows (output JSON)", lambda: [govern.render_output(task, ex) for ex in rows])
    govern_inputs(raw, tmp / "shards", settings, "bench-salt")
    clock("reduce (main: dedup decisions, triggers, split, write)", lambda: reduce_shards(
        tmp / "shards", PrepareOutputs.under(tmp / "out"), settings
    ))  # fmt: skip
    return times


if __name__ == "__main__":
    main()
