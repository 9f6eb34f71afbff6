"""Resolve an image's requirements against its torch and Python with pip, on metadata only.

`pip install --dry-run --ignore-installed --report` runs pip's real resolver without installing
anything; the requirements' torch line is replaced by the image's torch, so a library that needs
a newer torch than the image ships fails here instead of on the first training job. The
interpreter is the image's Python version (sdists such as rouge-score need a real one to yield
their metadata). Results are cached in .cache/image-resolution/ by a hash of everything that
goes in, so the resolver runs again only when a requirements file or an image changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "image-resolution"
PIP_FLAGS = ("--isolated", "--disable-pip-version-check", "install", "--dry-run",
             "--ignore-installed", "--quiet")  # fmt: skip


@dataclass(frozen=True)
class Resolution:
    ok: bool
    versions: dict[str, str]  # canonical name -> version, when ok
    error: str  # pip's last lines, when not


def image_requirements(requirements: str, torch_version: str) -> list[str]:
    """The file's requirement lines, torch pinned to the image's."""
    lines = [f"torch=={torch_version}"]
    for line in requirements.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and not line.startswith("torch=="):
            lines.append(line)
    return lines


def interpreter(python_version: str) -> str | None:
    """A working interpreter of that version: on PATH, or a pyenv install (whose shim on PATH
    may exist yet refuse to run when that version is not selected)."""
    name = f"python{python_version}"
    candidates = [shutil.which(name)]
    candidates += sorted(
        str(p) for p in Path.home().glob(f".pyenv/versions/{python_version}.*/bin/{name}")
    )
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True, timeout=60)  # fmt: skip
        if probe.returncode == 0 and probe.stdout.strip() == str(
            tuple(int(x) for x in python_version.split("."))
        ):
            return candidate
    return None


def start(lines: list[str], python: str) -> tuple[Path, subprocess.Popen[str] | None]:
    """Begin a resolution (or find it cached); `finish` collects it."""
    key = hashlib.sha256(json.dumps([lines, Path(python).name]).encode()).hexdigest()[:24]
    cached = CACHE / f"{key}.json"
    if cached.is_file():
        return cached, None
    work = Path(tempfile.mkdtemp(prefix="fmops-resolve-"))
    (work / "requirements.txt").write_text("\n".join(lines) + "\n")
    command = [python, "-m", "pip", *PIP_FLAGS, "--report", str(work / "report.json"),
               "-r", str(work / "requirements.txt")]  # fmt: skip
    process = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    return cached, process


def finish(
    cached: Path, process: subprocess.Popen[str] | None, timeout: float = 1800
) -> Resolution:
    if process is None:
        return Resolution(**json.loads(cached.read_text()))
    output, _ = process.communicate(timeout=timeout)
    work = Path(process.args[process.args.index("--report") + 1]).parent
    report = work / "report.json"
    if process.returncode == 0 and report.is_file():
        installs = json.loads(report.read_text())["install"]
        versions = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs}
        result = Resolution(True, versions, "")
    else:
        lines = [line for line in output.splitlines() if "ERROR" in line or "conflict" in line]
        result = Resolution(False, {}, "\n".join(lines[-12:]) or output[-2000:])
    shutil.rmtree(work, ignore_errors=True)
    if result.ok or "ResolutionImpossible" in result.error or "conflict" in result.error:
        # Only definite answers are cached; a network failure is retried next time.
        CACHE.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(result.__dict__))
    return result
