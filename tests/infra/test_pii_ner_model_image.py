"""`settings.data.pii_ner_model` reaches the image build only when it is not the default."""

from __future__ import annotations

import aws_cdk as cdk

from deployment.settings import DEFAULT_PII_NER_MODEL, DataSettings, Settings
from deployment.training_images import default_training_images
from infra.stacks.training import TrainingPipelineStack


class _Host(cdk.Stack):
    """Just what TrainingPipelineStack._image reads: the settings and a build region."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(cdk.App(), "Host")
        self.settings = settings

    def _build_region(self) -> str:
        return "us-east-1"


def _image_hash(settings: Settings) -> str:
    host = _Host(settings)
    image = default_training_images()["torchrun"]
    return TrainingPipelineStack._image(host, "Image", image).asset_hash  # type: ignore[arg-type]


def _with_model(settings: Settings, model: str) -> Settings:
    data = settings.data.model_copy(update={"pii_ner_model": model})
    return settings.model_copy(update={"data": data})


def test_the_larger_ner_model_changes_the_image_and_the_default_does_not(
    dev_settings: Settings,
) -> None:
    without = dev_settings.model_copy(update={"data": DataSettings()})  # the setting left out
    default = _image_hash(_with_model(dev_settings, DEFAULT_PII_NER_MODEL))
    larger = {
        m: _image_hash(_with_model(dev_settings, m)) for m in ("en_core_web_md", "en_core_web_lg")
    }
    assert _image_hash(without) == default
    assert len({default, *larger.values()}) == 3  # each model its own image
