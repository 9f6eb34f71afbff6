"""Offline means offline: building the definition, `python app.py` and a local run connect nowhere.

Each command runs with HTTP(S)_PROXY pointing at a listener on 127.0.0.1 that counts the
connections it accepts (HTTP clients that honour the proxy variables: boto3, requests,
huggingface_hub, Node's CDK libraries when configured), and with a `sitecustomize` audit hook
that records every DNS lookup and socket connection a Python process (and the jobs it starts)
makes to anything but loopback or a Unix socket: direct socket use does not escape it. Not
covered: non-Python processes that ignore the proxy variables (the jsii Node runtime talks to
Python over pipes; it is not given a reason to go online).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import REPO, bare_environment

# Runs whole pipelines (the end-to-end lane, `make test-e2e`): minutes on 2 cores.
pytestmark = pytest.mark.e2e

SITECUSTOMIZE = """
import os, socket, sys

def _record(event, args):
    if event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode()
        if host and host not in ("localhost", "127.0.0.1", "::1"):
            _write(f"dns {host}")
    elif event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in (
            "127.0.0.1", "::1", "localhost"
        ):
            _write(f"connect {address}")

def _write(line):
    with open(os.environ["NETWORK_LOG"], "a") as log:
        log.write(f"{os.getpid()} {sys.argv[:2]} {line}\\n")

sys.addaudithook(_record)
"""


class _CountingProxy:
    """Accepts and closes connections on 127.0.0.1; `count` is how many arrived."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.count += 1
            connection.close()


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    work = tmp_path_factory.mktemp("offline")
    hooks = work / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    (work / "home").mkdir()
    proxy = _CountingProxy()
    env = bare_environment(work / "home")
    url = f"http://127.0.0.1:{proxy.port}"
    env |= {"HTTP_PROXY": url, "HTTPS_PROXY": url, "http_proxy": url, "https_proxy": url,
            "PYTHONPATH": f"{hooks}:{REPO}", "NETWORK_LOG": str(work / "network.log")}  # fmt: skip
    yield env, work
    proxy.server.close()
    assert proxy.count == 0, f"{proxy.count} connection(s) reached the proxy"


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)


def _network_log(work: Path) -> list[str]:
    log = work / "network.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def test_definition_build_makes_no_connection_and_logs_nothing(
    offline: tuple[dict[str, str], Path],
) -> None:
    env, work = offline
    done = _run([str(REPO / ".venv/bin/fmops"), "pipeline", "definition"], env, work)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{")
    assert done.stderr == ""  # no botocore/SDK INFO lines, no telemetry notice
    assert _network_log(work) == []


def test_synth_makes_no_connection(offline: tuple[dict[str, str], Path]) -> None:
    env, work = offline
    env = {**env, "CDK_OUTDIR": str(work / "cdk.out")}
    done = _run([sys.executable, str(REPO / "app.py")], env, REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert _network_log(work) == []


def test_local_run_legal_makes_no_connection(offline: tuple[dict[str, str], Path]) -> None:
    env, work = offline
    env = {**env, "SHORT_RUN_STEPS": "4", "OMP_NUM_THREADS": "1"}
    script = REPO / "tests/faults/short_local_run.py"
    done = _run([sys.executable, str(script), "--preset", "legal", "--runs-dir",
                 str(work / "runs"), "--run-id", "offline"], env, work)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Succeeded" in done.stdout
    assert _network_log(work) == []
    assert os.path.isfile(work / "runs/offline/report.html")
