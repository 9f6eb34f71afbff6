"""The prepare step routes one input prefix by method: ranked pairs to reward/dpo, the rest to
the other methods (prepare_data.route_by_method), refusing data a method cannot train on."""

from __future__ import annotations

from pathlib import Path

import pytest

from training_scripts.prepare_data import route_by_method
from training_scripts.vocabulary.records import PREFERENCE_DIR, DataError


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    (tmp_path / PREFERENCE_DIR).mkdir()
    (tmp_path / PREFERENCE_DIR / "rankings.jsonl").write_text("{}\n")
    (tmp_path / "dialogs.jsonl").write_text("{}\n")
    return tmp_path


@pytest.mark.parametrize("method", ["reward", "dpo"])
def test_preference_methods_read_only_the_ranked_pairs(raw: Path, method: str) -> None:
    assert route_by_method(raw, "conversation", method) == (raw / PREFERENCE_DIR, "preference", ())


@pytest.mark.parametrize("method", ["sft", "lora", "reft", "distill"])
def test_instruction_methods_skip_the_ranked_pairs(raw: Path, method: str) -> None:
    assert route_by_method(raw, "conversation", method) == (raw, "conversation", (PREFERENCE_DIR,))


def test_dpo_without_ranked_pairs_is_refused_with_where_to_put_them(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"--method dpo: no ranked pairs: .* under preferences/"):
        route_by_method(tmp_path, "sft", "dpo")


def test_a_data_task_the_method_cannot_train_on_is_refused(raw: Path) -> None:
    with pytest.raises(DataError, match=r"--task conversation cannot feed --method cpt: .*cpt"):
        route_by_method(raw, "conversation", "cpt")


def test_an_unknown_method_is_refused(raw: Path) -> None:
    with pytest.raises(DataError, match=r"--method 'ppo': use one of cpt, sft"):
        route_by_method(raw, "sft", "ppo")
