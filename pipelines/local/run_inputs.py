"""What a local run was started with, kept in its directory so `--resume` repeats it.

Without it a resume rebuilt the run from the defaults: README's own resume example retrained for
minutes with the preset's default hyperparameters instead of the original `--hp` and registered
a new version. The file is written before any step runs, so a SIGKILLed run resumes the same.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.local.state_files import write_atomic
from pipelines.pipeline_parameters import PipelineInputError

RUN_INPUTS_FILE = "run-inputs.json"
DEFAULT_PRESET = "healthcare"  # `fmops local run` without --preset


@dataclass(frozen=True)
class RunInputs:
    preset: str
    stage: str | None = None
    hyperparameters: dict[str, str] = field(default_factory=dict)  # the --hp given
    parameters: dict[str, str] = field(default_factory=dict)  # the --param given

    def save(self, run_dir: Path) -> None:
        write_atomic(run_dir / RUN_INPUTS_FILE, json.dumps(asdict(self), indent=2, sort_keys=True))


def _saved(run_dir: Path) -> RunInputs | None:
    path = run_dir / RUN_INPUTS_FILE
    if not path.is_file():
        return None  # a run from before this file existed: resume with what is given
    try:
        return RunInputs(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise PipelineInputError(f"{path}: not a run-inputs file ({exc})") from None


def resumed_inputs(run_dir: Path, given: RunInputs, preset_given: bool) -> RunInputs:
    """The original run's inputs with what this command line adds (its --hp/--param win).

    A different preset or stage would be another run, not a resume: refused.
    """
    saved = _saved(run_dir)
    if saved is None:
        return given
    for name, old, new in (("preset", saved.preset, given.preset if preset_given else None),
                           ("stage", saved.stage, given.stage)):  # fmt: skip
        if new is not None and new != old:
            raise PipelineInputError(
                f"--{name} {new}: run {run_dir.name} was started with --{name} {old}; resume it "
                "with the same one (or start a new --run-id)"
            )
    return RunInputs(
        preset=saved.preset,
        stage=saved.stage,
        hyperparameters={**saved.hyperparameters, **given.hyperparameters},
        parameters={**saved.parameters, **given.parameters},
    )
