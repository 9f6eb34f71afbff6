"""The NER model is an image option chosen by `settings.data.pii_ner_model` (issue 30)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from deployment.settings import DEFAULT_PII_NER_MODEL, DataSettings
from training_scripts.governance import pii_ner_model

DOCKERFILE = Path(pii_ner_model.__file__).resolve().parents[1] / "Dockerfile"


@pytest.fixture
def fresh_model_cache() -> Iterator[None]:
    pii_ner_model.load_ner_model.cache_clear()
    yield
    pii_ner_model.load_ner_model.cache_clear()


def test_every_model_the_setting_allows_is_one_the_loader_knows() -> None:
    allowed = DataSettings.model_fields["pii_ner_model"].annotation.__args__  # type: ignore[union-attr]
    assert set(allowed) == set(pii_ner_model.NER_MODELS)
    assert DEFAULT_PII_NER_MODEL == pii_ner_model.DEFAULT_NER_MODEL


def test_the_image_installs_the_configured_model_and_names_it_to_the_loader() -> None:
    dockerfile = DOCKERFILE.read_text()
    default = re.search(r"^ARG PII_NER_MODEL=(\S+)$", dockerfile, flags=re.M)
    assert default and default[1] == DEFAULT_PII_NER_MODEL
    assert "${PII_NER_MODEL}-3.8.0-py3-none-any.whl" in dockerfile
    assert f"ENV {pii_ner_model.NER_MODEL_ENV}=${{PII_NER_MODEL}}" in dockerfile


def test_a_named_model_that_is_not_installed_fails_closed(
    monkeypatch: pytest.MonkeyPatch, fresh_model_cache: None
) -> None:
    monkeypatch.setenv(pii_ner_model.NER_MODEL_ENV, "en_core_web_lg")
    monkeypatch.setitem(pii_ner_model.NER_MODELS, "en_core_web_lg", ("fmops_no_such_model",))
    with pytest.raises(pii_ner_model.NerModelMissing, match="en_core_web_lg is not installed"):
        pii_ner_model.load_ner_model()


def test_an_unknown_model_name_is_refused_with_the_allowed_ones(
    monkeypatch: pytest.MonkeyPatch, fresh_model_cache: None
) -> None:
    monkeypatch.setenv(pii_ner_model.NER_MODEL_ENV, "en_core_web_xl")
    with pytest.raises(pii_ner_model.NerModelMissing, match="'en_core_web_xl': use one of"):
        pii_ner_model.load_ner_model()


def test_without_the_variable_the_small_model_runs(
    monkeypatch: pytest.MonkeyPatch, fresh_model_cache: None
) -> None:
    monkeypatch.delenv(pii_ner_model.NER_MODEL_ENV, raising=False)
    assert pii_ner_model.load_ner_model().meta["name"].startswith("core_web_sm")  # or its re-upload
