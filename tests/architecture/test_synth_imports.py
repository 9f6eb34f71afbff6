"""`python app.py` (cdk synth) imports no container entrypoint: it builds a definition only."""

from __future__ import annotations

import json

import pytest

from tests.architecture.import_graph import REPO
from tests.python_probe import run_python

# What app.py does up to synthesis (settings, every stack; cdk-nag and writing templates import
# no project module), then every module the process loaded. tests/infra runs app.py itself.
_PROBE = """
import json, sys
import aws_cdk as cdk
from deployment.settings import load_settings, read_cdk_json_context
from infra.app import build_stacks
app = cdk.App(context=read_cdk_json_context())
build_stacks(app, load_settings(app.node.get_all_context()), nag=False)
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
def synth_modules() -> set[str]:
    stdout = run_python(_PROBE, CDK_CONTEXT_JSON='{"stage": "dev"}')
    (line,) = [x for x in stdout.splitlines() if x.startswith("MODULES=")]
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
