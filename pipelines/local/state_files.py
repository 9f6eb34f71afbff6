"""Crash-safe state of local runs: atomic file replacement, per-directory locks, run ids.

A kill at any instant leaves either the old or the new content of a state file (step records,
the registry, definition.json), never a torn one; two processes never work in one run
directory or update the registry at once.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A run id names a directory under the runs dir: never a path, never hidden, never "..".
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
LOCK_FILE = ".lock"


class RunInUseError(RuntimeError):
    """Another process holds the lock of a run directory or of the registry."""


def check_run_id(run_id: str) -> str:
    from pipelines.pipeline_parameters import PipelineInputError

    if not RUN_ID.fullmatch(run_id) or ".." in run_id:
        raise PipelineInputError(
            f"--run-id {run_id!r}: must be a name (letters, digits, '.', '_', '-'; up to 100, "
            "starting with a letter or digit), not a path: runs live under the runs directory"
        )
    return run_id


def write_atomic(path: Path, text: str) -> None:
    """Write beside, fsync, rename over `path`, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@contextmanager
def locked(path: Path, what: str, wait: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed); refuse at once if it is held
    (or, with `wait`, wait for it: registry updates take milliseconds).

    flock locks die with their process, so a SIGKILLed run never leaves a stale lock behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunInUseError(f"{what} is in use by {holder}; wait for it to end") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"fmops process {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()
