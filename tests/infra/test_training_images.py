"""The training images are honest: each stack resolves on its base image's torch and Python.

docs/decisions.md ("Training images") says which image each distribution uses and why. The
resolution tests run pip's resolver on package metadata (tests/infra/image_resolution.py);
they need the package index the first time (100-230 s of pip's resolver on 2 cores) and are
cached by input hash afterwards (under a second). Needing the network, they are marked `images`
and run in `make test-images` and the end-to-end lane (`make test-e2e`), not in the offline
`make test`; the checks below them that need no index stay in `make test`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from deployment.settings import (
    SMDDP_IMAGE_TAGS,
    SettingsError,
    TrainingImage,
    default_training_images,
    load_settings,
    read_cdk_json_context,
    settings_for_stage,
)
from tests.infra import image_resolution as resolution

TRAINING_SCRIPTS = resolution.REPO / "training_scripts"
DECISIONS = resolution.REPO / "docs" / "decisions.md"


def _images() -> dict[str, TrainingImage]:
    images = default_training_images()
    return {image.requirements: image for image in images.values()}


def _lines(image: TrainingImage) -> list[str]:
    text = (TRAINING_SCRIPTS / image.requirements).read_text()
    return resolution.image_requirements(text, image.torch_version)


def _with_transformers_5(lines: list[str]) -> list[str]:
    """transformers 5.23 in place of 4.57; tokenizers unpinned so that torch is the only
    conflict left (0.22.2 is too old for transformers 5 as well)."""
    swap = {"transformers": "transformers[torch]==5.23.0", "tokenizers": "tokenizers"}
    return [next((v for k, v in swap.items() if line.startswith(k + "=") or
                  line.startswith(k + "[")), line) for line in lines]  # fmt: skip


# Resolving needs the package index: out of the offline lane (pyproject.toml's markers).
needs_index = pytest.mark.images


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    """Every resolution started at once (each takes about a minute uncached), then collected."""
    jobs: dict[str, tuple[list[str], str | None]] = {
        name: (_lines(image), resolution.interpreter(image.python_version))
        for name, image in _images().items()
    }
    smddp = default_training_images()["smddp"]
    jobs["negative"] = (
        _with_transformers_5(_lines(smddp)),
        resolution.interpreter(smddp.python_version),
    )
    started = {
        name: resolution.start(lines, python) for name, (lines, python) in jobs.items() if python
    }
    results: dict[str, Any] = {name: resolution.finish(*job) for name, job in started.items()}
    for name, (_, python) in jobs.items():
        results.setdefault(name, None if python else "no interpreter")
    return results


@needs_index
@pytest.mark.parametrize("requirements", sorted(_images()))
def test_each_image_stack_resolves_against_its_torch_and_python(
    resolved: dict[str, Any], requirements: str
) -> None:
    image = _images()[requirements]
    result = resolved[requirements]
    if result == "no interpreter":
        pytest.skip(f"no python{image.python_version} on PATH to resolve {requirements} with")
    assert result.ok, f"{requirements} on {image.tag}:\n{result.error}"
    assert result.versions["torch"] == image.torch_version


@needs_index
def test_smddp_stack_stays_on_transformers_4_57(resolved: dict[str, Any]) -> None:
    result = resolved["requirements-smddp.txt"]
    if result == "no interpreter":
        pytest.skip("no python3.11 on PATH")
    assert result.versions["transformers"].startswith("4.57.")


@needs_index
@pytest.mark.parametrize("requirements", sorted(_images()))
def test_each_image_ships_the_mlflow_client_and_the_sagemaker_plugin(
    resolved: dict[str, Any], requirements: str
) -> None:
    """Train and Evaluate log to an ARN tracking URI: only the plugin resolves it."""
    result = resolved[requirements]
    if result == "no interpreter":
        pytest.skip(f"no interpreter to resolve {requirements} with")
    assert result.ok, result.error
    names = {name.replace("_", "-") for name in result.versions}
    assert {"mlflow-skinny", "sagemaker-mlflow"} <= names, requirements
    assert result.versions["torch"] == _images()[requirements].torch_version  # left alone


@needs_index
def test_transformers_5_in_the_smddp_stack_fails_to_resolve(resolved: dict[str, Any]) -> None:
    result = resolved["negative"]
    if result == "no interpreter":
        pytest.skip("no python3.11 on PATH")
    assert not result.ok
    torch = default_training_images()["smddp"].torch_version
    assert f"torch=={torch} and transformers[torch]==5.23.0" in result.error, result.error


def test_negative_case_changes_only_the_transformers_and_tokenizers_pins() -> None:
    lines = _lines(default_training_images()["smddp"])
    changed = [b for a, b in zip(lines, _with_transformers_5(lines), strict=True) if a != b]
    assert changed == ["transformers[torch]==5.23.0", "tokenizers"]


def test_smddp_requirements_start_with_the_image_torch() -> None:
    image = default_training_images()["smddp"]
    first = (TRAINING_SCRIPTS / image.requirements).read_text().splitlines()[0]
    assert first == f"torch=={image.torch_version}"


def test_every_file_the_dockerfile_copies_or_names_exists() -> None:
    dockerfile = (TRAINING_SCRIPTS / "Dockerfile").read_text()
    copied = re.findall(r"^COPY (\S+) ", dockerfile, flags=re.M)
    default = re.search(r"^ARG REQUIREMENTS=(\S+)$", dockerfile, flags=re.M)
    assert default and copied
    names = {default[1]} | {image.requirements for image in _images().values()}
    for source in copied:
        for name in names if source == "${REQUIREMENTS}" else {source}:
            assert (TRAINING_SCRIPTS / name).exists(), name
    program = re.search(r"SAGEMAKER_PROGRAM=(\S+)", dockerfile)
    assert program and (TRAINING_SCRIPTS / program[1]).is_file()


def test_every_base_image_tag_is_one_the_decisions_doc_lists() -> None:
    documented = DECISIONS.read_text()
    for image in _images().values():
        assert image.tag in documented, image.tag
    for tag in SMDDP_IMAGE_TAGS:
        assert tag in documented, tag


def test_a_stage_that_asks_for_smddp_trains_on_the_smddp_image() -> None:
    prod, dev = settings_for_stage("prod").training, settings_for_stage("dev").training
    assert (prod.distribution, dev.distribution) == ("smddp", "torchrun")
    assert prod.training_image.tag in SMDDP_IMAGE_TAGS
    assert prod.training_image.requirements == "requirements-smddp.txt"
    assert dev.training_image.tag not in SMDDP_IMAGE_TAGS
    assert dev.training_image.requirements == "requirements.txt"
    assert prod.processing_image == dev.processing_image == dev.training_image


def test_an_image_without_smddp_for_the_smddp_distribution_is_refused() -> None:
    context = read_cdk_json_context()
    dlc = default_training_images()["torchrun"].base_image
    context["fmops"].setdefault("training", {})["images"] = {
        "smddp": {"base_image": dlc, "requirements": "requirements.txt"}
    }
    with pytest.raises(SettingsError, match=r"does not ship the SMDDP library"):
        load_settings(context)


def test_a_base_image_tag_without_torch_and_python_versions_is_refused() -> None:
    context = read_cdk_json_context()
    context["fmops"].setdefault("training", {})["processing_image"] = {
        "base_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:latest",
        "requirements": "requirements.txt",
    }
    with pytest.raises(SettingsError, match=r"processing_image\.base_image"):
        load_settings(context)
