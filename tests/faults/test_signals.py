"""Signals during a local run: SIGHUP like SIGTERM, a second Ctrl-C harmless, nothing left in
/tmp, and a resume hint when the base-model build is stopped."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import REPO

HANDLED = """
import os, signal
from pipelines.commands.local import _stopped_by_sigterm
from pipelines.local.jobs import RunInterrupted
with _stopped_by_sigterm():
    try:
        os.kill(os.getpid(), signal.{first})
    except RunInterrupted as exc:
        print(exc)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C again while the jobs are stopping
        print("stopping went on")
"""


@pytest.mark.parametrize("first", ["SIGHUP", "SIGTERM", "SIGINT"])
def test_a_stop_signal_stops_the_run_once_and_a_second_is_ignored(first: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", HANDLED.format(first=first)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    assert done.stdout.splitlines() == [f"stopped by {first}", "stopping went on"]


def test_a_stopped_base_model_build_is_an_interrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """train.py returns 143 after its checkpoint on SIGTERM: that is a stop, not a failure."""
    import training_scripts.train as train
    from pipelines.local import base_models
    from pipelines.local.jobs import RunInterrupted

    monkeypatch.setattr(train, "main", lambda argv, env: train.EXIT_STOPPED)
    with pytest.raises(RunInterrupted, match="stopped while building the local base model"):
        base_models._pretrain(tmp_path / "job", ["text"], {"architecture": "x"}, None,
                              tmp_path / "base")  # fmt: skip


def test_the_build_scratch_is_cleared_after_a_failure_and_a_kill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.local import base_models

    models = base_models.LocalModels(tmp_path / "k/base", tmp_path / "k/teacher", "k")
    leftover = tmp_path / "k/.build/base-job/opt/ml/model/shard"  # what a SIGKILL leaves
    leftover.parent.mkdir(parents=True)
    leftover.write_text("partial")
    seen: list[bool] = []

    def failing(job: Path, *args: Any, **kwargs: Any) -> None:
        seen.append(leftover.exists())
        raise base_models.BaseModelError("disk full")

    monkeypatch.setattr(base_models, "_pretrain", failing)
    before = set(Path("/tmp").glob("fmops-pretrain-*"))
    with pytest.raises(base_models.BaseModelError):
        base_models._build(["t"], models, tmp_path / "k/base.complete",
                           tmp_path / "k/teacher.complete", with_teacher=False)  # fmt: skip
    assert seen == [False]  # the killed build's scratch was gone before this one started
    assert not (tmp_path / "k/.build").exists()
    assert set(Path("/tmp").glob("fmops-pretrain-*")) == before


def test_signals_handled_are_documented() -> None:
    from pipelines.commands.local import STOP_SIGNALS

    readme = (REPO / "README.md").read_text()
    for sig in STOP_SIGNALS:
        assert signal.Signals(sig).name in readme
