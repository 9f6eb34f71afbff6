"""A local run killed during Train (SIGTERM, then SIGKILL) resumes from its checkpoint.

One run, five commands: a concurrent second run of the same id is refused; SIGTERM stops the
run (its job writes a checkpoint, the log keeps every line); `--resume` continues from that
checkpoint and is SIGKILLed (its job dies with it); `--resume` finishes from the later
checkpoint and registers; a last `--resume` with a torn step record recovers it in one line and
registers nothing new (same model, same evaluation, same version).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.local.run import REGISTRY_FILE
from tests.faults.conftest import REPO, stderr_error_line
from tests.faults.short_local_run import STEPS

# Runs whole pipelines or resolves images against the package index: the end-to-end lane
# (`make test-e2e`), minutes each on 2 cores.
pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("short_local_run.py")
RUN = "killed"


def _start(runs: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), "--preset", "healthcare", "--runs-dir", str(runs),
         "--run-id", RUN, *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip


def _wait_for(
    condition: Callable[[], object],
    what: str,
    running: subprocess.Popen[str] | None = None,
    timeout: float = 300.0,
) -> None:
    """Poll `condition`; fail at once (with its stderr) if the `running` run ended instead."""
    deadline = time.monotonic() + timeout
    while not condition():
        if running is not None and running.poll() is not None:
            _, err = running.communicate()
            pytest.fail(f"the run exited {running.returncode} before {what}: {err[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _checkpoints(run_dir: Path) -> list[int]:
    found = run_dir.glob("s3/*/pipeline-runs/*/Train/checkpoints/step-*.pt")
    return sorted(int(p.stem.removeprefix("step-")) for p in found)


def _processes_in(run_dir: Path) -> list[int]:
    """Processes whose working directory is inside the run (the jobs run in their job root)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if cwd.startswith(str(run_dir)):
                found.append(int(entry.name))
    return found


def _resumed_at(run_dir: Path) -> int:
    match = re.search(
        r"resumed from checkpoint at step (\d+)", (run_dir / "logs/Train.log").read_text()
    )
    assert match, "Train did not resume from a checkpoint"
    return int(match[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and prctl")
def test_sigterm_and_sigkill_during_train_then_resume_continues(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    run_dir = runs / RUN

    first = _start(runs)
    _wait_for(lambda: (run_dir / "definition.json").exists(), "the run started", first)
    # Concurrent runs of one id: the second is refused while the first holds the directory.
    second = _start(runs, "--resume")
    _, err = second.communicate(timeout=300)
    assert second.returncode == 1
    assert f"run directory {run_dir.resolve()} is in use by fmops process {first.pid}" in (
        stderr_error_line(err)
    )

    _wait_for(lambda: _checkpoints(run_dir), "the first checkpoint", first)
    first.send_signal(signal.SIGTERM)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 143
    assert "stopped by SIGTERM; jobs stopped, checkpoints kept" in stderr_error_line(err)
    log = (run_dir / "logs/Train.log").read_text()
    assert "step=20;" in log and "stop requested (SIGTERM): checkpoint saved" in log
    stopped_at = _checkpoints(run_dir)[-1]
    assert 20 <= stopped_at < STEPS
    assert _processes_in(run_dir.resolve()) == []

    resumed = _start(runs, "--resume")
    _wait_for(lambda: _checkpoints(run_dir)[-1] > stopped_at, "a later checkpoint", resumed)
    assert _resumed_at(run_dir) == stopped_at
    resumed.kill()  # SIGKILL: no handler runs; the job must still die with its parent
    resumed.communicate(timeout=60)
    _wait_for(lambda: not _processes_in(run_dir.resolve()), "the orphaned job to exit", timeout=120)
    killed_at = _checkpoints(run_dir)[-1]
    assert "step=" in (run_dir / "logs/Train.log").read_text()  # line-buffered, not lost

    finished = _start(runs, "--resume")
    out, err = finished.communicate(timeout=600)
    assert finished.returncode == 0, err
    assert _resumed_at(run_dir) == killed_at > stopped_at
    registry = json.loads((runs / REGISTRY_FILE).read_text())
    (versions,) = registry.values()
    assert [v["ModelPackageVersion"] for v in versions] == [1]

    # A torn step record (a crash mid-write, before writes were atomic) is recovered: the step
    # runs again, and the unchanged model and evaluation keep their registered version.
    record = run_dir / "steps/PrepareData.json"
    record.write_text(record.read_text()[:40])
    again = _start(runs, "--resume")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert f"step record {record.resolve()} is unreadable; running PrepareData again" in out
    assert "Train" in out and "(reused: same arguments, code and inputs)" in out
    registry = json.loads((runs / REGISTRY_FILE).read_text())
    assert [v["ModelPackageVersion"] for v in registry[next(iter(registry))]] == [1]
