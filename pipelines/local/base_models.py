"""The local foundation models every preset adapts: a small base LM and a bigger teacher.

A platform team adapts a pretrained model (Llama-3.2-1B), not a random network, so the local
runs do too. Both models are pretrained here, once, with train.py's own `cpt` method on the
union of the bundled corpora (every preset's sample data, as plain text), and cached by a
content hash of that corpus and the build recipe: they are rebuilt only when an input changes.
The teacher (for Method=distill) is the `mini` architecture (5x the base LM's parameters)
trained on the same text with the base model's tokenizer, so their logits share one vocabulary.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from deployment.settings import REPO_ROOT
from pipelines.local.jobs import RunInterrupted
from pipelines.local.state_files import locked

CACHE_ENV = "FMOPS_MODEL_CACHE"
DEFAULT_CACHE = REPO_ROOT / ".cache" / "local-models"
BASE_MODEL = "local/fmops-base-lm"
TEACHER_MODEL = "local/fmops-teacher-lm"

# The recipe: part of the cache key, so changing it rebuilds the models.
# max_seq_length 512: the support preset, which carries every instruction method, adapts on up
# to 512 tokens (its dialogs run to ~380), so the base LM must have seen those positions
# (legal's 768-token contracts go past them: only its sft registers, docs/training.md).
# Pretrained on 128-token windows, its hidden states past position 128 were noise:
# weight-updating methods relearned them, but ReFT, which only edits hidden states, could not
# (support reft rank 4-64 never beat that base; on this one rank 32 does, rougeL gain lows
# 0.05-0.13). Build: base ~70 s, teacher ~170 s on 2 cores, once per corpus.
_VOCAB = 2048
_COMMON = {"method": "cpt", "batch_size": "8", "max_seq_length": "512", "log_every": "50",
           "warmup_steps": "10", "checkpoint_every": "0", "seed": "0"}  # fmt: skip
BASE_RECIPE = {**_COMMON, "architecture": "tiny", "vocab_size": str(_VOCAB),
               "max_steps": "300", "learning_rate": "0.003"}  # fmt: skip
# Bumped when the build changes in a way the recipes do not show (also part of the key).
_BUILD_VERSION = 2
TEACHER_RECIPE = {**_COMMON, "architecture": "mini", "max_steps": "300",
                  "learning_rate": "0.002"}  # fmt: skip


class BaseModelError(RuntimeError):
    """Building a local foundation model failed; the message says which and why."""


@dataclass(frozen=True)
class LocalModels:
    base: Path
    teacher: Path
    key: str


def corpus_texts(files: list[Path]) -> list[str]:
    """Plain text of every sample file: documents as written, every string inside JSONL records."""
    texts: list[str] = []
    for path in sorted(set(files)):
        if path.suffix in (".md", ".txt"):
            texts.append(path.read_text(encoding="utf-8"))
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.append("\n".join(_strings(json.loads(line))))
    return [text for text in texts if text.strip()]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def sample_files(root: Path) -> list[Path]:
    """Every bundled sample file under `root` (data/samples/<preset>/raw/...)."""
    return sorted(
        p for p in root.glob("*/raw/**/*") if p.is_file() and p.suffix in (".md", ".txt", ".jsonl")
    )


def cache_key(texts: list[str]) -> str:
    digest = hashlib.sha256(json.dumps([BASE_RECIPE, TEACHER_RECIPE, _BUILD_VERSION]).encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()[:16]


def ensure_local_models(
    files: list[Path], cache: Path | None = None, with_teacher: bool = True
) -> LocalModels:
    """The base LM (and the teacher, when asked) for this corpus, built now only if the cache
    lacks them; the teacher is most of the build time and only distillation reads it."""
    texts = corpus_texts(files)
    if not texts:
        raise BaseModelError("local base model: no sample text to pretrain on")
    key = cache_key(texts)
    root = (cache or Path(os.environ.get(CACHE_ENV, DEFAULT_CACHE))) / key
    models = LocalModels(root / "base", root / "teacher", key)
    base_done, teacher_done = root / "base.complete", root / "teacher.complete"
    if base_done.is_file() and (teacher_done.is_file() or not with_teacher):
        return models
    # Two runs (or test workers) that start on an empty cache: the second waits for the first
    # build and reuses it, instead of writing the same files at the same time.
    with locked(root / "build.lock", f"local model cache {root}", wait=True):
        _build(texts, models, base_done, teacher_done, with_teacher)
    return models


def _build(
    texts: list[str], models: LocalModels, base_done: Path, teacher_done: Path, with_teacher: bool
) -> None:
    marker = json.dumps({"key": models.key, "texts": len(texts)}) + "\n"
    # Scratch space inside the cache entry, under its build lock, not in /tmp: a SIGKILLed build
    # left /tmp/fmops-pretrain-* behind for good; this one is cleared by the next build.
    work = models.base.parent / ".build"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        if not base_done.is_file():
            _pretrain(work / "base-job", texts, BASE_RECIPE, model=None, out=models.base)
            _lift_length_limit(models.base)
            base_done.write_text(marker)
        if with_teacher and not teacher_done.is_file():
            _init_teacher(models.base, work / "teacher-init")
            _pretrain(
                work / "teacher-job", texts, TEACHER_RECIPE, work / "teacher-init", models.teacher
            )
            teacher_done.write_text(marker)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _lift_length_limit(model_dir: Path) -> None:
    """Pretraining rows are short, but adapters and evaluation see longer prompts: the
    tokenizer's limit becomes the model's own (max_position_embeddings), as in a hub model."""
    config = json.loads((model_dir / "config.json").read_text())
    tokenizer_config = model_dir / "tokenizer_config.json"
    values = json.loads(tokenizer_config.read_text())
    values["model_max_length"] = int(config["max_position_embeddings"])
    tokenizer_config.write_text(json.dumps(values, indent=2) + "\n")


def _init_teacher(base: Path, out: Path) -> None:
    from training_scripts.hf_compat import load_tokenizer, save_tokenizer
    from training_scripts.model_factory import init_causal_lm

    tokenizer = load_tokenizer(base)
    init_causal_lm(str(TEACHER_RECIPE["architecture"]), tokenizer, seed=1).save_pretrained(out)
    save_tokenizer(tokenizer, out)


@contextlib.contextmanager
def _output_to(log: TextIO) -> Iterator[None]:
    """Everything train.py prints, warns or logs goes to its log, as in a job's subprocess.

    The pretraining runs inside `fmops local run`, whose stderr carries only its one `error:`
    line; transformers' handler writes to the stderr it saw at import, so redirecting
    sys.stderr alone would not catch its warnings (e.g. "Token indices sequence length").
    """
    library = logging.getLogger("transformers")
    saved = library.handlers[:], library.propagate
    library.handlers = [logging.StreamHandler(log)]
    library.propagate = False
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            yield
    finally:
        library.handlers, library.propagate = saved


def _pretrain(
    job: Path, texts: list[str], recipe: dict[str, str], model: Path | None, out: Path
) -> None:
    """train.py --method cpt on the corpus, in a throwaway container layout."""
    from training_scripts.contract import ROOT_ENV
    from training_scripts.train import EXIT_STOPPED, main

    data = job / "opt/ml/input/data"
    (data / "train").mkdir(parents=True)
    (data / "train" / "data.jsonl").write_text(
        "".join(json.dumps({"input": text}) + "\n" for text in texts), encoding="utf-8"
    )
    hyperparameters = dict(recipe)
    if model is not None:
        (data / "model").symlink_to(model, target_is_directory=True)
        hyperparameters.pop("architecture")
        hyperparameters.pop("vocab_size", None)
    config = job / "opt/ml/input/config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # see pipelines/local/jobs.py: one thread is faster on a busy box
    try:
        with (job / "train.log").open("w") as log, _output_to(log):
            code = main([], {ROOT_ENV: str(job)})
    finally:
        torch.set_num_threads(threads)
    if code == EXIT_STOPPED:  # train.py checkpointed on SIGTERM: the run was stopped
        raise RunInterrupted(f"stopped while building the local {out.name} model")
    if code != 0:
        failure = job / "opt/ml/output/failure"
        reason = failure.read_text() if failure.is_file() else f"exit code {code}"
        raise BaseModelError(f"pretraining {out.name} failed: {reason}")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(job / "opt/ml/model", out)
