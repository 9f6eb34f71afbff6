"""Shared checks of the fault suite: one `error:` line, the documented exit code, no traceback."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws
from typer.testing import Result

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
TITAN = ["--base-model", "amazon.titan-text-express-v1", "--customization", "FINE_TUNING"]


def error_line(result: Result, code: int) -> str:
    """The one `error:` line of a failed command; fails the test on anything else."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    # `note:` lines inform (e.g. a model the Bedrock guides no longer list) and are no error.
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not line.startswith("note: ")
    ]
    assert "Traceback" not in result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def stderr_error_line(stderr: str) -> str:
    """Same check for a subprocess's stderr (warnings from libraries are not allowed either)."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def tree_digest(root: Path) -> str:
    """Paths and bytes of everything under `root`: equal digests, nothing was changed."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def bare_environment(home: Path) -> dict[str, str]:
    """What `env -i PATH=/usr/bin:/bin` leaves, plus HOME: no HF_*, no AWS credentials/region."""
    path = f"{REPO / '.venv/bin'}:/usr/bin:/bin"
    return {"PATH": path, "HOME": str(home), "PYTHONPATH": str(REPO), "LANG": "C.UTF-8"}


@pytest.fixture
def no_aws_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto-backed AWS with a region and fake credentials."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


@pytest.fixture
def pc_dataset(tmp_path: Path) -> Path:
    """A valid Titan prompt/completion training set, laid out as `fmops data prepare` writes it
    (bedrock submit accepts only prepared data)."""
    from tests.bedrock.conftest import as_prepared

    path = tmp_path / "train.jsonl"
    rows = [{"prompt": f"Question {i}?", "completion": f"Answer {i}."} for i in range(120)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return as_prepared(path)
