"""Which container each distribution trains in: a GPU base image and the pinned library stack
put on it (a file in training_scripts/). Part of `TrainingSettings`."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from deployment.section import Section as _Section

Distribution = Literal["smddp", "torchrun", "none"]

# Images with SMDDP inside, by repository:tag (SageMaker developer guide, "Supported frameworks,
# AWS Regions, and instance types" for SMDDP and "SageMaker AI data parallelism library release
# notes": SMDDP v2.5.0 ships in the SMP v2.6.0 image for PyTorch 2.4.1; the PyTorch 2.3.0
# SageMaker DLC ships SMDDP v2.3.0).
SMDDP_IMAGE_TAGS = (
    "smdistributed-modelparallel:2.4.1-gpu-py311-cu121",
    "pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker",
)
_TAG = re.compile(r"/(?P<tag>[a-z0-9-]+:(?P<torch>\d+\.\d+\.\d+)-gpu-py(?P<py>3\d+)-[a-z0-9.-]+)$")
_SMP_IMAGE = {
    "base_image": "658645717510.dkr.ecr.${AWS::Region}.amazonaws.com/"
    "smdistributed-modelparallel:2.4.1-gpu-py311-cu121",
    "requirements": "requirements-smddp.txt",
}
_MAIN_IMAGE = {
    "base_image": "763104351884.dkr.ecr.${AWS::Region}.amazonaws.com/"
    "pytorch-training:2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker",
    "requirements": "requirements.txt",
}


class TrainingImage(_Section):
    """A GPU base image and the pinned library stack (a file in training_scripts/) put on it."""

    base_image: str = Field(min_length=1)
    requirements: str = Field(pattern=r"^requirements[a-z0-9-]*\.txt$")

    @field_validator("base_image")
    @classmethod
    def _tag_names_torch_and_python(cls, value: str) -> str:
        if not _TAG.search(value):
            raise ValueError(
                "must end in repository:<torch x.y.z>-gpu-py<3NN>-..., e.g. "
                + _MAIN_IMAGE["base_image"].rsplit("/", 1)[1]
            )
        return value

    def _part(self, name: str) -> str:
        match = _TAG.search(self.base_image)
        assert match  # checked by the validator
        return match[name]

    @property
    def tag(self) -> str:
        return self._part("tag")

    @property
    def torch_version(self) -> str:
        """The torch the image ships (DLC and SMP tags start with it)."""
        return self._part("torch")

    @property
    def python_version(self) -> str:
        digits = self._part("py")
        return f"{digits[0]}.{digits[1:]}"


def default_training_images() -> dict[Distribution, TrainingImage]:
    return {
        "smddp": TrainingImage(**_SMP_IMAGE),
        "torchrun": TrainingImage(**_MAIN_IMAGE),
        "none": TrainingImage(**_MAIN_IMAGE),
    }


def default_processing_image() -> TrainingImage:
    """Prepare and evaluate run on the main stack's image."""
    return TrainingImage(**_MAIN_IMAGE)
