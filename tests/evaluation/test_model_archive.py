"""Evaluate reads SageMaker's model.tar.gz safely on every Python the images may carry."""

from __future__ import annotations

import contextlib
import io
import tarfile
from pathlib import Path

import pytest

from training_scripts.metrics.generation import resolve_model_dir
from training_scripts.vocabulary.records import DataError


def _archive(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo("model/weights.bin")
            info.type, info.linkname = tarfile.SYMTYPE, link
            tar.addfile(info)
    return path


@pytest.fixture(params=["data filter", "no data filter (Python < 3.11.4)"])
def python(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param.startswith("no"):
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    return request.param


def test_a_model_archive_is_extracted_and_its_model_dir_found(tmp_path: Path, python: str) -> None:
    archive = _archive(tmp_path / "model.tar.gz", {"model/config.json": b"{}"})
    found = resolve_model_dir(archive, tmp_path / "scratch")
    assert found == tmp_path / "scratch" / "model"
    assert (found / "config.json").read_bytes() == b"{}"


@pytest.mark.parametrize(
    "members, link",
    [({"../outside.json": b"{}", "model/config.json": b"{}"}, None),
     ({"model/config.json": b"{}"}, "/etc/passwd")],
    ids=["parent path", "link out"],
)  # fmt: skip
def test_an_archive_that_writes_outside_or_links_out_is_refused(
    tmp_path: Path, python: str, members: dict[str, bytes], link: str | None
) -> None:
    archive = _archive(tmp_path / "model.tar.gz", members, link)
    with pytest.raises((DataError, tarfile.TarError)):
        resolve_model_dir(archive, tmp_path / "scratch")
    assert not (tmp_path / "outside.json").exists()
    assert not (tmp_path / "scratch" / "model" / "weights.bin").is_symlink()


def test_an_absolute_member_never_lands_outside_the_scratch_dir(
    tmp_path: Path, python: str
) -> None:
    """The data filter strips the leading "/" and the fallback refuses: both stay inside."""
    name = f"{tmp_path}/outside/config.json"
    archive = _archive(tmp_path / "model.tar.gz", {name: b"{}"})
    with contextlib.suppress(DataError):  # refusing is fine too
        resolve_model_dir(archive, tmp_path / "scratch")
    assert not (tmp_path / "outside").exists()
