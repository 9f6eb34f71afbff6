"""Errors a person can read: literal messages, one line for an HTML answer, the region found."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.faults.conftest import error_line

runner = CliRunner()


@pytest.mark.parametrize("value", ["[/]x", "[bold]x", "^[a-z][a-z0-9-]{1,11}$"])
def test_brackets_in_a_message_are_printed_literally(tmp_path: Path, value: str) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"prompt": "a", "completion": "b"}\n')
    result = runner.invoke(app, ["data", "validate", "--format", value, str(data)])
    assert error_line(result, 2).startswith(f"error: --format {value!r}: use one of ")


def test_a_settings_error_keeps_its_regex(capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.console import fail

    fail("settings.prefix = 'X': must match pattern '^[a-z][a-z0-9-]{1,11}$'")
    err = capsys.readouterr().err
    assert (
        err.strip() == "error: settings.prefix = 'X': must match pattern '^[a-z][a-z0-9-]{1,11}$'"
    )


class _SilentEndpoint:
    """Accepts connections on 127.0.0.1 and never answers (a hung load balancer)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.server.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.server.close()


HTML_500 = (
    "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    "<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)


def _within(seconds: float, args: list[str]) -> Any:
    """Invoke the CLI in a thread; fail the test (not hang it) when it takes longer."""
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(runner.invoke(app, args)), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(timeout=seconds)
    assert results, f"fmops {' '.join(args)} still silent after {seconds} s"
    results[0].elapsed = time.monotonic() - started
    return results[0]


def _list_against_a_silent_endpoint(monkeypatch: pytest.MonkeyPatch, **patience: float) -> Any:
    """`fmops pipeline list` against an endpoint that accepts and never answers, with
    `aws_patience`'s settings (e.g. READ_TIMEOUT_S=1.0) patched for the test."""
    from pipelines import aws_patience

    for name, value in patience.items():
        monkeypatch.setattr(aws_patience, name, value)
    silent = _SilentEndpoint()
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent.url)
    try:
        return _within(30, ["pipeline", "list", "--stage", "dev"])
    finally:
        silent.close()


def test_an_endpoint_that_never_answers_fails_within_the_deadline_with_attempts_shown(
    fake_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _list_against_a_silent_endpoint(monkeypatch, READ_TIMEOUT_S=1.0, CONNECT_TIMEOUT_S=1.0)
    line = error_line(result, 1)
    assert "Read timeout on endpoint URL" in line and "(3 attempts)" in line
    assert result.elapsed < 15


def test_the_retry_deadline_stops_retrying(
    fake_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _list_against_a_silent_endpoint(monkeypatch, READ_TIMEOUT_S=1.0, RETRY_DEADLINE_S=0.5)
    line = error_line(result, 1)
    assert "gave up after 1 attempt(s)" in line, line


def test_an_html_error_page_is_reduced_to_its_title(capsys: pytest.CaptureFixture[str]) -> None:
    """botocore 1.43 reduces such a body to "Internal Server Error" itself; older releases and
    other clients (the Price List notes, a proxy's page in a message) put it in whole."""
    from pipelines.console import print_error

    print_error(f"AWS GetProducts: 500: {HTML_500}")
    assert capsys.readouterr().err == (
        "error: AWS GetProducts: 500: [HTML page: 500 Internal Server Error]\n"
    )


def test_aws_region_is_read_like_aws_default_region(
    fake_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    from pipelines.deployment_outputs import regional_client

    runner.invoke(app, ["settings", "show", "--json"])  # any command: the callback runs
    assert regional_client("sagemaker").meta.region_name == "eu-west-1"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["feedback", "ingest", "{fifo}", "--out", "{tmp}/p.jsonl"], "OUTPUT_MANIFEST"),
        (["feedback", "rank-tasks", "{fifo}", "--out-dir", "{tmp}/job"], "CANDIDATES"),
        (["pipeline", "definition", "--resolved", "--values", "{fifo}"], "--values"),
        (
            ["advise", "--data-changes", "daily", "--goal", "facts", "--prices", "{fifo}"],
            "--prices",
        ),
    ],
)
def test_a_fifo_with_no_writer_is_refused_at_once(
    tmp_path: Path, args: list[str], option: str
) -> None:
    fifo = tmp_path / "input.fifo"
    os.mkfifo(fifo)
    argv = [a.format(fifo=fifo, tmp=tmp_path) for a in args]
    result = _within(20, argv)
    assert error_line(result, 2) == f"error: {option} {fifo}: is a FIFO, not a regular file"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"g": [1]}', "[" * 100_000])
def test_a_corrupt_local_registry_is_exit_2_naming_the_file(tmp_path: Path, content: str) -> None:
    (tmp_path / "model-registry.json").write_text(content)
    result = runner.invoke(app, ["local", "approve", "--version", "1", "--runs-dir", str(tmp_path)])
    line = error_line(result, 2)
    assert line.startswith(f"error: {tmp_path / 'model-registry.json'}: not a local model registry")


def _raised(error: BaseException) -> tuple[int, str]:
    from pipelines.error_path import classify

    try:
        raise error
    except BaseException as exc:
        return classify(exc)  # type: ignore[arg-type]


def test_a_copy_that_fails_names_the_first_file_not_a_list() -> None:
    import shutil

    full = "[Errno 28] No space left on device"
    failures = [
        ("/cache/m/model.safetensors", "/runs/x/model.safetensors", full),
        ("/cache/m/a", "/runs/x/a", full),
    ]
    code, message = _raised(shutil.Error(failures))
    assert (code, message) == (
        1, "cannot copy /cache/m/model.safetensors: [Errno 28] No space left on device "
        "(and 1 more files)",
    )  # fmt: skip


def test_a_lone_surrogate_and_deep_nesting_are_input_errors() -> None:
    import json

    try:
        json.loads('"\\ud800"').encode("utf-8")
    except UnicodeEncodeError as exc:
        code, message = _raised(exc)
    assert code == 2 and "lone surrogate \\ud800" in message
    assert _raised(RecursionError("maximum recursion depth exceeded"))[0] == 2


def test_building_the_definition_prints_no_sdk_logging() -> None:
    """`python app.py` printed INFO:botocore.credentials twice (the SDK's root handler)."""
    import subprocess
    import sys

    from tests.faults.conftest import REPO

    build = (
        "from deployment.settings import settings_for_stage\n"
        "from pipelines.training_pipeline import pipeline_definition\n"
        "pipeline_definition(settings_for_stage(None))\n"
    )
    done = subprocess.run([sys.executable, "-c", build], cwd=REPO, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-800:]
    assert "INFO:" not in done.stderr, done.stderr


def test_an_html_price_list_error_leaves_no_markup_in_the_estimate() -> None:
    from botocore.exceptions import ClientError

    from pipelines.cost_estimate.price_book import PriceBook

    class _Pricing:
        def get_products(self, **_: Any) -> Any:
            error = {"Error": {"Code": "500", "Message": HTML_500}}
            raise ClientError(error, "GetProducts")  # type: ignore[arg-type]

    book = PriceBook.load(region="us-east-1", pricing=_Pricing(), max_age_days=3650)
    book.instance_hour("training", "ml.g5.2xlarge")
    assert book.notes and not any("<" in note or "\n" in note for note in book.notes), book.notes
    assert "[HTML page: 500 Internal Server Error]" in book.notes[0]
