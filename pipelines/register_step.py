"""A RegisterModel step built from an explicit CreateModelPackage request.

The SDK's own route (`ModelStep(step_args=ModelBuilder(...).register())`) resolves images and
sessions through AWS calls; the pipeline definition must be produced offline and byte-for-byte
deterministically, so we extend the SDK's public `Step` base class with the request we want.
"""

from __future__ import annotations

from typing import Any

from sagemaker.core.workflow.properties import Properties
from sagemaker.mlops.workflow.steps import Step, StepTypeEnum


class RegisterModelPackageStep(Step):
    """Registers a model package version; `properties` mirror DescribeModelPackage."""

    def __init__(self, name: str, request: dict[str, Any], description: str | None = None):
        super().__init__(name, None, description, StepTypeEnum.REGISTER_MODEL, None)
        self._request = request
        self._properties = Properties(
            step_name=name, step=self, shape_name="DescribeModelPackageOutput"
        )

    @property
    def arguments(self) -> dict[str, Any]:
        return self._request

    @property
    def properties(self) -> Properties:
        return self._properties
