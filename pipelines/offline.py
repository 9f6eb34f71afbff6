"""Offline switches the CLI sets itself, so a user's bare shell behaves like `make` targets."""

from __future__ import annotations

import os

# huggingface_hub reads these when first imported; transformers/datasets follow it.
HUB_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               # "Writing model shards" bars on stderr are noise around a one-line result.
               "HF_HUB_DISABLE_PROGRESS_BARS": "1"}  # fmt: skip


def use_bundled_weights() -> None:
    """Commands that only use bundled or locally built weights never ask the model hub.

    Without this, transformers looks a local or packaged model up on the hub first and fails
    (or hangs) with no network. An explicit setting in the environment is left alone.
    """
    for name, value in HUB_OFFLINE.items():
        os.environ.setdefault(name, value)
