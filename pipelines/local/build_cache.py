"""The demo's slow builds cached by a hash of everything that goes into them.

`make demo` synthesizes the stage's stacks and builds the SageMaker definition before it runs
anything; on a warm run both come out byte-for-byte what they were, so they are reused when,
and only when, the key is unchanged. The key covers every input: the sources of every package
(deployment/, infra/, pipelines/, training_scripts/), the app and its configuration (app.py,
cdk.json, cdk.context.json, the requirement and lock files), the installed versions of the
libraries that render templates and definitions, the Python version, the environment variables
the CDK and the SageMaker SDK read (AWS_*, CDK_*, FMOPS_*), and the settings or stage asked for.
Any change to any of them is a miss, never a stale hit (tests/local/test_build_cache.py).
The image resolution (tests/infra/image_resolution.py) is cached the same way.

    python -m pipelines.local.build_cache synth --stage dev   # the demo's synth, cached
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE_DIR = Path(".cache") / "build"  # under the repository, beside .cache/image-resolution
SOURCE_DIRS = ("deployment", "infra", "pipelines", "training_scripts")
SOURCE_FILES = ("app.py", "cdk.json", "cdk.context.json", "package-lock.json", "pyproject.toml",
                "requirements.txt", "requirements-dev.txt")  # fmt: skip
LIBRARIES = ("aws-cdk-lib", "constructs", "cdk-nag", "sagemaker", "boto3", "botocore", "pydantic")
ENV_PREFIXES = ("AWS_", "CDK_", "FMOPS_")
SYNTH_KEY_FILE = ".fmops-synth-key"  # in cdk.out, beside the templates it describes


def inputs_key(*extra: str, root: Path = REPO) -> str:
    """sha256 over every input named in the module docstring, plus `extra`."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    for path in _source_files(root):
        add(path.relative_to(root).as_posix(), path.read_bytes())
    for name in LIBRARIES:
        add(f"library:{name}", _version(name).encode())
    add("python", platform.python_version().encode())
    for name in sorted(os.environ):
        if name.startswith(ENV_PREFIXES):
            add(f"env:{name}", os.environ[name].encode())
    for index, value in enumerate(extra):
        add(f"extra:{index}", value.encode())
    return digest.hexdigest()


def _source_files(root: Path) -> Iterable[Path]:
    files = [root / name for name in SOURCE_FILES if (root / name).is_file()]
    for folder in SOURCE_DIRS:
        files += [
            p for p in (root / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        ]  # fmt: skip
    return sorted(files)


# What the local jobs compute with: the image's requirements (a reused job must have run on
# the versions installed now).
JOB_REQUIREMENTS = REPO / "training_scripts" / "requirements.txt"


@functools.cache
def job_libraries() -> str:
    """Python and the installed versions of the image's libraries, for job fingerprints."""
    names = [
        re.split(r"[=<>!~\[;@ ]", line.strip(), maxsplit=1)[0]
        for line in JOB_REQUIREMENTS.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "-"))
    ]
    versions = {name: _version(name) for name in names}
    return json.dumps({"python": platform.python_version(), **versions}, sort_keys=True)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def cached_text(kind: str, key: str, build: Callable[[], str], root: Path = REPO) -> str:
    """`build()`'s text, reused from `<root>/.cache/build/<kind>-<key>` when that exists."""
    path = root / CACHE_DIR / f"{kind}-{key[:32]}.json"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    text = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)  # atomic: a concurrent reader sees the whole file or none
    except OSError:
        pass  # a read-only install: no cache, the same result
    return text


def cached_definition(settings: object, build: Callable[[], str], root: Path = REPO) -> str:
    """The pipeline definition for these settings (a pydantic model), built once per key."""
    dump = settings.model_dump_json()  # type: ignore[attr-defined]
    return cached_text("definition", inputs_key("definition", dump, root=root), build, root)


def synth(stage: str, root: Path = REPO, outdir: str = "cdk.out") -> bool:
    """Synthesize the stage's stacks into `outdir` unless the templates there were made from
    the same inputs; returns whether it synthesized."""
    context = json.dumps({"stage": stage})
    key = inputs_key("synth", context, root=root)
    marker = root / outdir / SYNTH_KEY_FILE
    if marker.is_file() and marker.read_text().strip() == key:
        return False
    marker.unlink(missing_ok=True)  # a failed synth must not leave the old key behind
    env = {**os.environ, "CDK_CONTEXT_JSON": context}
    subprocess.run([sys.executable, "app.py"], cwd=root, env=env, check=True)
    marker.write_text(key + "\n")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("synth",))
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    try:
        made = synth(args.stage)
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    if made:
        print(f"templates in cdk.out/ for stage {args.stage}")
    else:
        print(f"templates in cdk.out/ for stage {args.stage}: reused (inputs unchanged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
