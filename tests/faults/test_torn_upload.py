"""A stage torn by the network: `fmops models stage` against a moto server behind a proxy that
fails chosen requests, as the QA round that found the torn model did.

The proxy (127.0.0.1 only) forwards every request to the moto server and answers the N-th PUT
(an upload or a server-side copy), and every retry of that same request, with a 500 and an HTML
body, the way a load balancer in front of a failing endpoint does.
"""

from __future__ import annotations

import http.client
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.faults.conftest import REGION, error_line

BUCKET = "fmops-dev-artifacts-123456789012-us-east-1"
LIVE = "base-models/acme/tiny/"
HTML_500 = (
    b"<html>\n<head><title>500 Internal Server Error</title></head>\n<body>oops</body>\n</html>"
)
runner = CliRunner()


class _FailingProxy:
    """Forwards to `upstream`; from the `fail_at`-th PUT on, that one request always gets a 500."""

    def __init__(self, upstream: int) -> None:
        self.puts = 0
        self.fail_at: int | None = None
        self.failing: tuple[str, str] | None = None  # (path, copy source) of the failed PUT
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep pytest's output clean
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "PUT" and proxy._fails(self.path, self.headers):
                    self._answer(500, {"Content-Type": "text/html"}, HTML_500)
                    return
                upstream_conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "expect"}
                upstream_conn.request(self.command, self.path, body=body, headers=headers)
                response = upstream_conn.getresponse()
                payload = response.read()
                dropped = ("transfer-encoding", "connection")
                if self.command != "HEAD":  # HEAD's Content-Length is the object's size
                    dropped += ("content-length",)
                kept = {k: v for k, v in response.getheaders() if k.lower() not in dropped}
                self._answer(response.status, kept, payload)
                upstream_conn.close()

            def _answer(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers and "content-length" not in headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _fails(self, path: str, headers: Any) -> bool:
        request = (path, headers.get("x-amz-copy-source", ""))
        self.puts += 1
        if self.failing is None and self.fail_at is not None and self.puts >= self.fail_at:
            self.failing = request
        return request == self.failing

    def heal(self) -> None:
        self.fail_at, self.failing = None, None


@pytest.fixture()
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[_FailingProxy, Any, str]]:
    """(proxy, an S3 client straight to moto, a KMS key ARN); the CLI's S3 goes via the proxy."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    moto_url = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    reset = http.client.HTTPConnection("127.0.0.1", server.get_host_and_port()[1])
    reset.request("POST", "/moto-api/reset")  # moto's backends are process-wide
    assert reset.getresponse().status == 200
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "2",  # the proxy fails a request for good; retry once, quickly
    }.items():
        monkeypatch.setenv(name, value)
    direct = boto3.client("s3", endpoint_url=moto_url, region_name=REGION)
    direct.create_bucket(Bucket=BUCKET)
    key = boto3.client("kms", endpoint_url=moto_url, region_name=REGION).create_key()
    proxy = _FailingProxy(server.get_host_and_port()[1])
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    yield proxy, direct, key["KeyMetadata"]["Arn"]
    proxy.server.shutdown()
    server.stop()


def _objects(s3: Any) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def _stage(model: Path, key: str, *extra: str) -> Any:
    args = ["models", "stage", str(model), "--name", "acme/tiny", "--bucket", BUCKET]
    return runner.invoke(app, [*args, "--kms-key", key, *extra])


@pytest.fixture()
def model(tiny_model_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "tiny"))


def test_a_replace_torn_by_a_failing_copy_leaves_the_old_model_and_the_retry_works(
    endpoint: tuple[_FailingProxy, Any, str], model: Path
) -> None:
    proxy, s3, key = endpoint
    assert _stage(model, key).exit_code == 0
    before = _objects(s3)
    files = len(before) - 1
    (model / "tokenizer.json").write_text(
        json.dumps(json.loads((model / "tokenizer.json").read_text()))
    )
    (model / "config.json").write_text(
        json.dumps({**json.loads((model / "config.json").read_text()), "v": 2})
    )
    # PUTs of the replace: `files` uploads, `files + 1` copies aside, then the commit's copies
    proxy.fail_at = proxy.puts + files + (files + 1) + 2
    torn = _stage(model, key, "--replace")
    line = error_line(torn, 1)
    assert proxy.failing is not None and proxy.failing[1], "the failed PUT was a commit copy"
    assert f"s3://{BUCKET}/{LIVE} is unchanged" in line
    assert "<html" not in torn.output
    assert _objects(s3) == before  # old bytes, old manifest, no version prefix left
    proxy.heal()
    assert _stage(model, key, "--replace").exit_code == 0
    listed = runner.invoke(app, ["models", "list", "--bucket", BUCKET, "--verify", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [m["status"] for m in json.loads(listed.stdout)] == ["ok"]
    assert _objects(s3)[LIVE + "config.json"] == (model / "config.json").read_bytes()


def test_a_first_stage_torn_mid_upload_leaves_nothing_and_the_retry_needs_no_replace(
    endpoint: tuple[_FailingProxy, Any, str], model: Path
) -> None:
    proxy, s3, key = endpoint
    proxy.fail_at = 3
    error_line(_stage(model, key), 1)
    assert _objects(s3) == {}
    proxy.heal()
    retried = _stage(model, key)
    assert retried.exit_code == 0, retried.output
    assert LIVE + "fmops-manifest.json" in _objects(s3)
