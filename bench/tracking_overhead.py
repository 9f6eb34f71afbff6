"""What MLflow tracking adds to a local run, and how much the store grows per run.

    python bench/tracking_overhead.py --runs-dir /tmp/bench-runs --run-id legal1 --preset legal

Runs `fmops local run` in this process with the tracking writer instrumented and prints: the
run's wall time, how long the executor waited for tracking at the end (the time tracking adds:
everything before it overlaps the jobs), the CPU seconds of the tracking thread (mlflow's
import, the store's schema on a new store, the logging), the store's size before and after,
and the time to log the same run's records again into the now-existing store (`--replays N`),
with the growth of the store per replayed run.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import time
from pathlib import Path
from typing import Any

from pipelines.local import tracking as local_tracking
from training_scripts.vocabulary.metrics import GATE_PARAMETERS

_STATS = {"finish_wait": 0.0, "thread_cpu": 0.0}
_WORK, _FINISH = local_tracking.LocalTracking._work, local_tracking.LocalTracking.finish


def _work(self: Any, experiment: str) -> None:
    started = time.thread_time()
    try:
        _WORK(self, experiment)
    finally:
        _STATS["thread_cpu"] += time.thread_time() - started


def _finish(self: Any, *args: Any, **kwargs: Any) -> None:
    started = time.monotonic()
    _FINISH(self, *args, **kwargs)
    _STATS["finish_wait"] += time.monotonic() - started


def _replay(runs_dir: Path, run_id: str, copies: int) -> None:
    """Log the run's own records again as new runs: the per-run cost on an existing store."""
    db = runs_dir / local_tracking.TRACKING_DB
    uri = local_tracking.local_store_uri(runs_dir)
    gate = [{"threshold_parameter": GATE_PARAMETERS[1], "threshold": 0.1, "passed": True}]
    for index in range(copies):
        replay = runs_dir / f"{run_id}-replay{index}"
        shutil.copytree(runs_dir / run_id / local_tracking.OUTBOX_DIR,
                        replay / local_tracking.OUTBOX_DIR, dirs_exist_ok=True)  # fmt: skip
        before, started = db.stat().st_size, time.monotonic()
        writer = local_tracking.LocalTracking(uri, "bench", replay.name, replay)
        writer.finish(gate, None, succeeded=True)
        print(f"replay {index}: {time.monotonic() - started:.2f} s, "
              f"store +{db.stat().st_size - before} bytes")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs-dir", type=Path, required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--preset", default="legal")
    parser.add_argument("--replays", type=int, default=3)
    args = parser.parse_args()
    local_tracking.LocalTracking._work = _work  # type: ignore[method-assign]
    local_tracking.LocalTracking.finish = _finish  # type: ignore[method-assign]
    from pipelines.cli import app

    db = args.runs_dir / local_tracking.TRACKING_DB
    before = db.stat().st_size if db.exists() else 0
    started = time.monotonic()
    command = ["local", "run", "--preset", args.preset, "--runs-dir", str(args.runs_dir),
               "--run-id", args.run_id]  # fmt: skip
    with contextlib.suppress(SystemExit):
        app(command, standalone_mode=False)
    print(f"run {args.run_id}: wall {time.monotonic() - started:.1f} s, tracking wait at the end "
          f"{_STATS['finish_wait']:.2f} s, tracking thread CPU {_STATS['thread_cpu']:.2f} s, "
          f"store {before} -> {db.stat().st_size if db.exists() else 0} bytes")  # fmt: skip
    _replay(args.runs_dir, args.run_id, args.replays)


if __name__ == "__main__":
    main()
