"""The local base LM and teacher are built once per corpus and recipe, the teacher only when
distillation asks for it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pipelines.local import base_models
from pipelines.local.presets import PRESETS


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand-ins for the pretraining jobs (tens of seconds each): record what was built."""
    built: list[str] = []

    def pretrain(work: Path, texts: list[str], recipe: dict, model: object, out: Path) -> None:
        built.append(str(recipe["architecture"]))
        out.mkdir(parents=True)
        (out / "config.json").write_text("{}")

    monkeypatch.setattr(base_models, "_pretrain", pretrain)
    monkeypatch.setattr(base_models, "_lift_length_limit", lambda model_dir: None)
    monkeypatch.setattr(base_models, "_init_teacher", lambda base, out: None)
    return built


def test_the_teacher_is_built_only_when_asked_and_nothing_twice(
    tmp_path: Path, builds: list[str]
) -> None:
    corpus = tmp_path / "notes.txt"
    corpus.write_text("Metformin lowers blood glucose.")
    cache = tmp_path / "cache"
    base, teacher = (
        base_models.BASE_RECIPE["architecture"],
        base_models.TEACHER_RECIPE["architecture"],
    )

    models = base_models.ensure_local_models([corpus], cache, with_teacher=False)
    assert builds == [base] and models.base.is_dir() and not models.teacher.exists()
    base_models.ensure_local_models([corpus], cache, with_teacher=False)
    assert builds == [base]
    models = base_models.ensure_local_models([corpus], cache)
    assert builds == [base, teacher] and models.teacher.is_dir()
    base_models.ensure_local_models([corpus], cache)
    assert builds == [base, teacher]

    corpus.write_text("Metformin lowers blood glucose. Insulin too.")  # another corpus: rebuilt
    base_models.ensure_local_models([corpus], cache, with_teacher=False)
    assert builds == [base, teacher, base]


def test_two_runs_on_an_empty_cache_build_the_model_once(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parallel runs (or test workers) share the cache: the second waits and reuses."""
    slow_build = base_models._pretrain

    def pretrain(*args: object, **kwargs: object) -> None:
        time.sleep(0.3)  # both callers are past the "already built?" check by now
        slow_build(*args, **kwargs)

    monkeypatch.setattr(base_models, "_pretrain", pretrain)
    corpus = tmp_path / "notes.txt"
    corpus.write_text("Metformin lowers blood glucose.")
    cache, errors = tmp_path / "cache", []

    def run() -> None:
        try:
            base_models.ensure_local_models([corpus], cache, with_teacher=False)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert builds == [base_models.BASE_RECIPE["architecture"]]


def test_the_base_lm_is_pretrained_on_windows_as_long_as_the_support_preset_adapts_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ReFT edits hidden states only: pretrained on 128-token windows, the base LM's states past
    # position 128 were noise for the ~380-token support dialogs and reft never beat it
    # (docs/training.md). The instruction methods all register on the support preset.
    windows: list[int] = []

    def pretrain(work: Path, texts: list[str], recipe: dict, model: object, out: Path) -> None:
        windows.append(int(recipe["max_seq_length"]))
        out.mkdir(parents=True)

    monkeypatch.setattr(base_models, "_pretrain", pretrain)
    monkeypatch.setattr(base_models, "_lift_length_limit", lambda model_dir: None)
    monkeypatch.setattr(base_models, "_init_teacher", lambda base, out: None)
    corpus = tmp_path / "dialogs.txt"
    corpus.write_text("user: my router blinks\nassistant: Glad I could help.")

    base_models.ensure_local_models([corpus], tmp_path / "cache")

    support = int(PRESETS["support"].hyperparameters["max_seq_length"])
    assert len(windows) == 2 and min(windows) >= support, (windows, support)
