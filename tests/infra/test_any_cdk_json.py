"""make test's infrastructure tests pass whatever cdk.json says: the delivery pipeline's Synth step
runs them on the team's edited cdk.json, not on the committed defaults.

A copy of the repository gets cdk.json edited by the README's own "accounts per stage" step (the
snippet is read from README.md and run as typed), then the infrastructure tests that read the
config run there. Slow (synthesis of the edited app and the matrix): e2e.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The modules whose fixtures read cdk.json: the session app, the matrix, the hardened app.
MODULES = [
    "tests/infra/test_runtime_contract.py",
    "tests/infra/test_compliance.py",
    "tests/infra/test_settings.py",
    "tests/infra/test_training_stack.py",
    "tests/infra/test_bedrock_stack.py",
    "tests/infra/test_security.py",
]


def readme_settings_snippet() -> str:
    """The python the README's delivery section runs to set accounts per stage, with the one
    value it tells the reader to replace (the connection's id) filled in."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<<'SETTINGS'\n(.*?)\nSETTINGS\n", text, re.S)
    assert match, "README.md lost its accounts-per-stage settings step"
    assert "REPLACE-ME" in match.group(1)
    return match.group(1).replace("REPLACE-ME", "12345678-1234-1234-1234-123456789012")


def _copy_repository(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for shared in (".venv", ".venv-checkov", "node_modules"):
        if (ROOT / shared).exists():
            (target / shared).symlink_to((ROOT / shared).resolve())


@pytest.mark.e2e
def test_infra_tests_pass_with_the_readme_accounts_per_stage_edit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _copy_repository(repo)
    subprocess.run(
        [sys.executable, "-"], input=readme_settings_snippet(), cwd=repo, text=True, check=True
    )
    assert '"333333333333"' in (repo / "cdk.json").read_text()
    env = {**os.environ, "PYTHONPATH": str(repo)}
    pytest_args = ["-q", "-p", "no:cacheprovider", "-m", "not e2e", *MODULES]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=3000,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
