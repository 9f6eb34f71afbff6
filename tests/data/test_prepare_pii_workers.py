"""With PII on, prepare's workers start from the reading process's NER model, warmed up there once,
and do all the NER of the rows (issue 31); that their outputs equal one process's is
tests/data/test_prepare_scale.py's test."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from training_scripts.governance import dispatch, pii, pii_ner
from training_scripts.governance.pipeline import PrepareOutputs, PrepareSettings, prepare

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="workers are spawned here"
)


def test_pii_workers_start_with_the_model_loaded_and_warm_and_do_the_ner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, log = tmp_path / "raw", tmp_path / "log"
    raw.mkdir()
    log.mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        rows = [{"prompt": f"Seen with Oluwaseun Adeyemi on day {i} of {name}."} for i in range(3)]
        (raw / name).write_text(
            "".join(json.dumps({**r, "completion": "Noted."}) + "\n" for r in rows)
        )

    # Patched here, seen in the workers: they are forked from this process.
    init, windows = dispatch._init_worker, pii_ner.NerNlpEngine.process_windows

    def recording_init(*args: object) -> None:
        loaded = pii_ner.load_ner_model.cache_info().currsize  # before this worker builds
        (log / f"start-{os.getpid()}").write_text(str(loaded))
        init(*args)  # type: ignore[arg-type]

    def recording_windows(self: pii_ner.NerNlpEngine, texts: list[str]) -> object:
        texts = list(texts)
        with (log / f"ner-{os.getpid()}").open("a") as seen:
            seen.writelines(json.dumps(t) + "\n" for t in texts)
        return windows(self, texts)

    monkeypatch.setattr(dispatch, "_init_worker", recording_init)
    monkeypatch.setattr(pii_ner.NerNlpEngine, "process_windows", recording_windows)
    monkeypatch.setattr("training_scripts.governance.pipeline.BYTES_PER_WORKER", 1)
    settings = PrepareSettings(task="sft", pii_mode="pseudonymize")
    prepare(raw, PrepareOutputs.under(tmp_path / "o"), settings, "salt", workers=2)

    starts = {p.name: p.read_text() for p in log.glob("start-*")}
    assert len(starts) == 2 and set(starts.values()) == {"1"}
    ner = {p.name: [json.loads(t) for t in p.read_text().splitlines()] for p in log.glob("ner-*")}
    here = ner.pop(f"ner-{os.getpid()}")  # the reading process: only the warm-up's text
    assert ner and here and set(here) <= set(pii._WARM_UP)
    assert "Adeyemi" not in (tmp_path / "o" / "train" / "data.jsonl").read_text()
