"""Atomic outputs: every file is written under a temporary name and renamed only at the end.

A run that fails half-way leaves no partial dataset behind; readers never see a torn file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from types import TracebackType
from typing import TextIO


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class AtomicOutputs:
    """`open(target)` hands out a temp file beside `target`; `commit()` renames them all."""

    def __init__(self) -> None:
        self._files: list[tuple[Path, Path, TextIO]] = []

    def open(self, target: Path) -> TextIO:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        handle = temp.open("w", encoding="utf-8", newline="\n")
        self._files.append((target, temp, handle))
        return handle

    def temp_path(self, target: Path) -> Path:
        return next(temp for t, temp, _ in self._files if t == target)

    def close(self) -> None:
        for _, _, handle in self._files:
            handle.close()

    def commit(self) -> None:
        try:
            self.close()
            for target, temp, _ in self._files:
                os.replace(temp, target)
        except BaseException:
            self.abort()
            raise
        self._files.clear()

    def abort(self) -> None:
        # On a full disk close() fails again (the buffer still cannot be flushed): close what
        # can be closed and remove every temp file anyway, or the disk stays full.
        for _, temp, handle in self._files:
            with contextlib.suppress(OSError):
                handle.close()
            temp.unlink(missing_ok=True)
        self._files.clear()

    def _where(self) -> str:
        """The outputs' common folder: a failed flush (ENOSPC) names no file of its own."""
        return os.path.commonpath([str(target.parent) for target, _, _ in self._files])

    def __enter__(self) -> AtomicOutputs:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        where = self._where() if self._files else None
        try:
            if kind is None:
                self.commit()
            else:
                self.abort()
        except OSError as exc:
            if exc.filename is None and where is not None:
                raise OSError(exc.errno, exc.strerror, where) from exc
            raise
        if isinstance(value, OSError) and value.filename is None and where is not None:
            raise OSError(value.errno, value.strerror, where) from value


def write_jsonl(handle: TextIO, record: dict) -> None:
    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
