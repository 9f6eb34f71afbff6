"""One module per adaptation method; each exposes `build(run) -> training_loop.Task`."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from training_scripts.model_source import RunContext
from training_scripts.training_loop import Task


def builder(method: str) -> Callable[[RunContext], Task]:
    module = importlib.import_module(f"training_scripts.methods.{method}")
    return module.build
