"""Snapshot the synthesized templates of every configuration of the matrix, and diff two snapshots.

Used to prove a restructuring of infra/ changes no template (issue 32):

    PYTHONPATH=. .venv/bin/python -m tests.infra.snapshot_templates synth /tmp/before
    # ... restructure ...
    PYTHONPATH=. .venv/bin/python -m tests.infra.snapshot_templates synth /tmp/after
    PYTHONPATH=. .venv/bin/python -m tests.infra.snapshot_templates diff /tmp/before /tmp/after

`synth` writes `<folder>/<configuration>/<stack artifact>.template.json` for every configuration
of tests/infra/configurations.py (the delivery pipeline's stages included). `diff` compares the
two folders template by template, byte for byte; `--ignore-asset-hashes` masks the 64-hex-digit
asset hashes only (they change when a source file an asset is built from changes, not when the
CDK code does), and says how many it masked. Exit status 1 when any template differs.
"""

from __future__ import annotations

import argparse
import difflib
import re
import shutil
import sys
import tempfile
from pathlib import Path

from tests.infra.configurations import CONFIGURATIONS, synthesize

# An asset hash as CDK writes it into templates (S3 keys, image tags): sha256 in hex.
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def snapshot(folder: Path) -> None:
    """Synthesize every configuration and keep only its templates (assets are large)."""
    for name, context in CONFIGURATIONS.items():
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f"snap-{name}-") as outdir:
            synthesize(context(), Path(outdir))
            for template in sorted(Path(outdir).rglob("*.template.json")):
                relative = template.relative_to(outdir)
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(template, destination)
        print(f"{name}: {sum(1 for _ in target.rglob('*.template.json'))} templates")


def _read(path: Path, *, ignore_asset_hashes: bool) -> tuple[str, int]:
    text = path.read_text()
    if not ignore_asset_hashes:
        return text, 0
    return _ASSET_HASH.subn("<asset-hash>", text)


def diff(before: Path, after: Path, *, ignore_asset_hashes: bool) -> int:
    """Print every template that differs (a unified diff) and return how many differ."""
    names = {p.relative_to(before) for p in before.rglob("*.template.json")}
    names |= {p.relative_to(after) for p in after.rglob("*.template.json")}
    differing = masked = 0
    for name in sorted(names):
        if not (before / name).exists() or not (after / name).exists():
            side = "before" if not (before / name).exists() else "after"
            print(f"{name}: missing {side}")
            differing += 1
            continue
        old, old_masked = _read(before / name, ignore_asset_hashes=ignore_asset_hashes)
        new, new_masked = _read(after / name, ignore_asset_hashes=ignore_asset_hashes)
        masked += old_masked + new_masked
        if old == new:
            continue
        differing += 1
        print(f"{name}: differs")
        sys.stdout.writelines(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"before/{name}",
                tofile=f"after/{name}",
                n=2,
            )
        )
    note = f" ({masked} asset hashes masked)" if ignore_asset_hashes else ""
    print(f"{len(names)} templates compared, {differing} differ{note}")
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="synthesize every configuration into FOLDER")
    synth.add_argument("folder", type=Path)
    compare = commands.add_parser("diff", help="compare two snapshots template by template")
    compare.add_argument("before", type=Path)
    compare.add_argument("after", type=Path)
    compare.add_argument("--ignore-asset-hashes", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "synth":
        snapshot(args.folder)
        return 0
    return 1 if diff(args.before, args.after, ignore_asset_hashes=args.ignore_asset_hashes) else 0


if __name__ == "__main__":
    sys.exit(main())
