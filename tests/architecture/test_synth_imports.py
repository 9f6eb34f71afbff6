"""`python app.py` (cdk synth) imports no container entrypoint: it builds a definition only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.architecture.import_graph import REPO

# Runs app.py exactly as `make synth` does, then reports every module the process loaded.
_PROBE = """
import json, runpy, sys
runpy.run_path("app.py", run_name="__main__")
print("MODULES=" + json.dumps(sorted(sys.modules)))
"""


def entrypoint_modules() -> list[str]:
    """training_scripts modules that run as a job's main program (they have a __main__ block)."""
    return sorted(
        f"training_scripts.{path.stem}"
        for path in (REPO / "training_scripts").glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
    )


@pytest.fixture(scope="module")
def synth_modules(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    outdir = tmp_path_factory.mktemp("synth-imports")
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": '{"stage": "dev"}'}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("MODULES=")]
    return set(json.loads(line.removeprefix("MODULES=")))


def test_entrypoints_are_found() -> None:
    # Guards the next test against passing because the list came back empty.
    assert {"training_scripts.train", "training_scripts.evaluate"} <= set(entrypoint_modules())
    assert "training_scripts.prepare_data" in entrypoint_modules()


def test_cdk_synth_imports_no_training_entrypoint(synth_modules: set[str]) -> None:
    assert "infra.stacks.training" in synth_modules  # the probe really synthesized the app
    loaded = sorted(set(entrypoint_modules()) & synth_modules)
    assert not loaded, f"app.py imported container entrypoints: {loaded}"


def test_cdk_synth_loads_no_training_framework(synth_modules: set[str]) -> None:
    # The definition names the image; it never needs the libraries the image runs.
    heavy = sorted(m for m in ("torch", "transformers", "trl", "peft") if m in synth_modules)
    assert not heavy, f"app.py imported {heavy}"
