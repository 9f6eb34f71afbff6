"""The demo's synth and definition are reused only while every input is unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.local import build_cache


@dataclass(frozen=True)
class FakeSettings:
    stage: str

    def model_dump_json(self) -> str:
        return f'{{"stage": "{self.stage}"}}'


def _tree(root: Path) -> Path:
    for name in build_cache.SOURCE_DIRS:
        (root / name).mkdir(parents=True)
        (root / name / "module.py").write_text("X = 1\n")
    (root / "cdk.json").write_text('{"context": {}}\n')
    # A stand-in app.py: counts its runs and writes a template, as `python app.py` would.
    (root / "app.py").write_text(
        "from pathlib import Path\n"
        "count = Path('runs.txt')\n"
        "count.write_text(str(int(count.read_text()) + 1 if count.exists() else 1))\n"
        "Path('cdk.out').mkdir(exist_ok=True)\n"
        "Path('cdk.out/template.json').write_text('{}')\n"
    )
    return root


def _builds(root: Path, settings: FakeSettings, calls: list[str]) -> str:
    def build() -> str:
        calls.append(settings.stage)
        return f"definition for {settings.stage} #{len(calls)}"

    return build_cache.cached_definition(settings, build, root=root)


@pytest.mark.parametrize(
    "change",
    ["source", "config", "settings", "environment"],
)
def test_definition_is_reused_until_any_input_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    root, calls = _tree(tmp_path), list[str]()
    monkeypatch.delenv("AWS_REGION", raising=False)
    first = _builds(root, FakeSettings("dev"), calls)
    assert _builds(root, FakeSettings("dev"), calls) == first and len(calls) == 1
    stage = "dev"
    if change == "source":
        (root / "training_scripts" / "module.py").write_text("X = 2\n")
    elif change == "config":
        (root / "cdk.json").write_text('{"context": {"fmops": {}}}\n')
    elif change == "settings":
        stage = "prod"
    else:
        monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert _builds(root, FakeSettings(stage), calls) != first and len(calls) == 2


def test_synth_runs_again_only_when_an_input_or_the_stage_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    runs = root / "runs.txt"
    assert build_cache.synth("dev", root=root) is True
    assert build_cache.synth("dev", root=root) is False and runs.read_text() == "1"
    (root / "infra" / "module.py").write_text("X = 3\n")
    assert build_cache.synth("dev", root=root) is True and runs.read_text() == "2"
    assert build_cache.synth("prod", root=root) is True and runs.read_text() == "3"
    assert (root / "cdk.out" / build_cache.SYNTH_KEY_FILE).is_file()


def test_a_failed_synth_leaves_no_key_so_the_next_run_synthesizes(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    assert build_cache.synth("dev", root=root) is True
    (root / "app.py").write_text("raise SystemExit(3)\n")
    with pytest.raises(Exception, match="returned non-zero exit status 3"):
        build_cache.synth("dev", root=root)
    assert not (root / "cdk.out" / build_cache.SYNTH_KEY_FILE).exists()
