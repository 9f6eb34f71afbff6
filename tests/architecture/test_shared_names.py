"""Every name shared across packages is imported from its home, never retyped."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.shared_names import NOT_SCANNED, literal_copies, shared_names

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_no_module_retypes_a_shared_name() -> None:
    copies = literal_copies(REPO_ROOT)

    assert not copies, "shared names retyped as literals:\n" + "\n".join(map(str, copies))


def test_the_scan_finds_a_retyped_name(tmp_path: Path) -> None:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "step.py").write_text(
        '"""A docstring may say evaluation.json."""\n'
        'REPORT = "evaluation.json"\n'
        'params = {"BaseModelUri": "s3://b/m/"}\n',
        encoding="utf-8",
    )

    copies = literal_copies(tmp_path)

    assert [(c.path, c.line, c.value) for c in copies] == [
        ("pipelines/step.py", 2, "evaluation.json"),
        ("pipelines/step.py", 3, "BaseModelUri"),
    ]


def test_the_scan_covers_metric_keys_parameters_metadata_files_and_prefixes() -> None:
    names = shared_names()

    for value in ("num_examples", "InputDataUri", "model_data_url", "evaluation.json",
                  "pipeline-runs/", "MinRougeL", "RawBucketName"):  # fmt: skip
        assert value in names, value
    assert not set(NOT_SCANNED) & set(names)
