"""What a stageable Hugging Face model directory must hold, and the hash of every file.

The training container loads the base model with `from_pretrained` from the `model` channel, so
the directory needs a config, a tokenizer and weights. Weights must be safetensors: pickled
PyTorch files (`.bin`, `.pt`, ...) can run arbitrary code when loaded (Hugging Face, "Pickle
scanning" / safetensors docs), so they are refused unless the user says otherwise.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.models import ModelStagingError

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
# Any one of these file sets is a tokenizer `AutoTokenizer.from_pretrained` can load.
TOKENIZER_FILE_SETS = (
    ("tokenizer.json",),
    ("tokenizer.model",),
    ("vocab.json", "merges.txt"),
    ("vocab.txt",),
)
SAFETENSORS_INDEX = "model.safetensors.index.json"
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelFile:
    path: str  # relative, POSIX
    size: int
    sha256: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def model_files(root: Path) -> list[Path]:
    """Files to stage: everything but hidden files and folders (.git, .cache of the hub)."""
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def _check_safetensors(root: Path, weights: list[Path]) -> None:
    from safetensors import safe_open  # the format's own reader: header and tensor names

    index = root / SAFETENSORS_INDEX
    if index.is_file():
        try:
            shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (json.JSONDecodeError, KeyError, AttributeError):
            raise ModelStagingError(f"{index}: not a safetensors index (no weight_map)") from None
        missing = sorted(s for s in shards if not (root / s).is_file())
        if missing:
            raise ModelStagingError(f"{index}: shards missing: {', '.join(missing)}")
    for path in weights:
        try:
            with safe_open(str(path), framework="numpy") as handle:
                if not list(handle.keys()):
                    raise ModelStagingError(f"{path}: holds no tensors")
        except ModelStagingError:
            raise
        except Exception as exc:  # safetensors raises its own error types for bad headers
            raise ModelStagingError(f"{path}: not a readable safetensors file ({exc})") from None


def check_layout(root: Path, *, allow_pickle: bool = False) -> list[Path]:
    """The files to stage, after checking config, tokenizer and weights; else one error line."""
    if not root.is_dir():
        raise ModelStagingError(f"{root}: not a directory")
    config = root / "config.json"
    try:
        parsed = json.loads(config.read_text(encoding="utf-8"))
    except OSError:
        raise ModelStagingError(
            f"{root}: no config.json (not a Hugging Face model directory)"
        ) from None
    except json.JSONDecodeError as exc:
        raise ModelStagingError(f"{config}: not valid JSON ({exc.msg})") from None
    if not isinstance(parsed, dict) or "model_type" not in parsed:
        raise ModelStagingError(f"{config}: no model_type (not a transformers config)")
    if not any(all((root / f).is_file() for f in files) for files in TOKENIZER_FILE_SETS):
        allowed = " | ".join(" + ".join(files) for files in TOKENIZER_FILE_SETS)
        raise ModelStagingError(f"{root}: no tokenizer (need one of: {allowed})")
    files = model_files(root)
    pickled = [p for p in files if p.suffix in PICKLE_SUFFIXES]
    if pickled and not allow_pickle:
        names = ", ".join(p.relative_to(root).as_posix() for p in pickled)
        raise ModelStagingError(
            f"{root}: pickled weights {names} can run code when loaded; convert them to "
            "safetensors or pass --allow-pickle"
        )
    safetensors = [p for p in files if p.suffix == ".safetensors"]
    if not safetensors and not pickled:
        raise ModelStagingError(f"{root}: no weights (*.safetensors)")
    _check_safetensors(root, safetensors)
    return files


def describe_files(root: Path, files: list[Path]) -> list[ModelFile]:
    return [
        ModelFile(path.relative_to(root).as_posix(), path.stat().st_size, sha256_file(path))
        for path in files
    ]
