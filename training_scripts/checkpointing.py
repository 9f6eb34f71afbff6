"""Resumable checkpoints: step counter, trainable weights, optimizer and RNG state.

Written every N steps and when SIGTERM arrives (SageMaker sends it on Spot interruption and
gives the job a short grace period), to the checkpoint dir SageMaker syncs with S3. A restarted
job loads the newest complete one and carries on from the same step with the same state.
"""

from __future__ import annotations

import random
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import torch

PREFIX = "step-"

# What signal.signal takes and returns: a handler, SIG_DFL/SIG_IGN, or None (not set from Python).
SignalHandler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


class StopRequest:
    """Turns SIGTERM into a flag the loop checks between steps (never mid-update)."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: SignalHandler = None

    def __enter__(self) -> StopRequest:
        self._previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGTERM, self._previous)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class CheckpointStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, step: int, state: dict[str, Any]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{PREFIX}{step:09d}.pt"
        partial = final.with_suffix(".partial")
        torch.save({**state, "step": step}, partial)
        partial.replace(final)  # atomic: a kill mid-write never leaves a corrupt "latest"
        for older in self._all()[:-1]:
            older.unlink(missing_ok=True)
        return final

    def latest(self) -> dict[str, Any] | None:
        found = self._all()
        if not found:
            return None
        return torch.load(found[-1], map_location="cpu", weights_only=False)

    def _all(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"{PREFIX}*.pt"))
